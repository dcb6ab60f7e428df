// JSON output: one object per event (NDJSON), as wskit(1) documents it.
#include "term/printer_parts.hpp"

#include <wskit/compression.hpp>
#include <wskit/encoding.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <ctime>

namespace wskit {
namespace {

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

class JsonPrinter final : public Printer {
public:
    explicit JsonPrinter(Sink& out) : out_(out) {}
    void print(const Event& e) override {
        if (is_flow_event(e.type)) return;
        line_ = event_to_json(e);
        line_ += '\n';
        out_.write(line_);
    }

private:
    Sink& out_;
    std::string line_;
};

}  // namespace

namespace detail {

std::unique_ptr<Printer> make_json_printer(Sink& out) { return std::make_unique<JsonPrinter>(out); }

}  // namespace detail

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
    j["event"] = detail::event_name(e.type);
    j["ts"] = format_iso_time(e.ts);
    j["conn"] = e.conn;
    if (e.leg != Leg::none) j["leg"] = e.leg == Leg::client ? "client" : "upstream";
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
            if (!e.peer.empty()) {
                j["peer"] = e.peer;
                j["origin"] = e.origin;
                j["user_agent"] = e.user_agent;
            }
            // As a response header would say it: "permessage-deflate; server_no_context_takeover".
            if (e.compression) j["compression"] = format_response(*e.compression);
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
        case EventType::drained:
        case EventType::all_closed:
        case EventType::finished:
            break;
    }
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace wskit
