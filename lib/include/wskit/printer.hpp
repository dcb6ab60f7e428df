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
    bool null_terminated = false; // -0: raw output ends every message (text or binary) with NUL, not LF
    bool stream = false;          // --stdio: raw output is the payloads alone, text ones too, nothing between
    std::size_t hexdump_limit = 512;  // bytes of a binary message shown as hex
    bool verbose = false;         // -v: say why a payload was not pretty-printed
    // --pretty's bounds: pretty-printing adds two spaces per level on every
    // line, so its output grows with depth times size (a 40 KB message nested
    // 20,000 deep would take gigabytes). Past either bound the payload is
    // shown as received. 4 MiB is more than anyone reads on a terminal; 64
    // levels is deeper than any document meant for people.
    std::size_t pretty_max_bytes = 4 * 1024 * 1024;
    int pretty_max_depth = 64;
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
// documented in wskit(1): event, ts, conn, leg (a proxy's), dir, opcode, text|base64, size,
// code, reason, clean, url, subprotocol, peer, origin, user_agent, message.
WSKIT_API std::string event_to_json(const Event& event);

// --pretty's layout (two spaces per level, as JSON.stringify(v, null, 2)) of
// a JSON object or array, keeping its tokens (strings, numbers) as written.
// Linear in the input; the output never exceeds max_bytes (plus one line).
struct PrettyJson {
    enum class Outcome { pretty, not_a_document, too_deep, too_large };
    Outcome outcome = Outcome::not_a_document;
    std::string text;  // the pretty form when outcome is pretty, else empty
};
WSKIT_API PrettyJson pretty_json(std::string_view payload, std::size_t max_bytes, int max_depth);

// "2026-11-24T04:38:55.123Z"
WSKIT_API std::string format_iso_time(std::chrono::system_clock::time_point ts);

// "14:03:07.123", local time: the --timestamps prefix of human output.
WSKIT_API std::string format_clock_time(std::chrono::system_clock::time_point ts);

}  // namespace wskit
