#include "net/h2_client.hpp"
#include "net/h2_client_impl.hpp"

#include "proto/client_failure.hpp"
#include "proto/control_frames.hpp"
#include "proto/frame_codec.hpp"
#include "term/trace_printer.hpp"

#include <wskit/close_code.hpp>
#include <wskit/extended_connect.hpp>

#include <fmt/format.h>

namespace wskit::detail {
namespace {

// Pongs are skipped while this much is unsent on the stream: a server that
// pings without reading gets one answer later (RFC 6455 5.5.3 allows
// answering only the latest), never a queue that grows.
constexpr std::size_t pong_backlog_limit = 64 * 1024;
// After our close frame, how long the server has to end the stream.
constexpr std::chrono::seconds close_wait{5};

}  // namespace

Http2ClientImpl::Http2ClientImpl(EventLoop& loop, ClientOptions options, Client::EventHandler on_event)
    : loop_(loop),
      options_(std::move(options)),
      on_event_(std::move(on_event)),
      reader_(false, options_.max_message_size) {
    if (options_.on_trace) trace_ = options_.on_trace;
    else if (options_.verbosity > 0) trace_ = print_trace_line;
}

Http2ClientImpl::~Http2ClientImpl() {
    for (auto id : {connect_timer_, close_timer_, ping_timer_, finished_timer_}) loop_.cancel(id);
}

void Http2ClientImpl::send(Message message) {
    if (!open_) {
        pending_bytes_ += message.payload.size();
        pending_.push_back(std::move(message));
        return;
    }
    if (close_sent_) return;
    write_frame(message.opcode, message.payload);
}

bool Http2ClientImpl::close(int code, const std::string& reason) {
    if (!open_ || close_sent_) return false;
    user_closed_ = true;
    send_close(code, reason);
    return true;
}

void Http2ClientImpl::abort() {
    if (!stream_) return;
    connection_->reset_stream(stream_, http2_cancel);
}

std::size_t Http2ClientImpl::backlog() const {
    return pending_bytes_ + (stream_ ? connection_->unsent(stream_) : 0);
}

std::vector<Message> Http2ClientImpl::take_unsent() {
    std::vector<Message> out(std::make_move_iterator(pending_.begin()), std::make_move_iterator(pending_.end()));
    pending_.clear();
    pending_bytes_ = 0;
    return out;
}

void Http2ClientImpl::pause_reading() {
    if (stream_) connection_->pause_stream(stream_);
}

void Http2ClientImpl::resume_reading() {
    if (stream_) connection_->resume_stream(stream_);
}

void Http2ClientImpl::on_data(std::string_view bytes) {
    if (!open_) return;  // a refusal's body
    trace_frames(received_frames_, TraceLine::Kind::received, bytes);
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

void Http2ClientImpl::deliver(EventType type, Message m) {
    Event e;
    e.type = type;
    e.message = std::move(m);
    on_event_(e);
}

void Http2ClientImpl::on_close_frame() {
    close_received_ = true;
    remote_code_ = reader_.close_code();
    remote_reason_ = reader_.close_reason();
    if (!close_sent_) send_close(remote_code_ == 1005 ? 1005 : remote_code_, "");
    else connection_->end_stream(stream_);
}

void Http2ClientImpl::fail_protocol() {
    failed_here_ = true;
    failed_code_ = reader_.failure_code();
    failed_reason_ = close_reason_from(reader_.failure());
    record_failure(ExitCode::abnormal_close, "the server broke the protocol: " + reader_.failure());
    if (!close_sent_) send_close(failed_code_, failed_reason_);
}

void Http2ClientImpl::send_close(int code, const std::string& reason) {
    close_sent_ = true;
    sent_close_code_ = code;
    write_frame(Opcode::close, close_payload(static_cast<std::uint16_t>(code), reason.substr(0, 123)));
    connection_->end_stream(stream_);
    close_timer_ = loop_.after(close_wait, [this] {
        close_timer_ = 0;
        if (stream_) connection_->reset_stream(stream_, http2_cancel);
    });
}

void Http2ClientImpl::write_frame(Opcode op, const std::string& message) {
    static constexpr int opcodes[] = {opcode::text, opcode::binary, opcode::ping, opcode::pong, opcode::close};
    FrameHeader h;
    h.opcode = opcodes[static_cast<int>(op)];
    h.masked = true;
    h.mask_key = mask_keys_();
    const std::string* payload = &message;
    std::string compressed;
    if (deflater_ && (op == Opcode::text || op == Opcode::binary)) {
        deflater_->compress(message, compressed);
        compressed.resize(compressed.size() - 4);  // RFC 7692 7.2.1: the trailing 00 00 ff ff goes
        h.rsv1 = true;
        payload = &compressed;
    }
    h.length = payload->size();
    unsigned char head[max_frame_header];
    auto n = write_frame_header(h, head);
    std::string frame;
    frame.reserve(n + payload->size());
    frame.append(reinterpret_cast<const char*>(head), n).append(*payload);
    mask_payload(frame.data() + n, payload->size(), h.mask_key);
    trace_frames(sent_frames_, TraceLine::Kind::sent, frame);
    connection_->write(stream_, std::move(frame));
}

void Http2ClientImpl::trace_frames(FrameTracer& tracer, TraceLine::Kind kind, std::string_view bytes) {
    if (options_.verbosity < 2 || !trace_) return;
    for (auto& line : tracer.feed(bytes)) trace_(TraceLine{kind, std::move(line)});
}

void Http2ClientImpl::on_drained() {
    if (!open_ || backlog() != 0) return;
    Event e;
    e.type = EventType::drained;
    on_event_(e);
}

void Http2ClientImpl::on_stream_closed(std::uint32_t error_code) {
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

void Http2ClientImpl::explain_close(const Event& e) {
    auto o = close_outcome_of(e);
    o.failed_here = failed_here_;
    o.user_closed = user_closed_;
    o.remote_code = remote_code_;
    o.sent_close_code = sent_close_code_;
    o.max_message_size = options_.max_message_size;
    if (auto failure = classify_close(o)) record_failure(failure->code, std::move(failure->message));
}

void Http2ClientImpl::finish_with(Event& e) {
    open_ = false;
    finished = true;
    for (auto id : {connect_timer_, close_timer_, ping_timer_}) loop_.cancel(id);
    on_event_(e);
    finish_later();
}

void Http2ClientImpl::finish_later() {
    finished_timer_ = loop_.after(std::chrono::milliseconds(0), [this] {
        finished_timer_ = 0;
        if (connection_) connection_->close();
        Event e;
        e.type = EventType::finished;
        on_event_(e);
    });
}

void Http2ClientImpl::schedule_ping() {
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

std::unique_ptr<Client::Impl> make_http2_client(EventLoop& loop, ClientOptions options, Client::EventHandler on_event) {
    return std::make_unique<Http2ClientImpl>(loop, std::move(options), std::move(on_event));
}

}  // namespace wskit::detail
