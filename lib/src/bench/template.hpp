// wskit bench's message templates (--message, --messages-from, --first):
// text with placeholders, compiled once and rendered per message without
// parsing again. Pure code apart from reading {file:PATH} once.
//
//   {seq}        the message's number on its connection, from 0
//   {conn}       the connection's number in the run, from 0
//   {ts_us}      the send time, microseconds since the Unix epoch
//   {rand:N}     a random integer from 0 to N-1
//   {file:PATH}  the next line of PATH, in turn across the run
//   {{           a literal brace, where one would read as a placeholder
//
// A brace that does not start a placeholder ({seq}, {rand:N}: a lowercase
// word between braces) is text: JSON templates need no escaping.
#pragma once

#include <wskit/export.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace wskit::detail::bench {

// A file's lines, read once; taken in turn by every connection of every
// thread (an atomic cursor), so a run walks the file as one sequence.
class LineSource {
public:
    LineSource(std::string path, std::vector<std::string> lines) : path_(std::move(path)), lines_(std::move(lines)) {}
    const std::string& next() { return lines_[cursor_.fetch_add(1, std::memory_order_relaxed) % lines_.size()]; }
    const std::string& path() const { return path_; }

private:
    std::string path_;
    std::vector<std::string> lines_;
    std::atomic<std::uint64_t> cursor_{0};
};

// The non-blank lines of a file (without their line ends), for
// --messages-from and {file:PATH}. Throws Error(runtime) when it cannot be
// read or has none.
std::vector<std::string> read_message_lines(const std::string& path);

// What a rendering may refer to.
struct TemplateContext {
    std::uint64_t seq = 0;
    std::uint64_t conn = 0;
    std::uint64_t* rng = nullptr;  // the worker's generator
};

class WSKIT_API MessageTemplate {
public:
    // Throws Error(usage) naming the placeholder that is wrong, and
    // Error(runtime) for a {file:PATH} that cannot be read or is empty.
    // `files` shares the line sources of one run: a path named twice is read once.
    static MessageTemplate compile(std::string_view text, std::vector<std::shared_ptr<LineSource>>& files);

    // Appends the message to out.
    void render(const TemplateContext& context, std::string& out) const;
    // Text without placeholders renders to itself.
    bool is_constant() const { return parts_.size() <= 1 && (parts_.empty() || parts_[0].kind == Kind::literal); }

private:
    enum class Kind { literal, seq, conn, ts_us, rand, file };
    struct Part {
        Kind kind = Kind::literal;
        std::string text;                  // literal
        std::uint64_t bound = 0;           // rand
        std::shared_ptr<LineSource> file;  // file
    };
    std::vector<Part> parts_;
};

}  // namespace wskit::detail::bench
