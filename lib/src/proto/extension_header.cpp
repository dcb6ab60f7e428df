// Sec-WebSocket-Extensions parsing (RFC 6455 9.1; RFC 7692 5 allows quoted
// parameter values, which must unquote to a token).
#include <wskit/compression.hpp>

namespace wskit {
namespace {

bool is_tchar(char c) {
    auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7f && std::string_view("()<>@,;:\\\"/[]?={}").find(c) == std::string_view::npos;
}

class Scanner {
public:
    explicit Scanner(std::string_view text) : s_(text) {}
    void skip_space() {
        while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t')) ++i_;
    }
    bool at_end() const { return i_ >= s_.size(); }
    bool take(char c) {
        skip_space();
        if (i_ < s_.size() && s_[i_] == c) {
            ++i_;
            return true;
        }
        return false;
    }
    std::optional<std::string> token() {
        skip_space();
        auto start = i_;
        while (i_ < s_.size() && is_tchar(s_[i_])) ++i_;
        if (i_ == start) return std::nullopt;
        return std::string(s_.substr(start, i_ - start));
    }
    // A token, or a quoted string whose content is a token.
    std::optional<std::string> value() {
        skip_space();
        if (i_ >= s_.size() || s_[i_] != '"') return token();
        std::string out;
        for (++i_; i_ < s_.size() && s_[i_] != '"'; ++i_) {
            if (s_[i_] == '\\' && ++i_ >= s_.size()) return std::nullopt;
            out += s_[i_];
        }
        if (i_ >= s_.size()) return std::nullopt;
        ++i_;
        if (out.empty()) return std::nullopt;
        for (char c : out)
            if (!is_tchar(c)) return std::nullopt;
        return out;
    }

private:
    std::string_view s_;
    std::size_t i_ = 0;
};

}  // namespace

std::optional<std::vector<ExtensionElement>> parse_extensions(std::string_view value) {
    std::vector<ExtensionElement> out;
    Scanner in(value);
    in.skip_space();
    if (in.at_end()) return out;
    do {
        if (in.take(',')) continue;  // empty list elements are allowed (RFC 9110 5.6.1)
        ExtensionElement e;
        auto name = in.token();
        if (!name) return std::nullopt;
        e.name = *name;
        while (in.take(';')) {
            ExtensionParam p;
            auto pname = in.token();
            if (!pname) return std::nullopt;
            p.name = *pname;
            if (in.take('=')) {
                p.value = in.value();
                if (!p.value) return std::nullopt;
            }
            e.params.push_back(std::move(p));
        }
        out.push_back(std::move(e));
        in.skip_space();
        if (in.at_end()) break;
        if (!in.take(',')) return std::nullopt;
        in.skip_space();
    } while (!in.at_end());
    return out;
}

}  // namespace wskit
