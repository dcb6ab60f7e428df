#include <wskit/encoding.hpp>

#include <fmt/format.h>

#include <array>
#include <cstdint>

namespace wskit {
namespace {

constexpr char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int b64_value(unsigned char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
}

int hex_digit(unsigned char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// The code point of a bidi control (one whole UTF-8 character), else 0:
// the embeddings and overrides U+202A..U+202E, the isolates U+2066..U+2069
// and the marks U+200E, U+200F, U+061C. On a terminal or a page that
// applies them they reorder what follows ("pay to \u202e0001$ tnuocca"
// shows as "pay to account $1000"), and a name could show as another.
char32_t bidi_control(std::string_view ch) {
    auto byte = [&](std::size_t i) { return static_cast<unsigned char>(ch[i]); };
    if (ch.size() == 2) return byte(0) == 0xd8 && byte(1) == 0x9c ? 0x061c : 0;
    if (ch.size() != 3 || byte(0) != 0xe2) return 0;
    char32_t cp = 0x2000 | (char32_t(byte(1) & 0x3f) << 6) | (byte(2) & 0x3f);
    bool control = cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
    return control ? cp : 0;
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    auto byte = [&](std::size_t k) { return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[k])); };
    for (; i + 2 < bytes.size(); i += 3) {
        std::uint32_t v = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
        out += b64_alphabet[v >> 18 & 63];
        out += b64_alphabet[v >> 12 & 63];
        out += b64_alphabet[v >> 6 & 63];
        out += b64_alphabet[v & 63];
    }
    std::size_t left = bytes.size() - i;
    if (left == 1) {
        std::uint32_t v = byte(i) << 16;
        out += b64_alphabet[v >> 18 & 63];
        out += b64_alphabet[v >> 12 & 63];
        out += "==";
    } else if (left == 2) {
        std::uint32_t v = byte(i) << 16 | byte(i + 1) << 8;
        out += b64_alphabet[v >> 18 & 63];
        out += b64_alphabet[v >> 12 & 63];
        out += b64_alphabet[v >> 6 & 63];
        out += '=';
    }
    return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
    std::string out;
    out.reserve(text.size() / 4 * 3);
    std::uint32_t acc = 0;
    int bits = 0;
    bool padding = false;
    for (unsigned char c : text) {
        if (is_space(c)) continue;
        if (c == '=') {
            padding = true;
            continue;
        }
        if (padding) return std::nullopt;  // data after '='
        int v = b64_value(c);
        if (v < 0) return std::nullopt;
        acc = acc << 6 | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>(acc >> bits & 0xff));
        }
    }
    if (bits >= 6) return std::nullopt;  // a dangling 6-bit group
    return out;
}

std::string hex_encode(std::string_view bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (unsigned char c : bytes) {
        out += digits[c >> 4];
        out += digits[c & 15];
    }
    return out;
}

std::optional<std::string> hex_decode(std::string_view text) {
    std::string out;
    out.reserve(text.size() / 2);
    int high = -1;
    for (unsigned char c : text) {
        if (is_space(c) || c == ':') {
            if (high >= 0) return std::nullopt;  // separator inside a pair
            continue;
        }
        int v = hex_digit(c);
        if (v < 0) return std::nullopt;
        if (high < 0) {
            high = v;
        } else {
            out.push_back(static_cast<char>(high << 4 | v));
            high = -1;
        }
    }
    if (high >= 0) return std::nullopt;  // odd number of digits
    return out;
}

