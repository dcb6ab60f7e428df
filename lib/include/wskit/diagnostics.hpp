// The library's lines for people (a server's warnings, -v traces, Redis
// trouble) are never printed by the library itself: each goes to the one
// sink the application installs, so that the application decides where and
// how they are written (the CLI: its console's non-blocking stderr).
#pragma once

#include <wskit/export.hpp>

#include <functional>
#include <string>
#include <string_view>

namespace wskit {

enum class DiagnosticKind {
    warning,  // "wskit: TEXT": the prefix is added by diagnose(), here and nowhere else
    trace,    // -v and -vv output ("> GET / HTTP/1.1", "* connected"), as formatted by its producer
};

// Receives one or more whole lines without their last newline. Called on
// the thread that noticed (the loop thread for the library's endpoints); it
// must not block that thread.
using DiagnosticSink = std::function<void(DiagnosticKind kind, std::string_view lines)>;

// Installs the sink and returns the one it replaces. Without one (or with
// an empty one) lines are written on stderr as they come. Install it before
// the loops run: the sink itself is not guarded by a lock.
WSKIT_API DiagnosticSink set_diagnostic_sink(DiagnosticSink sink);

// Hands `text` to the sink: a warning as "wskit: TEXT". One trailing newline
// of `text` is dropped (the sink ends the lines).
WSKIT_API void diagnose(DiagnosticKind kind, std::string_view text);

// "wskit: TEXT", the form of every diagnostic line wskit writes.
WSKIT_API std::string warning_line(std::string_view text);

// A broken invariant of the library itself: writes "wskit: internal error:
// TEXT" on stderr at once, past the sink (which may never get to write what
// it is given), and aborts, in release builds too.
[[noreturn]] WSKIT_API void internal_error(std::string_view text);

}  // namespace wskit
