// Renders events for people (human), for pipelines (raw) and for programs
// (json, one object per line). Printers write to a Sink; they are used from
// one thread at a time.
#pragma once

#include <wskit/event.hpp>
#include <wskit/export.hpp>

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

namespace wskit {

enum class OutputFormat { human, raw, json };

struct PrinterOptions {
    OutputFormat format = OutputFormat::human;
    bool color = false;           // ANSI colors; only ever on for a TTY
    bool timestamps = false;      // prefix each human line with the local time
    bool pretty = false;          // pretty-print JSON payloads in human output
    bool show_control = false;    // -P: ping, pong and close frames in human output
    bool show_conn = false;       // prefix human lines with "#ID " (servers)
    bool show_outgoing = false;   // human output shows "> " lines for sent messages
    std::size_t hexdump_limit = 512;  // bytes of a binary message shown as hex
};

// Where rendered text goes. Writes are buffered by the sink's owner.
class Sink {
public:
    virtual ~Sink() = default;
    virtual void write(std::string_view bytes) = 0;
};

class WSKIT_API Printer {
public:
    virtual ~Printer() = default;
    // Renders one event. Events a format does not show are skipped.
    virtual void print(const Event& event) = 0;
};

WSKIT_API std::unique_ptr<Printer> make_printer(const PrinterOptions& options, Sink& out);

// The JSON object (no trailing newline) for an event, with the field names
// documented in wskit(1): event, ts, conn, dir, opcode, text|base64, size,
// code, reason, clean, url, subprotocol, peer, message.
WSKIT_API std::string event_to_json(const Event& event);

// "2026-11-24T04:38:55.123Z"
WSKIT_API std::string format_iso_time(std::chrono::system_clock::time_point ts);

}  // namespace wskit
