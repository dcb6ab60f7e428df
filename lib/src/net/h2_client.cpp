// Http2ClientImpl: Client over an HTTP/2 stream (RFC 8441), for
// ClientOptions::http2. websocketpp's connection owns its socket and cannot
// run over a stream, so this side does its own framing: frames are written
// with proto/frame_codec and read by proto/message_reader, on a stream of
// Http2Connection. The same events, exit codes and close rules as the
// HTTP/1.1 client (proto/client_failure.hpp); no websocketpp here.
#include "net/h2_client.hpp"

#include "net/client_role.hpp"
#include "net/h2_connection.hpp"
#include "net/mask_keys.hpp"
#include "proto/client_failure.hpp"
#include "proto/control_frames.hpp"
#include "proto/message_reader.hpp"
#include "proto/upgrade_request.hpp"
#include "term/trace_printer.hpp"

#include <wskit/close_code.hpp>
#include <wskit/encoding.hpp>
#include <wskit/extended_connect.hpp>

#include <fmt/format.h>

#include <deque>

namespace wskit::detail {
namespace {

// Pongs are skipped while this much is unsent on the stream: a server that
// pings without reading gets one answer later (RFC 6455 5.5.3 allows
// answering only the latest), never a queue that grows.
constexpr std::size_t pong_backlog_limit = 64 * 1024;
// After our close frame, how long the server has to end the stream.
constexpr std::chrono::seconds close_wait{5};
constexpr std::uint32_t cancel = 0x8;  // RFC 9113 7: CANCEL

std::string field_lines(const std::vector<Header>& fields) {
    std::string text;
    for (const auto& f : fields) text += f.name + ": " + f.value + "\r\n";
    return text;
}

std::string value_of(const std::vector<Header>& fields, std::string_view name) {
    for (const auto& f : fields)
        if (f.name == name) return f.value;
    return {};
}

class Http2ClientImpl final : public Client::Impl {
public:
    Http2ClientImpl(EventLoop& loop, ClientOptions options, Client::EventHandler on_event)
        : loop_(loop),
          options_(std::move(options)),
          on_event_(std::move(on_event)),
          reader_(false, options_.max_message_size) {
        if (options_.on_trace) trace_ = options_.on_trace;
        else if (options_.verbosity > 0) trace_ = print_trace_line;
    }

    ~Http2ClientImpl() override {
        for (auto id : {connect_timer_, close_timer_, ping_timer_, finished_timer_}) loop_.cancel(id);
    }

    void connect() override {
        Http2Target target;
        target.url = options_.url;
        target.tls = options_.tls;
        target.proxy = options_.proxy;
        target.user_agent = options_.user_agent;
        target.timeout = options_.open_timeout;
        target.trace = trace_;
        target.inspection = options_.inspection;
        Http2Connection::Handlers h;
        h.on_settings = [this](const std::vector<Http2Setting>& s) { on_settings(s); };
        h.on_failed = [this](const Http2Failure& f) { on_connection_failed(f); };
        connection_ = std::make_unique<Http2Connection>(loop_, std::move(target), std::move(h));
        connect_timer_ = loop_.after(options_.open_timeout, [this] { on_open_timeout(); });
        connection_->connect();
    }

    void send(Message message) override {
        if (!open_) {
            pending_bytes_ += message.payload.size();
            pending_.push_back(std::move(message));
            return;
        }
        if (close_sent_) return;
        write_frame(message.opcode, message.payload);
    }

    bool close(int code, const std::string& reason) override {
        if (!open_ || close_sent_) return false;
        user_closed_ = true;
        send_close(code, reason);
        return true;
    }

    bool is_open() const override { return open_ && !close_sent_; }

    void abort() override {
        if (!stream_) return;
        connection_->reset_stream(stream_, cancel);
    }

    std::size_t backlog() const override {
        return pending_bytes_ + (stream_ ? connection_->unsent(stream_) : 0);
    }

    std::vector<Message> take_unsent() override {
        std::vector<Message> out(std::make_move_iterator(pending_.begin()), std::make_move_iterator(pending_.end()));
        pending_.clear();
        pending_bytes_ = 0;
        return out;
    }

