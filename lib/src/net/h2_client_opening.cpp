#include "net/h2_client_impl.hpp"

#include "proto/upgrade_request.hpp"

#include <wskit/compression.hpp>
#include <wskit/extended_connect.hpp>

#include <fmt/format.h>

namespace wskit::detail {

void Http2ClientImpl::connect() {
    auto target = http2_target_of(options_);
    target.trace = trace_;
    target.inspection = options_.inspection;
    Http2Connection::Handlers h;
    h.on_settings = [this](const std::vector<Http2Setting>& s) { on_settings(s); };
    h.on_failed = [this](const Http2Failure& f) { on_connection_failed(f); };
    connection_ = std::make_unique<Http2Connection>(loop_, std::move(target), std::move(h));
    connect_timer_ = loop_.after(options_.open_timeout, [this] { on_open_timeout(); });
    connection_->connect();
}

void Http2ClientImpl::on_settings(const std::vector<Http2Setting>& settings) {
    trace.http2 = true;
    trace.connected = true;
    trace.http2_settings.insert(trace.http2_settings.end(), settings.begin(), settings.end());
    if (stream_ || finished) return;
    auto allowed = check_connect_protocol_setting(trace.http2_settings);
    if (allowed.verdict != Verdict::pass) {
        auto value = allowed.actual == "(absent)" ? std::string("absent from") : allowed.actual + " in";
        return fail_opening(ExitCode::handshake,
                            fmt::format("{} does not take WebSockets over HTTP/2: SETTINGS_ENABLE_CONNECT_PROTOCOL "
                                        "is {} its SETTINGS (RFC 8441 3); without --http2 it is tried over "
                                        "HTTP/1.1",
                                        options_.url.connection_target(), value));
    }
    auto request = build_upgrade_request(options_, "");
    ExtendedConnectOffer offer;
    offer.headers = request.headers;
    offered_extensions_ = request.header("Sec-WebSocket-Extensions");
    auto fields = extended_connect_request(options_.url, offer);
    trace.request = http2_field_lines(fields);
    trace.connected = true;
    Http2Connection::StreamHandlers sh;
    sh.on_headers = [this](std::vector<Header> f) { on_response(std::move(f)); };
    sh.on_data = [this](std::string_view bytes) { on_data(bytes); };
    sh.on_closed = [this](std::uint32_t code) { on_stream_closed(code); };
    sh.on_drained = [this] { on_drained(); };
    stream_ = connection_->open_stream(fields, std::move(sh));
    upgrade_started_ = std::chrono::steady_clock::now();
    if (!stream_) fail_opening(ExitCode::handshake, "the HTTP/2 connection refused a new stream");
}

void Http2ClientImpl::on_response(std::vector<Header> fields) {
    if (open_ || finished) return;
    auto head = http2_response_head(fields);
    trace.status = head.status;
    trace.response = http2_field_lines(fields);
    trace.response_complete = true;
    trace.location = head.header("location");
    if (options_.inspection)
        options_.inspection->timings.upgrade =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - upgrade_started_).count();
    if (head.status >= 100 && head.status < 200 && head.status != 101) return;  // informational: wait
    if (auto failure = connect_answer_failure(fields, options_.subprotocols, offered_extensions_)) {
        fail_opening(failure->code, std::move(failure->message));
        return connection_->reset_stream(stream_, http2_cancel);
    }
    if (options_.compress && !agree_compression(head.header("sec-websocket-extensions"))) return;
    loop_.cancel(connect_timer_);
    open_ = true;
    while (!pending_.empty()) {
        auto m = std::move(pending_.front());
        pending_.pop_front();
        pending_bytes_ -= m.payload.size();
        write_frame(m.opcode, m.payload);
    }
    schedule_ping();
    Event e;
    e.type = EventType::open;
    e.text = options_.url.str();
    e.subprotocol = head.header("sec-websocket-protocol");
    e.compression = trace.compression;
    on_event_(e);
}

// RFC 7692 over the stream, as over HTTP/1.1: the answer within the offer,
// then RSV1 messages inflated with the server's window and ours deflated.
bool Http2ClientImpl::agree_compression(std::string_view extensions) {
    auto answer = check_deflate_answer(*options_.compress, extensions);
    if (!answer.problem.empty()) {
        fail_opening(ExitCode::handshake, "handshake rejected: " + answer.problem);
        connection_->reset_stream(stream_, http2_cancel);
        return false;
    }
    trace.compression = answer.params;
    if (const auto& p = answer.params) {
        reader_.inflate_with(p->server_max_window_bits, p->server_no_context_takeover);
        deflater_.emplace(p->client_max_window_bits, p->client_no_context_takeover);
    }
    return true;
}

void Http2ClientImpl::on_connection_failed(const Http2Failure& f) {
    if (finished) return;
    if (!open_) {
        trace.connected = f.phase == ConnectPhase::upgrade;
        return fail_opening(f.code, f.message);
    }
    record_failure(ExitCode::abnormal_close, f.message);
    Event e;
    e.type = EventType::close;
    e.code = 1006;
    explain_close(e);
    stream_ = 0;
    finish_with(e);
}

void Http2ClientImpl::on_open_timeout() {
    connect_timer_ = 0;
    if (open_ || finished) return;
    trace.timed_out = true;
    fail_opening(ExitCode::timeout, fmt::format("no answer to the extended CONNECT from {} within {:g} s "
                                                "(--connect-timeout)",
                                                options_.url.connection_target(),
                                                std::chrono::duration<double>(options_.open_timeout).count()));
}

void Http2ClientImpl::fail_opening(ExitCode code, std::string why) {
    if (finished) return;
    record_failure(code, std::move(why));
    Event e;
    e.type = EventType::error;
    e.text = error;
    finished = true;
    loop_.cancel(connect_timer_);
    on_event_(e);
    finish_later();
}

}  // namespace wskit::detail
