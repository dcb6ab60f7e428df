// The printers on any event: JSON output is always one valid JSON line that
// gives back the payload exactly; raw output is the payload; human output
// never crashes and carries no raw control byte from the peer.
#include "fuzz_support.hpp"

#include <wskit/encoding.hpp>
#include <wskit/printer.hpp>

#include <fuzzer/FuzzedDataProvider.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

using wskit::Event;
using wskit::EventType;
using wskit::Opcode;
using wskit::fuzz::require;

namespace {

class StringSink : public wskit::Sink {
public:
    void write(std::string_view bytes) override { data.append(bytes); }
    std::string data;
};

Event make_event(FuzzedDataProvider& fdp) {
    Event e;
    e.type = fdp.PickValueInArray({EventType::open, EventType::message, EventType::ping, EventType::pong,
                                   EventType::close, EventType::error, EventType::listening, EventType::info,
                                   EventType::reconnect});
    // About 285 years on either side of 1970: system_clock counts
    // nanoseconds in 64 bits, and the harness itself must not overflow.
    e.ts = std::chrono::system_clock::time_point(
        std::chrono::milliseconds(fdp.ConsumeIntegralInRange<std::int64_t>(-9'000'000'000'000, 9'000'000'000'000)));
    e.conn = fdp.ConsumeIntegral<std::uint64_t>();
    e.direction = fdp.ConsumeBool() ? wskit::Direction::in : wskit::Direction::out;
    e.message.opcode = fdp.PickValueInArray({Opcode::text, Opcode::binary, Opcode::ping, Opcode::pong, Opcode::close});
    e.code = fdp.ConsumeIntegral<int>();
    e.clean = fdp.ConsumeBool();
    e.attempt = fdp.ConsumeIntegral<int>();
    e.delay_ms = fdp.ConsumeIntegral<long>();
    e.reason = fdp.ConsumeRandomLengthString(200);
    e.text = fdp.ConsumeRandomLengthString(200);
    e.subprotocol = fdp.ConsumeRandomLengthString(50);
    e.peer = fdp.ConsumeRandomLengthString(50);
    e.message.payload = fdp.ConsumeRemainingBytesAsString();
    return e;
}

// A payload field ("text" or "base64") gives back the bytes exactly.
void require_payload(const nlohmann::json& j, const wskit::Message& m) {
    require(j.at("size").get<std::size_t>() == m.payload.size(), "\"size\" is not the payload's size");
    if (j.contains("text")) {
        require(m.opcode != Opcode::binary, "a binary payload was written as text");
        require(j.at("text").get<std::string>() == m.payload, "\"text\" does not give back the payload");
    } else {
        require(wskit::base64_decode(j.at("base64").get<std::string>()) == m.payload,
                "\"base64\" does not give back the payload");
    }
}

void check_json(const Event& e) {
    const std::string line = wskit::event_to_json(e);
    require(line.find('\n') == std::string::npos, "a JSON event spans several lines");
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(line);  // strict: valid JSON in valid UTF-8
    } catch (const nlohmann::json::exception&) {
        require(false, "a JSON event does not parse back");
    }
    require(j.is_object(), "a JSON event is not an object");
    require(j.at("conn").get<std::uint64_t>() == e.conn, "\"conn\" is not the connection id");
    // Strings the library did not get as valid UTF-8 are written with
    // replacement characters: only valid ones are compared.
    auto same_text = [](const nlohmann::json& field, const std::string& text) {
        return !wskit::is_valid_utf8(text) || field.get<std::string>() == text;
    };
    switch (e.type) {
        case EventType::message:
            require(j.at("opcode").get<std::string>() == wskit::opcode_name(e.message.opcode), "wrong \"opcode\"");
            require_payload(j, e.message);
            break;
        case EventType::ping:
        case EventType::pong:
            require_payload(j, e.message);
            break;
        case EventType::close: {
            require(j.at("code").get<int>() == e.code, "wrong close \"code\"");
            const auto reason = j.at("reason").get<std::string>();
            require(reason == e.reason || wskit::base64_decode(reason) == e.reason,
                    "\"reason\" does not give back the close reason");
            break;
        }
        case EventType::open:
            require(same_text(j.at("url"), e.text), "\"url\" was altered");
            require(same_text(j.at("subprotocol"), e.subprotocol), "\"subprotocol\" was altered");
            break;
        case EventType::listening:
        case EventType::reconnect:
            require(same_text(j.at("url"), e.text), "\"url\" was altered");
            break;
        case EventType::error:
        case EventType::info:
            require(same_text(j.at("message"), e.text), "\"message\" was altered");
            break;
        case EventType::drained:  // flow events: the printer never sees them
        case EventType::all_closed:
        case EventType::finished:
            break;
    }
}

// No control byte but the layout ones (newline, tab) and, with color, the
// printer's own SGR sequences (ESC [ digits m).
void require_terminal_safe(const std::string& out, bool color) {
    for (std::size_t i = 0; i < out.size(); ++i) {
        const auto c = static_cast<unsigned char>(out[i]);
        if (c == 0x1b && color && i + 1 < out.size() && out[i + 1] == '[') {
            std::size_t end = i + 2;
            while (end < out.size() && ((out[end] >= '0' && out[end] <= '9') || out[end] == ';')) ++end;
            require(end < out.size() && out[end] == 'm', "human output holds an escape sequence other than a color");
            i = end;
            continue;
        }
        require(!(c < 0x20 || c == 0x7f) || c == '\n' || c == '\t', "human output holds a raw control byte");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider fdp(data, size);
    wskit::PrinterOptions options;
    options.color = fdp.ConsumeBool();
    options.timestamps = fdp.ConsumeBool();
    options.pretty = fdp.ConsumeBool();
    options.show_control = fdp.ConsumeBool();
    options.show_conn = fdp.ConsumeBool();
    options.show_outgoing = fdp.ConsumeBool();
    options.hexdump_limit = fdp.ConsumeIntegralInRange<std::size_t>(0, 2048);
    const Event e = make_event(fdp);

    check_json(e);

    StringSink json_out;
    options.format = wskit::OutputFormat::json;
    wskit::make_printer(options, json_out)->print(e);
    require(json_out.data == wskit::event_to_json(e) + "\n", "the JSON printer differs from event_to_json");

    StringSink raw_out;
    options.format = wskit::OutputFormat::raw;
    wskit::make_printer(options, raw_out)->print(e);
    if (e.type == EventType::message && e.direction == wskit::Direction::in) {
        const bool text = e.message.opcode == Opcode::text;
        require(raw_out.data == e.message.payload + (text ? "\n" : ""), "raw output is not the payload");
    } else {
        require(raw_out.data.empty(), "raw output shows something other than incoming messages");
    }

    StringSink human_out;
    options.format = wskit::OutputFormat::human;
    wskit::make_printer(options, human_out)->print(e);
    require_terminal_safe(human_out.data, options.color);
    return 0;
}
