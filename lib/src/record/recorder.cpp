#include "record/recorder.hpp"

#include <wskit/compression.hpp>
#include <wskit/error.hpp>
#include <wskit/secrets.hpp>

namespace wskit {

std::unique_ptr<Recorder> Recorder::open(const RecordOptions& options) {
    auto ends_with = [&](std::string_view suffix) {
        return options.path.size() >= suffix.size() &&
               options.path.compare(options.path.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    if (ends_with(".har")) return detail::make_har_recorder(options);
    return detail::make_ndjson_recorder(options);
}

int finish_recording(Recorder* recorder, int result, const std::function<void(const std::string&)>& say) {
    if (!recorder) return result;
    try {
        recorder->finish();
    } catch (const Error& e) {
        say(e.what());
        if (result == 0) return to_int(e.code());
    }
    return result;
}

RecordedHandshake client_handshake(const HandshakeTrace& trace, std::string url) {
    RecordedHandshake hs;
    hs.url = std::move(url);
    hs.request = parse_request_head(trace.request);
    hs.response = parse_response_head(trace.response);
    return hs;
}

RecordedHandshake served_handshake(const HttpRequest& request, const Event& open) {
    RecordedHandshake hs;
    hs.url = open.text;
    hs.request = request;
    hs.response.version = "HTTP/1.1";
    hs.response.status = 101;
    hs.response.reason = "Switching Protocols";
    hs.response.headers = {{"Upgrade", "websocket"}, {"Connection", "Upgrade"}};
    if (!open.subprotocol.empty()) hs.response.headers.push_back({"Sec-WebSocket-Protocol", open.subprotocol});
    if (open.compression) hs.response.headers.push_back({"Sec-WebSocket-Extensions", format_response(*open.compression)});
    return hs;
}

namespace detail {

RecordedHandshake masked(const RecordedHandshake& handshake, bool keep_secrets) {
    if (keep_secrets) return handshake;
    RecordedHandshake out = handshake;
    out.url = mask_query_secrets(out.url);
    out.request.resource = mask_query_secrets(out.request.resource);
    for (auto& h : out.request.headers) h.value = mask_secret(h.name, h.value);
    for (auto& h : out.response.headers) h.value = mask_secret(h.name, h.value);
    return out;
}

nlohmann::ordered_json header_list(const std::vector<Header>& headers) {
    auto out = nlohmann::ordered_json::array();
    for (const auto& h : headers) out.push_back({{"name", h.name}, {"value", h.value}});
    return out;
}

bool sent_by_client(const Event& e, RecordRole role) {
    switch (role) {
        case RecordRole::client: return e.direction == Direction::out;
        case RecordRole::server: return e.direction == Direction::in;
        case RecordRole::proxy: return e.leg == Leg::client;
    }
    return false;
}

}  // namespace detail
}  // namespace wskit