    void pause_reading() override {
        if (stream_) connection_->pause_stream(stream_);
    }
    void resume_reading() override {
        if (stream_) connection_->resume_stream(stream_);
    }

private:
    void on_settings(const std::vector<Http2Setting>& settings) {
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
        trace.request = field_lines(fields);
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

    void on_response(std::vector<Header> fields) {
        if (open_ || finished) return;
        auto head = http2_response_head(fields);
        trace.status = head.status;
        trace.response = field_lines(fields);
        trace.response_complete = true;
        trace.location = value_of(fields, "location");
        if (options_.inspection)
            options_.inspection->timings.upgrade =
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - upgrade_started_).count();
        if (head.status >= 100 && head.status < 200 && head.status != 101) return;  // informational: wait
        for (const auto& check : check_connect_response(fields, options_.subprotocols, offered_extensions_)) {
            if (check.verdict != Verdict::fail) continue;
            auto what = check.id == "status" && head.status >= 300
                            ? fmt::format("the server answered the extended CONNECT with {}", head.status)
                            : fmt::format("handshake rejected: {}: expected {}, got {}", check.name, check.expected,
                                          escape_controls(check.actual));
            fail_opening(check.exit_class, what + (check.detail.empty() ? "" : " (" + check.detail + ")"));
            return connection_->reset_stream(stream_, cancel);
        }
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
        e.subprotocol = value_of(fields, "sec-websocket-protocol");
        on_event_(e);
    }

    void on_data(std::string_view bytes) {
        if (!open_) return;  // a refusal's body
        while (!bytes.empty() && !finished) {
            auto step = reader_.feed(bytes.data(), bytes.size());
            bytes.remove_prefix(step.consumed);
            switch (step.kind) {
                case MessageReader::Kind::none: return;
                case MessageReader::Kind::message: deliver(EventType::message, reader_.take_message()); break;
                case MessageReader::Kind::ping: {
                    auto ping = reader_.take_message();
                    if (options_.answer_pings && !close_sent_ && backlog() < pong_backlog_limit)
                        write_frame(Opcode::pong, ping.payload);
                    deliver(EventType::ping, std::move(ping));
                    break;
                }
                case MessageReader::Kind::pong:
                    awaiting_pong_ = false;
                    deliver(EventType::pong, reader_.take_message());
                    break;
                case MessageReader::Kind::close: return on_close_frame();
                case MessageReader::Kind::failed: return fail_protocol();
            }
        }
    }

    void deliver(EventType type, Message m) {
        Event e;
        e.type = type;
        e.message = std::move(m);
        on_event_(e);
    }

    void on_close_frame() {
        close_received_ = true;
        remote_code_ = reader_.close_code();
        remote_reason_ = reader_.close_reason();
        if (!close_sent_) send_close(remote_code_ == 1005 ? 1005 : remote_code_, "");
        else connection_->end_stream(stream_);
    }

    // The server broke the protocol: our close says how, then the stream ends.
    void fail_protocol() {
        failed_here_ = true;
        failed_code_ = reader_.failure_code();
        failed_reason_ = close_reason_from(reader_.failure());
        record_failure(ExitCode::abnormal_close, "the server broke the protocol: " + reader_.failure());
        if (!close_sent_) send_close(failed_code_, failed_reason_);
    }

    void send_close(int code, const std::string& reason) {
        close_sent_ = true;
        sent_close_code_ = code;
        write_frame(Opcode::close, close_payload(code, reason));
        connection_->end_stream(stream_);
        close_timer_ = loop_.after(close_wait, [this] {
            close_timer_ = 0;
            if (stream_) connection_->reset_stream(stream_, cancel);
        });
    }

    static std::string close_payload(int code, const std::string& reason) {
        if (code == 1005) return {};
        std::string p{static_cast<char>(code >> 8), static_cast<char>(code & 0xff)};
        return p + reason.substr(0, 123);
    }

    void write_frame(Opcode op, const std::string& payload) {
        static constexpr int opcodes[] = {opcode::text, opcode::binary, opcode::ping, opcode::pong, opcode::close};
        FrameHeader h;
        h.opcode = opcodes[static_cast<int>(op)];
        h.masked = true;
        h.mask_key = mask_keys_();
        h.length = payload.size();
        std::string frame(max_frame_header + payload.size(), '\0');
        auto n = write_frame_header(h, reinterpret_cast<unsigned char*>(frame.data()));
        std::copy(payload.begin(), payload.end(), frame.begin() + static_cast<std::ptrdiff_t>(n));
        mask_payload(frame.data() + n, payload.size(), h.mask_key);
        frame.resize(n + payload.size());
        connection_->write(stream_, std::move(frame));
    }

    void on_drained() {
        if (!open_ || backlog() != 0) return;
        Event e;
        e.type = EventType::drained;
        on_event_(e);
    }

