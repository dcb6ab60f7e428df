#include "proto/script_line.hpp"

#include "proto/duration.hpp"

#include <wskit/encoding.hpp>
#include <wskit/error.hpp>

#include <fmt/format.h>

namespace wskit::detail {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

}  // namespace

[[noreturn]] void ScriptLineReader::fail(const std::string& why, std::size_t at) const {
    throw Error(ExitCode::usage, fmt::format("{}:{}:{}: {}", name_, number_, at + 1, why));
}

void ScriptLineReader::skip_spaces() {
    while (pos_ < line_.size() && is_space(line_[pos_])) ++pos_;
}

bool ScriptLineReader::at_end() {
    skip_spaces();
    return pos_ >= line_.size() || line_[pos_] == '#';
}

std::string ScriptLineReader::word() {
    skip_spaces();
    auto start = pos_;
    while (pos_ < line_.size() && !is_space(line_[pos_])) ++pos_;
    return std::string(line_.substr(start, pos_ - start));
}

std::string ScriptLineReader::argument() {
    skip_spaces();
    if (peek() == '"') return quoted();
    if (peek() == '\'') {
        auto start = ++pos_;
        auto end = line_.find('\'', start);
        if (end == std::string_view::npos) fail("unclosed ' quote", start - 1);
        pos_ = end + 1;
        return std::string(line_.substr(start, end - start));
    }
    return word();
}

std::string ScriptLineReader::quoted() {
    auto open = pos_++;
    std::string out;
    while (pos_ < line_.size() && line_[pos_] != '"') {
        char c = line_[pos_++];
        if (c != '\\') {
            out += c;
            continue;
        }
        if (pos_ >= line_.size()) break;
        char e = line_[pos_++];
        switch (e) {
            case 'n': out += '\n'; break;
            case 't': out += '\t'; break;
            case 'r': out += '\r'; break;
            case '0': out += '\0'; break;
            case '"':
            case '\\':
            case '/':
            case '$': out += e == '$' ? "$$" : std::string(1, e); break;
            default: fail(fmt::format("unknown escape \\{} (\\n \\t \\r \\0 \\\" \\\\ \\$)", escape_controls(std::string(1, e))), pos_ - 2);
        }
    }
    if (pos_ >= line_.size()) fail("unclosed \" quote", open);
    ++pos_;
    return out;
}

std::string ScriptLineReader::json_value() {
    auto start = pos_;
    int depth = 0;
    bool in_string = false;
    for (; pos_ < line_.size(); ++pos_) {
        char c = line_[pos_];
        if (in_string) {
            if (c == '\\') ++pos_;
            else if (c == '"') in_string = false;
            continue;
        }
        if (c == '"') in_string = true;
        else if (c == '{' || c == '[') ++depth;
        else if ((c == '}' || c == ']') && --depth == 0) {
            ++pos_;
            return std::string(line_.substr(start, pos_ - start));
        }
    }
    fail("unbalanced JSON: a { or [ is never closed (quote the message to send it as text)", start);
}

std::string ScriptLineReader::regex() {
    auto open = pos_++;
    std::string out;
    while (pos_ < line_.size() && line_[pos_] != '/') {
        if (line_[pos_] == '\\' && pos_ + 1 < line_.size() && line_[pos_ + 1] == '/') {
            out += '/';
            pos_ += 2;
            continue;
        }
        out += line_[pos_++];
    }
    if (pos_ >= line_.size()) fail("unclosed /regex/", open);
    ++pos_;
    if (out.empty()) fail("empty /regex/", open);
    return out;
}

std::string ScriptLineReader::plain_text(bool timed) {
    skip_spaces();
    auto start = pos_;
    auto end = line_.size();
    for (auto i = start; i < line_.size(); ++i)
        if (line_[i] == '#' && i > start && is_space(line_[i - 1])) {
            end = i;
            break;
        }
    auto text = line_.substr(start, end - start);
    while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
    // "... within 2s" ends an expect, not its text.
    auto cut = timed ? text.rfind(" within ") : std::string_view::npos;
    if (cut != std::string_view::npos && parse_duration(text.substr(cut + 8))) {
        pos_ = start + cut;
        text = text.substr(0, cut);
        while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
    } else {
        pos_ = end;
    }
    return std::string(text);
}

}  // namespace wskit::detail
