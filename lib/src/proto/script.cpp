#include "proto/script.hpp"
#include "proto/duration.hpp"
#include "proto/numbers.hpp"
#include "proto/script_line.hpp"

#include <wskit/encoding.hpp>
#include <wskit/error.hpp>

#include <fmt/format.h>

#include <cctype>
#include <cmath>

namespace wskit::detail {
namespace {

using Kind = ScriptStatement::Kind;


// A line, read from left to right; errors name the column where it stopped.
long parse_count(ScriptLineReader& r, const std::string& text, std::size_t at, long low, long high, const char* what) {
    auto value = parse_whole_number(text, 9);
    if (!value || static_cast<long>(*value) < low || static_cast<long>(*value) > high)
        r.fail(fmt::format("{} is a number from {} to {}, not '{}'", what, low, high, escape_controls(text)), at);
    return static_cast<long>(*value);
}

// A payload: "quoted", a JSON value, or plain text to the end.
void read_payload(ScriptLineReader& r, ScriptStatement& s, bool timed = false) {
    r.skip_spaces();
    if (r.peek() == '"') {
        s.text = r.quoted();
    } else if (r.peek() == '{' || r.peek() == '[') {
        s.text = r.json_value();
        s.json = true;
    } else {
        s.text = r.plain_text(timed);
    }
}

// Optional `within DURATION` and, for a regex, `as VAR`; then the end.
void read_clauses(ScriptLineReader& r, ScriptStatement& s, bool timed, bool captures) {
    while (!r.at_end()) {
        auto at = r.pos();
        auto word = r.word();
        if (timed && word == "within" && !s.within) {
            auto at_duration = r.pos() + 1;
            auto duration = parse_duration(r.word());
            if (!duration) r.fail("within takes a duration, like 2s or 500ms", at_duration);
            s.within = duration;
        } else if (captures && word == "as" && s.capture.empty()) {
            auto at_name = r.pos() + 1;
            s.capture = r.word();
            bool ok = !s.capture.empty() && !std::isdigit(static_cast<unsigned char>(s.capture[0]));
            for (char c : s.capture) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
            if (!ok) r.fail("as takes a variable name (letters, digits, _)", at_name);
        } else {
            r.fail(fmt::format("unexpected '{}' (quote a message that holds it)", escape_controls(word)), at);
        }
    }
}

void read_expect(ScriptLineReader& r, ScriptStatement& s) {
    r.skip_spaces();
    if (r.at_end()) r.fail("expect what? a message, /regex/, N messages, binary HEX, pong or close");
    if (r.peek() == '/') {
        s.kind = Kind::expect_regex;
        s.column = r.pos() + 1;
        s.text = r.regex();
        return read_clauses(r, s, true, true);
    }
    auto start = r.pos();
    auto first = r.word();
    if (first == "pong" || first == "close" || first == "binary") {
        if (first == "pong") {
            s.kind = Kind::expect_pong;
            // "expect pong within 2s" has no payload; quote one that starts so.
            auto payload_at = r.pos();
            s.has_text = !r.at_end() && r.word() != "within";
            r.seek(payload_at);
            if (s.has_text) read_payload(r, s, true);
        } else if (first == "close") {
            s.kind = Kind::expect_close;
            if (!r.at_end() && std::isdigit(static_cast<unsigned char>(r.peek()))) {
                auto at = r.pos();
                s.number = parse_count(r, r.word(), at, 1000, 4999, "a close code");
            }
        } else {
            s.kind = Kind::expect_binary;
            auto at = r.pos() + 1;
            s.text = r.word();
            if (!hex_decode(s.text)) r.fail("binary takes hex digits, like 00ff10", at);
        }
        return read_clauses(r, s, true, false);
    }
    if (!first.empty() && std::isdigit(static_cast<unsigned char>(first[0]))) {
        auto unit_at = r.pos();
        auto unit = r.word();
        if (unit == "messages" || unit == "message") {
            s.kind = Kind::expect_count;
            s.number = parse_count(r, first, start + 1, 1, 1000000, "a message count");
            return read_clauses(r, s, true, false);
        }
        r.seek(unit_at);
    }
    r.seek(start);
    s.kind = Kind::expect_text;
    read_payload(r, s, true);
    read_clauses(r, s, true, false);
}

void read_connect(ScriptLineReader& r, ScriptStatement& s) {
    s.text = r.argument();
    if (s.text.empty()) r.fail("connect takes a URL");
    while (!r.at_end()) {
        auto at = r.pos();
        auto flag = r.word();
        if (r.at_end()) r.fail(fmt::format("{} takes a value", escape_controls(flag)), at);
        if (flag == "-H" || flag == "--header")
            s.headers.push_back(r.argument());
        else if (flag == "-s" || flag == "--subprotocol")
            s.subprotocols.push_back(r.argument());
        else
            r.fail(fmt::format("connect takes -H \"Name: value\" and -s PROTOCOL, not '{}'", escape_controls(flag)), at);
    }
}

}  // namespace

Script parse_script(std::string_view text, const std::string& name) {
    Script script;
    script.name = name;
    std::vector<std::size_t> open_repeats;
    std::size_t number = 0;
    std::size_t start = 0;
    while (start <= text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        auto line = text.substr(start, end - start);
        start = end + 1;
        ++number;
        ScriptLineReader r(line, name, number);
        if (r.at_end()) {
            if (end == text.size()) break;
            continue;
        }
        ScriptStatement s;
        s.line = number;
        s.source = escape_controls(line.substr(r.pos()));
        auto at = r.pos();
        auto keyword = r.word();
        if (keyword == "connect") {
            s.kind = Kind::connect;
            read_connect(r, s);
        } else if (keyword == "send") {
            s.kind = Kind::send;
            read_payload(r, s);
            read_clauses(r, s, false, false);
        } else if (keyword == "send-binary") {
            s.kind = Kind::send_binary;
            auto hex_at = r.pos() + 1;
            s.text = r.word();
            if (!hex_decode(s.text)) r.fail("send-binary takes hex digits, like 00ff10", hex_at);
            read_clauses(r, s, false, false);
        } else if (keyword == "ping") {
            s.kind = Kind::ping;
            s.has_text = !r.at_end();
            if (s.has_text) read_payload(r, s);
            read_clauses(r, s, false, false);
        } else if (keyword == "expect") {
            read_expect(r, s);
        } else if (keyword == "sleep") {
            s.kind = Kind::sleep;
            auto d_at = r.pos() + 1;
            s.within = parse_duration(r.word());
            if (!s.within) r.fail("sleep takes a duration, like 2s or 500ms", d_at);
            read_clauses(r, s, false, false);
        } else if (keyword == "close") {
            s.kind = Kind::close;
            if (!r.at_end()) {
                auto code_at = r.pos();
                s.number = parse_count(r, r.word(), code_at, 1000, 4999, "a close code");
                if (!r.at_end()) read_payload(r, s);
            }
        } else if (keyword == "repeat") {
            s.kind = Kind::repeat;
            auto n_at = r.pos() + 1;
            s.number = parse_count(r, r.word(), n_at, 0, 1000000, "repeat's count");
            if (r.word() != "{") r.fail("repeat N { starts a block, closed by } on its own line");
            read_clauses(r, s, false, false);
            open_repeats.push_back(script.statements.size());
        } else if (keyword == "}") {
            if (open_repeats.empty()) r.fail("} without a repeat", at);
            s.kind = Kind::end_repeat;
            s.jump = open_repeats.back();
            open_repeats.pop_back();
            script.statements[s.jump].jump = script.statements.size() + 1;
            read_clauses(r, s, false, false);
        } else {
            r.fail(fmt::format("unknown statement '{}' (connect, send, send-binary, ping, expect, sleep, close, "
                               "repeat)",
                               escape_controls(keyword)),
                   at);
        }
        script.statements.push_back(std::move(s));
        if (end == text.size()) break;
    }
    if (!open_repeats.empty()) {
        const auto& s = script.statements[open_repeats.back()];
        throw Error(ExitCode::usage, fmt::format("{}:{}:1: this repeat's block is never closed by }}", name, s.line));
    }
    return script;
}

std::string substitute_variables(std::string_view text,
                                 const std::function<std::optional<std::string>(const std::string&)>& lookup,
                                 std::string& missing) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '$' || i + 1 >= text.size()) {
            out += text[i];
            continue;
        }
        if (text[i + 1] == '$') {
            out += '$';
            ++i;
            continue;
        }
        std::size_t start = i + 1, end = start;
        bool braced = text[start] == '{';
        if (braced) {
            end = text.find('}', start);
            if (end == std::string_view::npos) {
                out += text[i];
                continue;
            }
            ++start;
        } else {
            auto name_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
            if (std::isdigit(static_cast<unsigned char>(text[start])) || !name_char(text[start])) {
                out += text[i];
                continue;
            }
            while (end < text.size() && name_char(text[end])) ++end;
        }
        std::string name(text.substr(start, end - start));
        if (auto value = lookup(name)) {
            out += *value;
        } else {
            if (missing.empty()) missing = name;
            out += text.substr(i, end + (braced ? 1 : 0) - i);
        }
        i = end + (braced ? 1 : 0) - 1;
    }
    return out;
}

}  // namespace wskit::detail
