#include <wskit/encoding.hpp>
#include <wskit/printer.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <ctime>

namespace wskit {
namespace {

constexpr std::string_view dim = "\x1b[2m";
constexpr std::string_view green = "\x1b[32m";
constexpr std::string_view cyan = "\x1b[36m";
constexpr std::string_view reset = "\x1b[0m";

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
    }
    return "?";
}

// Adds the payload as "text" when it is valid UTF-8 text, otherwise as
// "base64", so that any bytes round-trip.
void add_payload(nlohmann::ordered_json& j, const Message& m) {
    if (m.opcode != Opcode::binary && is_valid_utf8(m.payload)) {
        j["text"] = m.payload;
    } else {
        j["base64"] = base64_encode(m.payload);
    }
    j["size"] = m.payload.size();
}

class RawPrinter final : public Printer {
public:
    explicit RawPrinter(Sink& out) : out_(out) {}
    void print(const Event& e) override {
        if (e.type != EventType::message || e.direction != Direction::in) return;
        out_.write(e.message.payload);
        // Binary payloads are written exactly as received, so that output
        // redirected to a file reproduces the bytes.
        if (e.message.opcode == Opcode::text) out_.write("\n");
    }

private:
    Sink& out_;
};

class JsonPrinter final : public Printer {
public:
    explicit JsonPrinter(Sink& out) : out_(out) {}
    void print(const Event& e) override {
        line_ = event_to_json(e);
        line_ += '\n';
        out_.write(line_);
    }

private:
    Sink& out_;
    std::string line_;
};

class HumanPrinter final : public Printer {
public:
    HumanPrinter(const PrinterOptions& o, Sink& out) : o_(o), out_(out) {}

    void print(const Event& e) override {
        switch (e.type) {
            case EventType::message:
                if (e.direction == Direction::out && !o_.show_outgoing) return;
                print_message(e);
                return;
            case EventType::ping:
            case EventType::pong:
                if (!o_.show_control) return;
                line(e, e.direction == Direction::in ? green : cyan,
                     fmt::format("{} [{}{}{}]", e.direction == Direction::in ? "<" : ">",
                                 event_name(e.type), e.message.payload.empty() ? "" : " ",
                                 printable(e.message.payload)));
                return;
            case EventType::open:
                system_line(e, e.peer.empty()
                                   ? fmt::format("connected to {}{}", e.text, subprotocol_note(e))
                                   : fmt::format("connected from {} to {}{}", e.peer, e.text,
                                                 subprotocol_note(e)));
                return;
            case EventType::close:
                system_line(e, fmt::format("{} (code {}{}{}{})",
                                           e.direction == Direction::out ? "closing" : "disconnected",
                                           e.code, e.reason.empty() ? "" : ", reason: ",
                                           printable(e.reason), e.clean || e.direction == Direction::out ? "" : ", abnormal"));
                return;
            case EventType::info:
                system_line(e, e.text);
                return;
            case EventType::reconnect:
                system_line(e, fmt::format("reconnecting to {} in {:.1f} s (attempt {})", e.text,
                                           static_cast<double>(e.delay_ms) / 1000, e.attempt));
                return;
            case EventType::error:     // reported on stderr by the caller
            case EventType::listening: // idem
                return;
        }
    }

private:
    static std::string subprotocol_note(const Event& e) {
        return e.subprotocol.empty() ? "" : fmt::format(" (subprotocol {})", e.subprotocol);
    }

    static std::string printable(std::string_view s) { return escape_controls(s, true); }

    std::string prefix(const Event& e) const {
        std::string p;
        if (o_.timestamps) {
            auto t = std::chrono::system_clock::to_time_t(e.ts);
            auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          e.ts.time_since_epoch()).count() % 1000;
            std::tm tm{};
            localtime_r(&t, &tm);
            p += fmt::format("{:02}:{:02}:{:02}.{:03} ", tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
        }
        if (o_.show_conn && e.conn != 0) p += fmt::format("#{} ", e.conn);
        return p;
    }

    void line(const Event& e, std::string_view color, std::string_view text) {
        buf_ = prefix(e);
        if (o_.color) buf_ += color;
        // Continuation lines of a multi-line message are indented under the
        // first, so the "< " column stays readable.
        for (char c : text) {
            buf_ += c;
            if (c == '\n') buf_ += "  ";
        }
        if (o_.color) buf_ += reset;
        buf_ += '\n';
        out_.write(buf_);
    }

    void system_line(const Event& e, std::string_view text) { line(e, dim, text); }

    void print_message(const Event& e) {
        const char* arrow = e.direction == Direction::in ? "< " : "> ";
        auto color = e.direction == Direction::in ? green : cyan;
        const auto& payload = e.message.payload;
        if (e.message.opcode == Opcode::binary) {
            line(e, color, fmt::format("{}[binary {} B]", arrow, payload.size()));
            if (!payload.empty()) {
                std::string dump = hexdump(payload, o_.hexdump_limit);
                dump.pop_back();  // line() adds the final newline
                line(e, dim, "  " + dump);
            }
            return;
        }
        if (o_.pretty) {
            auto parsed = nlohmann::ordered_json::parse(payload, nullptr, false);
            if (!parsed.is_discarded() && (parsed.is_object() || parsed.is_array())) {
                line(e, color, arrow + parsed.dump(2));
                return;
            }
        }
        line(e, color, arrow + printable(payload));
    }

    PrinterOptions o_;
    Sink& out_;
    std::string buf_;
};

}  // namespace

std::string format_iso_time(std::chrono::system_clock::time_point ts) {
    auto t = std::chrono::system_clock::to_time_t(ts);
    auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(ts.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&t, &tm);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900,
                       tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

std::string event_to_json(const Event& e) {
    nlohmann::ordered_json j;
    j["event"] = event_name(e.type);
    j["ts"] = format_iso_time(e.ts);
    j["conn"] = e.conn;
    switch (e.type) {
        case EventType::message:
            j["dir"] = e.direction == Direction::in ? "in" : "out";
            j["opcode"] = opcode_name(e.message.opcode);
            add_payload(j, e.message);
            break;
        case EventType::ping:
        case EventType::pong:
            j["dir"] = e.direction == Direction::in ? "in" : "out";
            add_payload(j, e.message);
            break;
        case EventType::close:
            j["dir"] = e.direction == Direction::in ? "in" : "out";
            j["code"] = e.code;
            j["reason"] = is_valid_utf8(e.reason) ? e.reason : base64_encode(e.reason);
            j["clean"] = e.clean;
            break;
        case EventType::open:
            j["url"] = e.text;
            j["subprotocol"] = e.subprotocol;
            if (!e.peer.empty()) j["peer"] = e.peer;
            break;
        case EventType::listening:
            j["url"] = e.text;
            break;
        case EventType::error:
        case EventType::info:
            j["message"] = e.text;
            break;
        case EventType::reconnect:
            j["url"] = e.text;
            j["attempt"] = e.attempt;
            j["delay_ms"] = e.delay_ms;
            break;
    }
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::unique_ptr<Printer> make_printer(const PrinterOptions& options, Sink& out) {
    switch (options.format) {
        case OutputFormat::raw: return std::make_unique<RawPrinter>(out);
        case OutputFormat::json: return std::make_unique<JsonPrinter>(out);
        case OutputFormat::human: break;
    }
    return std::make_unique<HumanPrinter>(options, out);
}

}  // namespace wskit
