// --record FILE.har: HAR 1.2 as Chromium's devtools export it for
// WebSockets. An entry per connection (a proxy's: its client's), from the
// client's side: the upgrade as request and response, the messages in
// _webSocketMessages ("send" from the client, "receive" to it; time in
// seconds since the epoch, opcode 1 for text and 2 for binary, binary data
// in base64), and the close in wskit's own _webSocketClose.
#include "proto/headers.hpp"
#include "record/recorder.hpp"
#include "record/whole_file.hpp"

#include <wskit/encoding.hpp>
#include <wskit/error.hpp>
#include <wskit/printer.hpp>
#include <wskit/version.hpp>

#include <fmt/format.h>

#include <cstring>
#include <map>

namespace wskit::detail {
namespace {

using Json = nlohmann::ordered_json;

double epoch_seconds(std::chrono::system_clock::time_point ts) {
    return std::chrono::duration<double>(ts.time_since_epoch()).count();
}

// HAR's queryString: the target's pairs as they are written.
Json query_pairs(const std::string& target) {
    auto out = Json::array();
    auto question = target.find('?');
    if (question == std::string::npos) return out;
    std::string_view query(target);
    query.remove_prefix(question + 1);
    while (!query.empty()) {
        auto end = query.find('&');
        auto pair = query.substr(0, end);
        auto eq = pair.find('=');
        out.push_back({{"name", std::string(pair.substr(0, eq))},
                       {"value", eq == std::string_view::npos ? "" : std::string(pair.substr(eq + 1))}});
        if (end == std::string_view::npos) break;
        query.remove_prefix(end + 1);
    }
    return out;
}

// The "name=value" pairs of a Cookie or Set-Cookie value, trimmed, in order.
std::vector<std::pair<std::string, std::string>> cookie_pairs(std::string_view value) {
    std::vector<std::pair<std::string, std::string>> out;
    while (!value.empty()) {
        auto end = value.find(';');
        auto item = value.substr(0, end);
        value = end == std::string_view::npos ? std::string_view() : value.substr(end + 1);
        auto first = item.find_first_not_of(' ');
        if (first == std::string_view::npos) continue;
        item = item.substr(first, item.find_last_not_of(' ') - first + 1);
        auto eq = item.find('=');
        out.emplace_back(std::string(item.substr(0, eq)),
                         eq == std::string_view::npos ? "" : std::string(item.substr(eq + 1)));
    }
    return out;
}

// HAR's cookies, as Chromium's export lists them. Values are masked already
// unless --record-secrets.
// A request's: each pair of its Cookie headers.
Json request_cookies(const std::vector<Header>& headers) {
    auto out = Json::array();
    for (const auto& h : headers) {
        if (!same_header_name(h.name, "Cookie")) continue;
        for (auto& [name, value] : cookie_pairs(h.value)) out.push_back({{"name", name}, {"value", value}});
    }
    return out;
}

// A response's: each Set-Cookie's first pair, with its attributes.
Json response_cookies(const std::vector<Header>& headers) {
    auto out = Json::array();
    for (const auto& h : headers) {
        if (!same_header_name(h.name, "Set-Cookie")) continue;
        auto pairs = cookie_pairs(h.value);
        if (pairs.empty()) continue;
        Json cookie = {{"name", pairs.front().first}, {"value", pairs.front().second}};
        for (auto it = pairs.begin() + 1; it != pairs.end(); ++it) {
            if (same_header_name(it->first, "Path")) cookie["path"] = it->second;
            else if (same_header_name(it->first, "Domain")) cookie["domain"] = it->second;
            else if (same_header_name(it->first, "HttpOnly")) cookie["httpOnly"] = true;
            else if (same_header_name(it->first, "Secure")) cookie["secure"] = true;
            else if (same_header_name(it->first, "SameSite")) cookie["sameSite"] = it->second;
        }
        out.push_back(std::move(cookie));
    }
    return out;
}

Json har_request(const RecordedHandshake& hs) {
    return {{"method", hs.request.method.empty() ? "GET" : hs.request.method},
            {"url", hs.url},
            {"httpVersion", "HTTP/1.1"},
            {"headers", header_list(hs.request.headers)},
            {"queryString", query_pairs(hs.request.resource)},
            {"cookies", request_cookies(hs.request.headers)},
            {"headersSize", -1},
            {"bodySize", 0}};
}

Json har_response(const ResponseHead& head) {
    return {{"status", head.status},
            {"statusText", head.reason},
            {"httpVersion", head.version.empty() ? "HTTP/1.1" : head.version},
            {"headers", header_list(head.headers)},
            {"cookies", response_cookies(head.headers)},
            {"content", {{"size", 0}, {"mimeType", "x-unknown"}}},
            {"redirectURL", ""},
            {"headersSize", -1},
            {"bodySize", 0}};
}

class HarRecorder final : public Recorder {
public:
    explicit HarRecorder(const RecordOptions& o) : options_(o) {
        // Written at the end; said now when it cannot be.
        if (int error = check_whole_file(o.path)) throw cannot_write(error);
    }
    ~HarRecorder() override {
        try {
            finish();
        } catch (const Error&) {
        }
    }

