// The terminal side of a session, shared by every subcommand that reads
// messages from a person or a pipeline and prints what happens (connect,
// listen) or only prints (echo and the other servers):
// - input: -x messages, the line editor on a terminal, or stdin cut into
//   messages, read as fast as the owner's backlog allows (set_backlog);
// - output: events through a printer to stdout, written without blocking;
// - diagnostics: "wskit: ..." lines on stderr, or above the prompt.
//
// What happens when stdout's reader falls behind is the owner's choice
// (Overflow): a client keeps everything and stops reading the network until
// the reader has caught up (on_output_low); a server drops whole lines and
// counts them, reporting the loss on stderr once the reader is back.
#pragma once

#include "term/fd_sink.hpp"

#include <wskit/tool/input.hpp>
#include <wskit/loop.hpp>
#include <wskit/message.hpp>
#include <wskit/printer.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wskit::detail {

class InputReader;
class LineEditor;

class Console {
public:
    struct Options {
        PrinterOptions output;
        Overflow overflow = Overflow::keep;
        // Overflow::keep: stdout above this asks the owner to stop producing
        // (the default: enough to absorb bursts, little memory).
        // Overflow::drop: what is kept for a stalled reader before dropping.
        std::size_t stdout_capacity = 1u << 20;
        // stderr carries only diagnostics: a stalled reader costs dropped lines.
        std::size_t stderr_capacity = 64u << 10;
        bool interactive = false;            // the line editor (stdin and stdout are terminals)
        bool history = true;                 // its history is kept in the file the environment names (--no-history)
        InputFraming framing = InputFraming::lines;
        InputEncoding encoding = InputEncoding::text;
        std::vector<std::string> execute;    // -x: these are the input; stdin is not read
    };

    struct Handlers {
        // Input messages, in batches; loop thread.
        std::function<void(std::vector<Message>&)> on_input;
        // The end of input, with the error that stopped it (bad hex...).
        std::function<void(std::optional<std::string> error)> on_input_end;
        // stdout's reader went away (EPIPE) or writing failed: see output_failed().
        std::function<void()> on_output_closed;
        // Overflow::keep: stdout drained below its low mark after output_backed_up().
        std::function<void()> on_output_low;
    };

    Console(EventLoop& loop, Options options, Handlers handlers);
    ~Console();
    Console(const Console&) = delete;
    Console& operator=(const Console&) = delete;

    // Starts reading input (call once; a console that only prints never does).
    void start_input();
    // What accepted but unwritten input costs the owner (bytes): reading
    // pauses at InputReader::high_water and resumes below it.
    void set_backlog(std::size_t bytes);
    static std::size_t input_high_water();

    // Prints an event (stdout, or above the prompt). Errors are diagnostics
    // too: an error event also writes "wskit: TEXT" on stderr.
    void print(const Event& e);
    // One preformatted record (with its newline) on stdout.
    void print_record(std::string_view record);
    // System lines for people, one info event per line of `text`.
    void info(std::string_view text);
    // "wskit: LINE" on stderr (above the prompt when interactive).
    void diagnostic(std::string_view line);
    // A line on stderr without the prefix ("listening on ...", rates),
    // written at once: scripts wait for these.
    void status_line(std::string_view line);
    // A server is ready: "listening on URL" on stderr, and the listening
    // event on stdout with JSON output (scripts learn the port from either).
    void announce(const std::string& url);

    // Overflow::keep: stdout holds more than its capacity; the owner should
    // stop producing until on_output_low.
    bool output_backed_up() const;
    // stdout failed for another reason than its reader leaving (a full disk).
    bool output_failed() const;
    std::string output_error() const;
    // Records dropped from stdout so far (Overflow::drop).
    std::uint64_t dropped_records() const;
    bool interactive() const;

    // After the loop: writes what is still queued, waiting for a slow reader
    // until `deadline` (none: as long as it takes). SIGINT/SIGTERM meanwhile
    // stops the wait.
    FdSink::Drain drain(std::optional<std::chrono::steady_clock::time_point> deadline, int* signo = nullptr);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace wskit::detail
