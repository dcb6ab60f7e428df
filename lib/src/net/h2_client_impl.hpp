// Http2ClientImpl: Client over an HTTP/2 stream (RFC 8441), for
// ClientOptions::http2. websocketpp's connection owns its socket and cannot
// run over a stream, so this side does its own framing: frames are written
// with proto/frame_codec and read by proto/message_reader, on a stream of
// Http2Connection. The same events, exit codes and close rules as the
// HTTP/1.1 client (proto/client_failure.hpp); no websocketpp here.
// net/h2_client_opening.cpp has the opening (SETTINGS, the CONNECT, its
// answer, a failed opening); net/h2_client.cpp the rest of its life.
#pragma once

#include "net/client_role.hpp"
#include "net/h2_connection.hpp"
#include "net/mask_keys.hpp"
#include "proto/deflate_codec.hpp"
#include "proto/frame_trace.hpp"
#include "proto/message_reader.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wskit::detail {

class Http2ClientImpl final : public Client::Impl {
public:
    Http2ClientImpl(EventLoop& loop, ClientOptions options, Client::EventHandler on_event);
    ~Http2ClientImpl() override;

    void connect() override;
    void send(Message message) override;
    bool close(int code, const std::string& reason) override;
    bool is_open() const override { return open_ && !close_sent_; }
    void abort() override;
    std::size_t backlog() const override;
    std::vector<Message> take_unsent() override;
    void pause_reading() override;
    void resume_reading() override;

private:
    // Opening (h2_client_opening.cpp).
    void on_settings(const std::vector<Http2Setting>& settings);
    void on_response(std::vector<Header> fields);
    void on_connection_failed(const Http2Failure& failure);
    void on_open_timeout();
    void fail_opening(ExitCode code, std::string why);
    // Whether the answer's extensions meet the --compress offer (else the opening failed).
    bool agree_compression(std::string_view extensions);

    // Open (h2_client.cpp).
    void on_data(std::string_view bytes);
    void deliver(EventType type, Message m);
    void on_close_frame();
    // The server broke the protocol: our close says how, then the stream ends.
    void fail_protocol();
    void send_close(int code, const std::string& reason);
    void write_frame(Opcode op, const std::string& payload);
    // -vv: the frames in `bytes`, decoded by `tracer` (one per direction).
    void trace_frames(FrameTracer& tracer, TraceLine::Kind kind, std::string_view bytes);
    void on_drained();
    void on_stream_closed(std::uint32_t error_code);
    void explain_close(const Event& e);
    void finish_with(Event& e);
    // The finished event from the loop, once this handler is over; the
    // HTTP/2 connection ends with it (GOAWAY).
    void finish_later();
    void schedule_ping();

    EventLoop& loop_;
    ClientOptions options_;
    Client::EventHandler on_event_;
    TraceHandler trace_;
    std::unique_ptr<Http2Connection> connection_;
    std::int32_t stream_ = 0;
    MessageReader reader_;
    std::optional<Deflater> deflater_;  // permessage-deflate was agreed
    // -vv: the frames both ways, as on a socket.
    FrameTracer sent_frames_{false}, received_frames_{false};
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

}  // namespace wskit::detail
