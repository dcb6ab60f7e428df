#include <wskit/chat_rules.hpp>
#include <wskit/encoding.hpp>
#include <wskit/url.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace wskit::chat {
namespace {

// The length of the UTF-8 sequence starting with `lead` (1 for stray bytes,
// which the caller has already ruled out for valid text).
std::size_t sequence_length(unsigned char lead) {
    if (lead < 0x80) return 1;
    if ((lead >> 5) == 0x6) return 2;
    if ((lead >> 4) == 0xe) return 3;
    if ((lead >> 3) == 0x1e) return 4;
    return 1;
}

// C0, DEL and the C1 range (U+0080..U+009F, UTF-8 C2 80..C2 9F).
bool is_control(std::string_view ch) {
    auto b0 = static_cast<unsigned char>(ch[0]);
    if (ch.size() == 1) return b0 < 0x20 || b0 == 0x7f;
    return ch.size() == 2 && b0 == 0xc2 && static_cast<unsigned char>(ch[1]) < 0xa0;
}

bool is_space(std::string_view ch) {
    return ch == " " || ch == "\t" || ch == "\n" || ch == "\r" || ch == "\xc2\xa0" || ch == "\xe3\x80\x80";
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Splits valid-or-not UTF-8 into characters; invalid bytes come one at a
// time and are dropped by the caller.
template <class F>
void each_char(std::string_view s, F&& f) {
    for (std::size_t i = 0; i < s.size();) {
        auto n = std::min(sequence_length(static_cast<unsigned char>(s[i])), s.size() - i);
        f(s.substr(i, n));
        i += n;
    }
}

}  // namespace

std::string clean_name(std::string_view raw, std::size_t max_chars) {
    if (!is_valid_utf8(raw)) return {};
    std::string out;
    std::size_t chars = 0;
    bool pending_space = false;
    each_char(raw, [&](std::string_view ch) {
        if (chars >= max_chars) return;
        if (is_space(ch)) {
            pending_space = !out.empty();
            return;
        }
        if (is_control(ch)) return;
        if (pending_space && chars + 1 < max_chars) {
            out += '-';
            ++chars;
        }
        pending_space = false;
        out += ch;
        ++chars;
    });
    return out;
}

bool same_name(std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

std::string unique_name(const std::string& wanted, std::size_t max_chars,
                        const std::function<bool(std::string_view)>& taken) {
    if (!taken(wanted)) return wanted;
    for (unsigned n = 2;; ++n) {
        auto suffix = fmt::format("-{}", n);
        // Shorten the base by whole characters until base + suffix fits.
        std::string base;
        std::size_t chars = 0, limit = max_chars > suffix.size() ? max_chars - suffix.size() : 1;
        each_char(wanted, [&](std::string_view ch) {
            if (chars++ < limit) base += ch;
        });
        auto candidate = base + suffix;
        if (!taken(candidate)) return candidate;
    }
}

RoomAddress parse_room_address(std::string_view resource) {
    RoomAddress out;
    auto q = resource.find('?');
    auto path = percent_decode(resource.substr(0, q));
    std::string room;
    if (is_valid_utf8(path)) {
        each_char(path, [&](std::string_view ch) {
            if (!is_control(ch) && room.size() + ch.size() <= 100) room += ch;
        });
    }
    while (room.size() > 1 && room.back() == '/') room.pop_back();
    if (room.empty() || room.front() != '/') room.insert(room.begin(), '/');
    out.room = room;
    if (q == std::string_view::npos) return out;
    auto query = resource.substr(q + 1);
    while (!query.empty()) {
        auto amp = query.find('&');
        auto pair = query.substr(0, amp);
        auto eq = pair.find('=');
        auto key = pair.substr(0, eq);
        auto value = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
        std::string decoded = value.find('+') == std::string_view::npos ? percent_decode(value) : [&] {
            std::string v(value);
            std::replace(v.begin(), v.end(), '+', ' ');
            return percent_decode(v);
        }();
        if (key == "name") out.name = decoded;
        if (key == "token") out.token = decoded;
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return out;
}

RateLimiter::RateLimiter(double rate, double burst)
    : rate_(rate), burst_(std::max(1.0, burst)), tokens_(burst_) {}

RateLimiter::Verdict RateLimiter::take(Time now) {
    if (rate_ <= 0) return Verdict::pass;
    if (started_) {
        double elapsed = std::chrono::duration<double>(now - last_).count();
        if (elapsed > 0) tokens_ = std::min(burst_, tokens_ + elapsed * rate_);
    }
    started_ = true;
    if (now > last_) last_ = now;
    if (tokens_ >= burst_) warned_ = false;  // calm again
    if (tokens_ >= 1) {
        tokens_ -= 1;
        return Verdict::pass;
    }
    if (warned_) return Verdict::close;
    warned_ = true;
    return Verdict::warn;
}

}  // namespace wskit::chat