    void opened(const Event& e, const RecordedHandshake& handshake) override {
        if (options_.role == RecordRole::proxy && e.leg != Leg::client) return;
        auto hs = masked(handshake, options_.secrets);
        Json entry;
        entry["startedDateTime"] = format_iso_time(e.ts);
        entry["time"] = 0;
        entry["request"] = har_request(hs);
        entry["response"] = har_response(hs.response);
        entry["cache"] = Json::object();
        entry["timings"] = {{"send", 0}, {"wait", 0}, {"receive", 0}};
        entry["_resourceType"] = "websocket";
        entry["_webSocketMessages"] = Json::array();
        // A connection id seen again (connect --reconnect) is a new entry.
        current_[e.conn] = entries_.size();
        entries_.push_back(std::move(entry));
    }

    void record(const Event& e) override {
        if (e.type != EventType::message && e.type != EventType::close) return;
        // A proxy's client leg closes as its client saw it.
        if (options_.role == RecordRole::proxy && e.type == EventType::close && e.leg != Leg::client) return;
        auto found = current_.find(e.conn);
        if (found == current_.end()) return;
        auto& entry = entries_[found->second];
        bool from_client = sent_by_client(e, options_.role);
        if (e.type == EventType::close) {
            // A proxy's client leg: "in" is the client's close, "out" the
            // server's that the proxy passed on.
            if (options_.role == RecordRole::proxy) from_client = e.direction == Direction::in;
            entry["_webSocketClose"] = {{"code", e.code},
                                             {"reason", e.reason},
                                             {"by", from_client ? "client" : "server"},
                                             {"clean", e.clean}};
            return;
        }
        bool text = e.message.opcode == Opcode::text;
        entry["_webSocketMessages"].push_back(
            {{"type", from_client ? "send" : "receive"},
             {"time", epoch_seconds(e.ts)},
             {"opcode", text ? 1 : 2},
             {"data", text ? e.message.payload : base64_encode(e.message.payload)}});
    }

    // To a temporary file next to FILE, then renamed over it: a reader
    // finds the old file or the whole new one.
    void finish() override {
        if (finished_) return;
        finished_ = true;
        Json har;
        har["log"]["version"] = "1.2";
        har["log"]["creator"] = {{"name", "wskit"}, {"version", version()}};
        har["log"]["pages"] = Json::array();
        auto& list = har["log"]["entries"] = Json::array();
        for (auto& entry : entries_) list.push_back(std::move(entry));
        entries_.clear();
        current_.clear();
        auto text = har.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
        if (int error = write_whole_file(options_.path, text, 0600)) throw cannot_write(error);
    }

private:
    Error cannot_write(int error) const {
        return Error(ExitCode::runtime,
                     fmt::format("--record: cannot write {}: {}", escape_controls(options_.path), std::strerror(error)));
    }

    RecordOptions options_;
    std::vector<Json> entries_;               // in the order the connections opened
    std::map<ConnId, std::size_t> current_;  // each id's latest entry
    bool finished_ = false;
};

}  // namespace

std::unique_ptr<Recorder> make_har_recorder(const RecordOptions& options) {
    return std::make_unique<HarRecorder>(options);
}

}  // namespace wskit::detail