    void on_stream_closed(std::uint32_t error_code) {
        stream_ = 0;
        if (!open_) {
            return fail_opening(ExitCode::handshake,
                                error_code ? fmt::format("the server reset the extended CONNECT stream with {}",
                                                         http2_error_name(error_code))
                                           : std::string("the server ended the extended CONNECT stream unanswered"));
        }
        Event e;
        e.type = EventType::close;
        e.clean = close_received_ && close_sent_ && error_code == 0;
        e.code = failed_here_ ? failed_code_ : close_received_ ? remote_code_ : 1006;
        e.reason = failed_here_ ? failed_reason_ : close_received_ ? remote_reason_ : "";
        e.direction = user_closed_ || failed_here_ ? Direction::out : Direction::in;
        if (!close_received_ && error_code)
            record_failure(ExitCode::abnormal_close,
                           fmt::format("the server reset the WebSocket's stream with {}", http2_error_name(error_code)));
        explain_close(e);
        finish_with(e);
    }

    void explain_close(const Event& e) {
        CloseOutcome o;
        o.failed_here = failed_here_;
        o.clean = e.clean;
        o.user_closed = user_closed_;
        o.code = e.code;
        o.reason = e.reason;
        o.remote_code = remote_code_;
        o.sent_close_code = sent_close_code_;
        o.max_message_size = options_.max_message_size;
        if (auto failure = classify_close(o)) record_failure(failure->code, std::move(failure->message));
    }

    void on_connection_failed(const Http2Failure& f) {
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

    void on_open_timeout() {
        connect_timer_ = 0;
        if (open_ || finished) return;
        trace.timed_out = true;
        fail_opening(ExitCode::timeout, fmt::format("no answer to the extended CONNECT from {} within {:g} s "
                                                    "(--connect-timeout)",
                                                    options_.url.connection_target(),
                                                    std::chrono::duration<double>(options_.open_timeout).count()));
    }

    void fail_opening(ExitCode code, std::string why) {
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

    void finish_with(Event& e) {
        open_ = false;
        finished = true;
        for (auto id : {connect_timer_, close_timer_, ping_timer_}) loop_.cancel(id);
        on_event_(e);
        finish_later();
    }

    // The finished event from the loop, once this handler is over; the
    // HTTP/2 connection ends with it (GOAWAY).
    void finish_later() {
        finished_timer_ = loop_.after(std::chrono::milliseconds(0), [this] {
            finished_timer_ = 0;
            if (connection_) connection_->close();
            Event e;
            e.type = EventType::finished;
            on_event_(e);
        });
    }

    void schedule_ping() {
        if (options_.ping_interval.count() <= 0) return;
        ping_timer_ = loop_.after(options_.ping_interval, [this] {
            ping_timer_ = 0;
            if (!open_ || close_sent_) return;
            if (awaiting_pong_ && options_.ping_timeout.count() > 0 &&
                std::chrono::steady_clock::now() - ping_sent_at_ > options_.ping_timeout) {
                record_failure(ExitCode::abnormal_close,
                               fmt::format("no pong from the server within {:g} s (--ping-timeout); dropping the "
                                           "connection",
                                           std::chrono::duration<double>(options_.ping_timeout).count()));
                return abort();
            }
            if (!awaiting_pong_) {
                write_frame(Opcode::ping, "");
                awaiting_pong_ = true;
                ping_sent_at_ = std::chrono::steady_clock::now();
            }
            schedule_ping();
        });
    }

    EventLoop& loop_;
    ClientOptions options_;
    Client::EventHandler on_event_;
    TraceHandler trace_;
    std::unique_ptr<Http2Connection> connection_;
    std::int32_t stream_ = 0;
    MessageReader reader_;
    MaskKeyGenerator mask_keys_;
    std::deque<Message> pending_;
    std::size_t pending_bytes_ = 0;
    std::string offered_extensions_;
    std::chrono::steady_clock::time_point upgrade_started_, ping_sent_at_;
    bool open_ = false, close_sent_ = false, close_received_ = false, user_closed_ = false;
    bool failed_here_ = false, awaiting_pong_ = false;
    int remote_code_ = 1005, sent_close_code_ = 0, failed_code_ = 0;
    std::string remote_reason_, failed_reason_;
    EventLoop::TimerId connect_timer_ = 0, close_timer_ = 0, ping_timer_ = 0, finished_timer_ = 0;
};

}  // namespace

std::unique_ptr<Client::Impl> make_http2_client(EventLoop& loop, ClientOptions options, Client::EventHandler on_event) {
    return std::make_unique<Http2ClientImpl>(loop, std::move(options), std::move(on_event));
}

}  // namespace wskit::detail
