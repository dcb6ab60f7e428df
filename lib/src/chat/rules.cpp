#include <wskit/chat/rules.hpp>
#include <wskit/encoding.hpp>
#include <wskit/url.hpp>

#include <fmt/format.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/uspoof.h>

#include <algorithm>
#include <memory>
#include <stdexcept>

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

// What a name does with a character (after NFKC).
enum class NameUse { keep, space, drop };

NameUse name_use(UChar32 c) {
    if (u_isUWhiteSpace(c)) return NameUse::space;  // tab, NBSP, U+2028, U+2029, U+3000...
    switch (u_charType(c)) {
        case U_CONTROL_CHAR:
        case U_FORMAT_CHAR:  // bidi controls, ZWSP, ZWJ, soft hyphen, BOM, tags
        case U_SURROGATE:
        case U_PRIVATE_USE_CHAR:
        case U_UNASSIGNED: return NameUse::drop;
        default: break;
    }
    // Hangul fillers, variation selectors, the combining grapheme joiner...:
    // nothing to see. U+2800, the blank braille pattern, is a symbol that
    // shows as nothing.
    if (u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT) || c == 0x2800) return NameUse::drop;
    return NameUse::keep;
}

template <class F>
void for_each_code_point(const icu::UnicodeString& text, F&& f) {
    for (int32_t i = 0; i < text.length();) {
        UChar32 c = text.char32At(i);
        f(c);
        i += U16_LENGTH(c);
    }
}

icu::UnicodeString unicode(std::string_view utf8) {
    return icu::UnicodeString::fromUTF8(icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size())));
}

std::string utf8(const icu::UnicodeString& text) {
    std::string out;
    text.toUTF8String(out);
    return out;
}

// ICU's normalizers and spoof checker are built once and, used read-only,
// safe to share between threads. An ICU without its data cannot check
// names at all: that is a broken installation, not a client's problem.
const icu::Normalizer2& normalizer(const icu::Normalizer2* (*get)(UErrorCode&)) {
    UErrorCode status = U_ZERO_ERROR;
    const auto* n = get(status);
    if (U_FAILURE(status) || !n) throw std::runtime_error(fmt::format("ICU normalizer: {}", u_errorName(status)));
    return *n;
}

icu::UnicodeString normalize(const icu::Normalizer2& n, const icu::UnicodeString& text) {
    UErrorCode status = U_ZERO_ERROR;
    auto out = n.normalize(text, status);
    return U_SUCCESS(status) ? out : text;
}

icu::UnicodeString nfkc(const icu::UnicodeString& text) {
    static const auto& n = normalizer(icu::Normalizer2::getNFKCInstance);
    return normalize(n, text);
}

icu::UnicodeString nfkc_casefold(const icu::UnicodeString& text) {
    static const auto& n = normalizer(icu::Normalizer2::getNFKCCasefoldInstance);
    return normalize(n, text);
}

// UTS #39: the skeleton two confusable strings share.
std::string skeleton(const icu::UnicodeString& text) {
    static const std::unique_ptr<USpoofChecker, void (*)(USpoofChecker*)> checker = [] {
        UErrorCode status = U_ZERO_ERROR;
        USpoofChecker* c = uspoof_open(&status);
        if (U_FAILURE(status)) throw std::runtime_error(fmt::format("ICU spoof checker: {}", u_errorName(status)));
        return std::unique_ptr<USpoofChecker, void (*)(USpoofChecker*)>(c, uspoof_close);
    }();
    UErrorCode status = U_ZERO_ERROR;
    icu::UnicodeString out;
    uspoof_getSkeletonUnicodeString(checker.get(), 0, text, out, &status);
    return utf8(U_SUCCESS(status) ? out : text);
}

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
    icu::UnicodeString kept;
    bool pending_space = false;
    for_each_code_point(nfkc(unicode(raw)), [&](UChar32 c) {
        switch (name_use(c)) {
            case NameUse::space: pending_space = !kept.isEmpty(); return;
            case NameUse::drop: return;
            case NameUse::keep: break;
        }
        if (pending_space) kept.append(UChar32('-'));
        pending_space = false;
        kept.append(c);
    });
    // What a removed character kept apart composes now (e, ZWSP, U+0301: é).
    kept = nfkc(kept);
    if (static_cast<std::size_t>(kept.countChar32()) > max_chars) {
        kept.truncate(kept.moveIndex32(0, static_cast<int32_t>(max_chars)));
        if (kept.endsWith(icu::UnicodeString(u'-'))) kept.truncate(kept.length() - 1);
    }
    return utf8(kept);
}

std::string name_refusal(std::string_view name) {
    auto text = unicode(name);
    bool has_word = false, first = true, starts_like_server = false, has_colon = false;
    for_each_code_point(text, [&](UChar32 c) {
        auto category = U_GET_GC_MASK(c);
        if (category & (U_GC_L_MASK | U_GC_N_MASK | U_GC_SO_MASK)) has_word = true;
        // The first character that is not a mark on the one before.
        bool is_first = first && !(category & U_GC_M_MASK);
        if (!(category & U_GC_M_MASK)) first = false;
        if (!(category & (U_GC_P_MASK | U_GC_S_MASK))) return;
        auto look = skeleton(icu::UnicodeString(c));
        if (is_first && (look == "*" || look == "[" || look == "#" || look == "/")) starts_like_server = true;
        if (look == ":") has_colon = true;
    });
    if (!has_word) return "a name needs a letter or a digit";
    if (starts_like_server)
        return "a name cannot start with *, [, # or / (or a sign like them), as the server's own lines do";
    if (has_colon) return "a name cannot have a ':' (or a sign like it): 'alice:hi: text' would pass for alice";
    return {};
}

std::string name_key(std::string_view name) {
    auto folded = nfkc_casefold(unicode(name));
    auto key = skeleton(folded);
    // A skeleton may map a rare character to a sequence with white space.
    std::replace_if(key.begin(), key.end(), [](char c) { return c == ' ' || c == '\t' || c == '\n'; }, '-');
    return key;
}

bool same_name(std::string_view a, std::string_view b) { return name_key(a) == name_key(b); }

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
