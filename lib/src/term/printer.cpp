// make_printer, the raw format, and what the formats share.
#include "term/printer_parts.hpp"

namespace wskit {
namespace detail {

const char* event_name(EventType type) {
    switch (type) {
        case EventType::open: return "open";
        case EventType::message: return "message";
        case EventType::ping: return "ping";
        case EventType::pong: return "pong";
        case EventType::close: return "close";
        case EventType::error: return "error";
        case EventType::listening: return "listening";
        case EventType::info: return "info";
        case EventType::reconnect: return "reconnect";
        case EventType::drained: return "drained";
        case EventType::all_closed: return "all_closed";
        case EventType::finished: return "finished";
    }
    return "?";
}

}  // namespace detail

namespace {

class RawPrinter final : public Printer {
public:
    RawPrinter(Sink& out, const PrinterOptions& o) : out_(out), null_terminated_(o.null_terminated), stream_(o.stream) {}
    void print(const Event& e) override {
        if (e.type != EventType::message || e.direction != Direction::in) return;
        out_.write(e.message.payload);
        // Binary payloads are written exactly as received, so that output
        // redirected to a file reproduces the bytes; with -0 every message
        // ends with NUL, so that messages stay apart (xargs -0, -0 input);
        // a byte stream (--stdio) is the payloads and nothing else.
        if (stream_) return;
        if (null_terminated_) out_.write(std::string_view("\0", 1));
        else if (e.message.opcode == Opcode::text) out_.write("\n");
    }

private:
    Sink& out_;
    bool null_terminated_;
    bool stream_;
};

}  // namespace

std::unique_ptr<Printer> make_printer(const PrinterOptions& options, Sink& out) {
    switch (options.format) {
        case OutputFormat::raw: return std::make_unique<RawPrinter>(out, options);
        case OutputFormat::json: return detail::make_json_printer(out);
        case OutputFormat::human: break;
    }
    return detail::make_human_printer(options, out);
}

}  // namespace wskit