bool is_valid_utf8(std::string_view bytes) {
    const auto* s = reinterpret_cast<const unsigned char*>(bytes.data());
    std::size_t n = bytes.size();
    std::size_t i = 0;
    while (i < n) {
        // Fast path over ASCII, eight bytes at a time.
        while (i + 8 <= n) {
            std::uint64_t word;
            __builtin_memcpy(&word, s + i, 8);
            if (word & 0x8080808080808080ULL) break;
            i += 8;
        }
        if (i >= n) break;
        unsigned char c = s[i];
        if (c < 0x80) {
            ++i;
            continue;
        }
        std::size_t len;
        std::uint32_t cp;
        if (c >= 0xc2 && c <= 0xdf) {
            len = 2;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            len = 3;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            len = 4;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (i + len > n) return false;
        for (std::size_t k = 1; k < len; ++k) {
            if ((s[i + k] & 0xc0) != 0x80) return false;
            cp = cp << 6 | (s[i + k] & 0x3f);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += len;
    }
    return true;
}

std::string escape_controls(std::string_view text, bool keep_layout) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(text.size());
    auto escape = [&out](unsigned char c) {
        out += "\\x";
        out += digits[c >> 4];
        out += digits[c & 15];
    };
    const std::size_t n = text.size();
    for (std::size_t i = 0; i < n;) {
        auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x80) {
            bool layout = c == '\n' || c == '\t';
            if ((c < 0x20 && !(keep_layout && layout)) || c == 0x7f) {
                escape(c);
            } else {
                out += static_cast<char>(c);
            }
            ++i;
            continue;
        }
        // A whole UTF-8 character is shown as it is, except the C1 controls
        // (U+0080..U+009F: U+009B is CSI, U+009D is OSC for the terminals
        // that take them in UTF-8). A byte that starts no valid character is
        // escaped: on a terminal set to an 8-bit charset, 0x9b alone is CSI.
        std::size_t len = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
        if (len == 0 || i + len > n || !is_valid_utf8(text.substr(i, len))) {
            escape(c);
            ++i;
            continue;
        }
        if (c == 0xc2 && static_cast<unsigned char>(text[i + 1]) < 0xa0) {
            escape(c);
            escape(static_cast<unsigned char>(text[i + 1]));
        } else if (auto cp = bidi_control(text.substr(i, len))) {
            out += fmt::format("\\u{:04x}", static_cast<std::uint32_t>(cp));
        } else {
            out.append(text.data() + i, len);
        }
        i += len;
    }
    return out;
}

std::string ascii_lower(std::string_view text) {
    std::string out(text);
    for (auto& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

bool ends_mid_character(std::string_view text) {
    // Look back at most 3 bytes for the lead byte of the last character.
    std::size_t n = text.size();
    for (std::size_t back = 1; back <= 4 && back <= n; ++back) {
        auto c = static_cast<unsigned char>(text[n - back]);
        if ((c & 0xc0) == 0x80) continue;  // continuation byte
        std::size_t len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : 4;
        return len > back;
    }
    return false;
}

std::string hexdump(std::string_view bytes, std::size_t limit) {
    std::string out;
    std::size_t shown = bytes.size() < limit ? bytes.size() : limit;
    for (std::size_t row = 0; row < shown; row += 16) {
        out += fmt::format("{:08x}  ", row);
        std::string ascii;
        for (std::size_t k = 0; k < 16; ++k) {
            if (row + k < shown) {
                auto c = static_cast<unsigned char>(bytes[row + k]);
                out += fmt::format("{:02x} ", c);
                ascii += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '.';
            } else {
                out += "   ";
            }
            if (k == 7) out += ' ';
        }
        out += fmt::format(" |{}|\n", ascii);
    }
    if (shown < bytes.size()) out += fmt::format("... {} more bytes\n", bytes.size() - shown);
    return out;
}

std::string payload_summary(std::string_view payload, bool binary, std::size_t most) {
    if (binary) {
        constexpr std::size_t shown_bytes = 32;
        return fmt::format("binary, {} bytes: {}{}", payload.size(), hex_encode(payload.substr(0, shown_bytes)),
                           payload.size() > shown_bytes ? "..." : "");
    }
    auto text = escape_controls(payload.substr(0, most));
    return payload.size() > most ? text + "..." : text;
}

}  // namespace wskit
