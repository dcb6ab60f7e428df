#include "bench/template.hpp"
#include "bench/wire.hpp"
#include "proto/numbers.hpp"

#include <wskit/encoding.hpp>
#include <wskit/error.hpp>

#include <fmt/format.h>

#include <chrono>
#include <fstream>

namespace wskit::detail::bench {
namespace {

std::shared_ptr<LineSource> line_source(const std::string& path, std::vector<std::shared_ptr<LineSource>>& files) {
    for (const auto& f : files) {
        if (f->path() == path) return f;
    }
    files.push_back(std::make_shared<LineSource>(path, read_message_lines(path)));
    return files.back();
}

std::uint64_t bound_of(std::string_view digits, std::string_view placeholder) {
    auto value = parse_whole_number(digits, 12);
    if (!value || *value == 0)
        throw Error(ExitCode::usage, fmt::format("{{{}}}: rand takes a whole number above 0, like {{rand:1000}}",
                                                 escape_controls(placeholder)));
    return *value;
}

// A placeholder is a brace, a lowercase word (then, for some, ':' and an
// argument) and a closing brace: {seq}, {rand:100}. Anything else, like a
// JSON object's {"id":1}, is literal text. The length of its name, or 0.
std::size_t placeholder_length(std::string_view at) {
    if (at.empty() || at[0] != '{') return 0;
    std::size_t i = 1;
    while (i < at.size() && ((at[i] >= 'a' && at[i] <= 'z') || at[i] == '_')) ++i;
    if (i == 1 || i >= at.size()) return 0;
    if (at[i] == ':') {
        auto end = at.find('}', i);
        return end == std::string_view::npos ? 0 : end - 1;
    }
    return at[i] == '}' ? i - 1 : 0;
}

}  // namespace

std::vector<std::string> read_message_lines(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(ExitCode::runtime, fmt::format("{}: cannot be read", escape_controls(path)));
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.find_first_not_of(" \t") != std::string::npos) lines.push_back(std::move(line));
    }
    if (lines.empty()) throw Error(ExitCode::runtime, fmt::format("{}: has no message in it", escape_controls(path)));
    return lines;
}

MessageTemplate MessageTemplate::compile(std::string_view text, std::vector<std::shared_ptr<LineSource>>& files) {
    MessageTemplate t;
    auto literal = [&t](std::string_view s) {
        if (s.empty()) return;
        if (t.parts_.empty() || t.parts_.back().kind != Kind::literal) t.parts_.push_back({Kind::literal, {}, 0, {}});
        t.parts_.back().text.append(s);
    };
    for (std::size_t i = 0; i < text.size();) {
        if (text.compare(i, 2, "{{") == 0) {
            literal("{");
            i += 2;
            continue;
        }
        auto name_length = placeholder_length(text.substr(i));
        if (name_length == 0) {
            auto next = text.find('{', i + 1);
            literal(text.substr(i, next == std::string_view::npos ? std::string_view::npos : next - i));
            i = next == std::string_view::npos ? text.size() : next;
            continue;
        }
        auto name = text.substr(i + 1, name_length);
        if (name == "seq") t.parts_.push_back({Kind::seq, {}, 0, {}});
        else if (name == "conn") t.parts_.push_back({Kind::conn, {}, 0, {}});
        else if (name == "ts_us") t.parts_.push_back({Kind::ts_us, {}, 0, {}});
        else if (name.substr(0, 5) == "rand:") t.parts_.push_back({Kind::rand, {}, bound_of(name.substr(5), name), {}});
        else if (name.substr(0, 5) == "file:" && name.size() > 5)
            t.parts_.push_back({Kind::file, {}, 0, line_source(std::string(name.substr(5)), files)});
        else
            throw Error(ExitCode::usage, fmt::format("unknown placeholder {{{}}}: the template takes {{seq}}, {{conn}}, "
                                                     "{{ts_us}}, {{rand:N}}, {{file:PATH}} (and {{{{ for a brace)",
                                                     escape_controls(name)));
        i += name_length + 2;
    }
    return t;
}

void MessageTemplate::render(const TemplateContext& context, std::string& out) const {
    auto number = [&out](std::uint64_t n) { fmt::format_to(std::back_inserter(out), "{}", n); };
    for (const auto& p : parts_) {
        switch (p.kind) {
            case Kind::literal: out += p.text; break;
            case Kind::seq: number(context.seq); break;
            case Kind::conn: number(context.conn); break;
            case Kind::ts_us:
                number(static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                                      std::chrono::system_clock::now().time_since_epoch())
                                                      .count()));
                break;
            case Kind::rand: number(next_random(*context.rng) % p.bound); break;
            case Kind::file: out += p.file->next(); break;
        }
    }
}

}  // namespace wskit::detail::bench
