// A line of a `wskit run` script, read from left to right: words,
// quoted strings, JSON values, /regexes/, plain text up to a comment. Its
// errors name the script, the line and the column where it stopped.
#pragma once

#include <string>
#include <string_view>

namespace wskit::detail {

class ScriptLineReader {
public:
    ScriptLineReader(std::string_view line, const std::string& name, std::size_t number)
        : line_(line), name_(name), number_(number) {}

    [[noreturn]] void fail(const std::string& why, std::size_t at) const;  // Error(usage), "NAME:LINE:COL: why"
    [[noreturn]] void fail(const std::string& why) const { fail(why, pos_); }

    void skip_spaces();
    // The rest is blank or a comment.
    bool at_end();
    std::size_t pos() const { return pos_; }
    void seek(std::size_t pos) { pos_ = pos; }
    char peek() const { return pos_ < line_.size() ? line_[pos_] : '\0'; }

    std::string word();
    // A word or a quoted string ("..." with JSON's escapes, or '...' as is).
    std::string argument();
    // "...": JSON's escapes, and \$ for a dollar that is not a variable.
    std::string quoted();
    // A JSON value's text, { ... } or [ ... ], as written; strings may hold
    // brackets and '#'.
    std::string json_value();
    // /RE2/, with \/ for a slash inside.
    std::string regex();
    // Plain text up to a comment (a '#' after a space) or the end, without
    // its trailing spaces; with `timed` (an expect's), a trailing "within
    // DURATION" is left to the clauses.
    std::string plain_text(bool timed);

private:
    std::string_view line_;
    const std::string& name_;
    std::size_t number_;
    std::size_t pos_ = 0;
};

}  // namespace wskit::detail
