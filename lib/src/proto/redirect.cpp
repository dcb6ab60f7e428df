#include "proto/headers.hpp"

#include <wskit/encoding.hpp>
#include <wskit/error.hpp>
#include <wskit/redirect.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace wskit {
namespace {

[[noreturn]] void unusable(std::string_view location, std::string_view why) {
    throw Error(ExitCode::handshake,
                fmt::format("unusable redirect Location '{}': {}", escape_controls(location), why));
}

bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

// Percent-encodes what may not appear in a request line's path or query
// (RFC 3986 3.3, 3.4): spaces, non-ASCII bytes, and " < > \ ^ ` { | }. A '%'
// that starts a valid escape is kept, so an encoded Location stays as sent.
std::string encode_target(std::string_view text) {
    static constexpr char digits[] = "0123456789ABCDEF";
    static constexpr std::string_view not_allowed = " \"<>\\^`{|}";
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        auto c = static_cast<unsigned char>(text[i]);
        bool valid_escape = c == '%' && i + 2 < text.size() && is_hex(text[i + 1]) && is_hex(text[i + 2]);
        if (c >= 0x80 || not_allowed.find(static_cast<char>(c)) != std::string_view::npos ||
            (c == '%' && !valid_escape)) {
            out += '%';
            out += digits[c >> 4];
            out += digits[c & 15];
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

// The scheme of an absolute reference (RFC 3986 3.1: ALPHA *( ALPHA / DIGIT
// / "+" / "-" / "." ) before the first ':' that comes before any '/', '?'
// or '#'), or "" for a relative reference.
std::string_view scheme_of(std::string_view ref) {
    auto colon = ref.find(':');
    if (colon == std::string_view::npos || colon == 0) return {};
    if (ref.find_first_of("/?#") < colon) return {};
    if (!std::isalpha(static_cast<unsigned char>(ref[0]))) return {};
    for (char c : ref.substr(0, colon)) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') return {};
    }
    return ref.substr(0, colon);
}

struct Target {
    std::string path;
    bool has_query = false;
    std::string query;
};

Target split_target(std::string_view resource) {
    Target t;
    auto q = resource.find('?');
    t.path = std::string(resource.substr(0, q));
    if (q != std::string_view::npos) {
        t.has_query = true;
        t.query = std::string(resource.substr(q + 1));
    }
    return t;
}

std::string join(const Target& t) {
    std::string out = encode_target(remove_dot_segments(t.path));
    if (out.empty() || out.front() != '/') out.insert(out.begin(), '/');
    if (t.has_query) out += "?" + encode_target(t.query);
    return out;
}

}  // namespace

std::string remove_dot_segments(std::string_view path) {
    std::string in(path);
    std::string out;
    auto drop_last_segment = [&out] {
        auto slash = out.rfind('/');
        out.erase(slash == std::string::npos ? 0 : slash);
    };
    std::size_t at = 0;  // in[at..] is what is left of the input buffer
    while (at < in.size()) {
        std::string_view rest(in.data() + at, in.size() - at);
        if (rest.compare(0, 3, "../") == 0) {
            at += 3;
        } else if (rest.compare(0, 2, "./") == 0) {
            at += 2;
        } else if (rest.compare(0, 3, "/./") == 0) {
            at += 2;
        } else if (rest == "/.") {
            in.replace(at, 2, "/");
        } else if (rest.compare(0, 4, "/../") == 0) {
            at += 3;
            drop_last_segment();
        } else if (rest == "/..") {
            in.replace(at, 3, "/");
            drop_last_segment();
        } else if (rest == "." || rest == "..") {
            at = in.size();
        } else {
            auto next = rest.find('/', rest.front() == '/' ? 1 : 0);
            if (next == std::string_view::npos) next = rest.size();
            out.append(rest.substr(0, next));
            at += next;
        }
    }
    return out;
}

Url resolve_redirect(const Url& base, std::string_view location) {
    for (unsigned char c : location) {
        if (c < 0x20 || c == 0x7f) unusable(location, "it contains control characters");
    }
    // The fragment is for the client alone and never sent (RFC 6455 3).
    std::string_view ref = location.substr(0, location.find('#'));
    auto trim = ref.find_first_not_of(' ');
    ref = trim == std::string_view::npos ? std::string_view{} : ref.substr(trim);
    while (!ref.empty() && ref.back() == ' ') ref.remove_suffix(1);

    std::string absolute;
    if (auto scheme = scheme_of(ref); !scheme.empty()) {
        if (ref.compare(scheme.size(), 3, "://") != 0)
            unusable(location, fmt::format("'{}:' without a host", escape_controls(scheme)));
        absolute = std::string(ref);
    } else if (ref.compare(0, 2, "//") == 0) {
        absolute = std::string(base.scheme()) + ":" + std::string(ref);
    }

    if (!absolute.empty()) {
        auto authority_end = absolute.find_first_of("/?", absolute.find("://") + 3);
        std::string_view resource;
        if (authority_end != std::string::npos) resource = std::string_view(absolute).substr(authority_end);
        Url next;
        try {
            next = parse_url(absolute.substr(0, authority_end));
        } catch (const Error& e) {
            unusable(location, e.what());
        }
        next.resource = join(split_target(resource));
        return next;
    }

    // RFC 3986 5.2.2, with the base's path and query taken from its resource.
    Url next = base;
    const Target b = split_target(base.resource);
    Target r = split_target(ref);
    Target t;
    if (r.path.empty()) {
        t.path = b.path;
        t.has_query = r.has_query || b.has_query;
        t.query = r.has_query ? r.query : b.query;
    } else {
        if (r.path.front() == '/') {
            t.path = r.path;
        } else {
            // 5.2.3: merge with the base path up to its last '/'.
            auto slash = b.path.rfind('/');
            t.path = (slash == std::string::npos ? "/" : b.path.substr(0, slash + 1)) + r.path;
        }
        t.has_query = r.has_query;
        t.query = r.query;
    }
    next.resource = join(t);
    return next;
}

bool same_origin(const Url& a, const Url& b) { return a.secure == b.secure && a.host == b.host && a.port == b.port; }

RedirectPlan plan_redirect(const ClientOptions& first, const Url& from, const Url& next, bool trusted) {
    RedirectPlan plan;
    plan.options = first;
    plan.options.url = next;
    if (from.secure && !next.secure && !trusted) {
        plan.refusal = fmt::format("refusing to follow the redirect from {} to {}: the connection would no longer be "
                                   "encrypted (--location-trusted follows it)",
                                   from.str(), next.str());
        return plan;
    }
    if (first.http2 && from.secure && !next.secure) {
        // Without TLS there is no ALPN to agree on HTTP/2 again; speaking h2c
        // unasked to a host we were sent to is not what --http2 chose.
        plan.refusal = fmt::format("refusing to follow the redirect from {} to {} over HTTP/2: --http2 agrees on it "
                                   "through TLS, which ws:// does not have",
                                   from.str(), next.str());
        return plan;
    }
    if (trusted || same_origin(first.url, next)) {
        // The credentials of the URL named stay with its origin, unless the
        // Location gives its own.
        if (next.user.empty() && next.password.empty()) {
            plan.options.url.user = first.url.user;
            plan.options.url.password = first.url.password;
        }
        return plan;
    }
    auto& headers = plan.options.headers;
    for (const char* name : {"Authorization", "Cookie"}) {
        auto is_it = [name](const Header& h) { return detail::same_header_name(h.name, name); };
        if (std::none_of(headers.begin(), headers.end(), is_it)) continue;
        headers.erase(std::remove_if(headers.begin(), headers.end(), is_it), headers.end());
        plan.dropped.emplace_back(name);
    }
    if (!plan.options.auth.empty()) plan.dropped.emplace_back("--auth");
    plan.options.auth.clear();
    if (!first.url.user.empty() || !first.url.password.empty()) plan.dropped.emplace_back("the URL's user:password");
    return plan;
}

}  // namespace wskit
