// A wskit bench connection over plain TCP or TLS: connect, upgrade, then its
// role's traffic. The opening is in bench_open_impl.cpp, the traffic in
// bench_traffic_impl.cpp; both instantiate their members for the two streams.
#pragma once

#include "bench/h2_stream.hpp"
#include "bench/worker.hpp"

#include <memory>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

namespace wskit::detail::bench {

using TlsStream = asio::ssl::stream<tcp::socket>;

inline tcp::socket& lowest(tcp::socket& s) { return s; }
inline tcp::socket& lowest(TlsStream& s) { return s.next_layer(); }

template <class Stream>
class Connection final : public ConnectionBase, public std::enable_shared_from_this<Connection<Stream>> {
public:
    static constexpr bool plain = std::is_same_v<Stream, tcp::socket>;
    static constexpr bool tls = std::is_same_v<Stream, TlsStream>;
    static constexpr bool h2 = std::is_same_v<Stream, H2Stream>;  // a stream of a shared HTTP/2 connection
    static constexpr std::size_t copy_limit = 512;

    Connection(Worker& w, Role role, const Target& server)
        : w_(w), role_(role), target_(server), stream_(make_stream(w)), timer_(w.io) {
        if (!plain) own_buffer_.resize(16 * 1024);
        if (role == Role::receiver) reader_ = FrameReader(fanout_head_size);
        if (role == Role::echo && w.traffic.reads_replies()) reader_ = FrameReader(w.opt.client.max_message_size);
        if (role == Role::echo) {
            times_.reserve(w.opt.window + w.traffic.first.size());
            if (w.traffic.templated()) {
                // Built per message, as long as each rendering needs.
            } else if (w.opt.size <= copy_limit) {
                out_.resize(w.opt.window * (SharedPayloadFrame::max_header + w.opt.size));
            } else {
                headers_.resize(w.opt.window * SharedPayloadFrame::max_header);
            }
            buffers_.reserve(w.opt.window * 2);
        }
    }

    void start() override;

    void close() override {
        closed_ = true;
        timer_.cancel();
        close_stream();
    }

    // Plain connections between writes say goodbye with 1000 (servers then
    // log a normal close); the frame goes out in one non-blocking write or
    // not at all, never interleaved with a frame in progress. One still
    // opening has run out of time: the run's.
    void finish() override {
        if (!open_ && !closed_) give_up();
        if constexpr (plain) {
            if (open_ && !closed_ && !writing_) {
                auto frame = close_frame(w_.rng);
                stream_.non_blocking(true);
                asio::error_code ignored;
                stream_.write_some(asio::buffer(frame), ignored);
            }
        }
        close();
    }

    // A ramp down: an open connection says goodbye as at the end of the
    // run; one still opening just stops (neither is a failure).
    // A ramp down: the connection says goodbye with a close frame (after the
    // write in progress, if any) and waits for the server's; one still
    // opening just stops. Neither is a failure.
    void retire() override {
        if (!open_) return close();
        retiring_ = true;
        if (!writing_) say_goodbye();
    }

    bool is_open() const override { return open_ && !closed_ && !retiring_; }
    bool is_closed() const override { return closed_ || retiring_; }
    bool is_closing() const override { return retiring_ && !closed_; }

    void pump() override {
        if (!open_ || closed_ || writing_ || retiring_ || !w_.sending) return;
        if (role_ == Role::echo && !first_sent_) return send_first();
        if (role_ == Role::echo && w_.traffic.templated()) return send_requests();
        if (role_ == Role::echo) send_echoes();
        if (role_ == Role::sender) send_stamped();
    }

private:
    static Stream make_stream(Worker& w) {
        if constexpr (tls) {
            return Stream(w.io, *w.tls);
        } else {
            return Stream(w.io);
        }
    }

    void close_stream() {
        if constexpr (h2) {
            stream_.close();
        } else {
            asio::error_code ignored;
            lowest(stream_).close(ignored);
        }
    }

    // Opening (bench_open_impl.cpp): TCP, TLS, the upgrade; the handshake
    // mode's loop. A failed handshake loop starts over, unless nothing ever
    // opened: a server that refuses everything is reported, not hammered.
    void secure();
    void send_request();
    void read_head();
    void on_head();
    // --http2: the extended CONNECT on a stream of the worker's pool, and its answer.
    void open_stream();
    void on_answer(std::vector<Header> fields);
    // The answer's permessage-deflate against the offer; false when it broke it (the opening failed).
    bool agree_compression(std::string_view extensions);
    // The upgrade succeeded: the role's traffic starts, with what came after the answer.
    void opened(std::string_view rest);
    void use_compression(const DeflateParams& params);
    void send_close();
    void say_goodbye();
    void finish_handshake_loop();
    void finish_failed_loop();
    // A failed opening, classified (connect_failure.hpp) from the phase it
    // had reached, the cause, and what the server had sent of its answer.
    FailureFacts facts(FailureCause cause, std::string detail = {}) const;
    void fail_opening(const asio::error_code& ec);
    void fail_opening(const FailureFacts& facts);
    void fail_opening(const ConnectFailure& failure);
    void give_up();

    // Reading (bench_traffic_impl.cpp). Plain sockets read everything the
    // kernel holds into the worker's shared buffer once readable.
    void read();
    void read_available();
    void on_read_error(const asio::error_code& ec);
    // The server ended an open connection: with a close frame (its code and
    // reason), or by dropping it (1006).
    void lost_connection(int close_code, std::string_view reason);
    // A fan-out receiver is ready once the relay has said something to it
    // (a chat room's greeting comes once it has joined, which may be after
    // the 101: a message sent before would not reach it), or after
    // ready_wait of silence: the senders start when every receiver is.
    static constexpr std::chrono::milliseconds ready_wait{250};
    void ready();
    void consume(const unsigned char* data, std::size_t n);
    void on_message(std::uint64_t now);
    // Application traffic: a reply paired with its request in order, or by
    // --match; replies to --first messages and strays are not measured.
    void on_reply(std::uint64_t now, std::uint64_t size);
    // The measured window holds what arrives in it (echoes of messages sent in the warm-up too): with
    // thousands of large messages in flight, an echo may take seconds.
    void count_measured(std::uint64_t now, std::uint64_t sent, std::uint64_t size);

    // Sending. allowance: how many messages may go now (window, -n, --rate).
    std::uint64_t allowance(std::size_t window);
    std::uint64_t intended_time(std::uint64_t seq) const;
    // When the next message was due: its --rate time (fixed or by stage), or now.
    std::uint64_t due_time(std::uint64_t now);
    // Small frames are copied whole behind their header into one buffer (an
    // iovec costs more than 32 bytes of memcpy, and the server then reads
    // full segments); large ones go out as [header, shared payload] pairs in
    // one gather write. Compressed frames are copied and masked whole.
    void send_echoes();
    // Fan-out: every message is different (its stamp), so it is built and
    // masked whole into a buffer that is reused from one write to the next.
    void send_stamped();
    // Application traffic: the --first messages once open, then requests
    // rendered from the templates, each framed and masked whole.
    void send_first();
    void send_requests();
    std::size_t append_frame(std::size_t at, std::string_view payload);
    void expect_reply(std::uint64_t when);
    void write(const std::vector<asio::const_buffer>& buffers);

    Worker& w_;
    Role role_;
    const Target& target_;  // the server: its addresses, URL, Host and SNI
    Stream stream_;
    asio::steady_timer timer_;
    FrameReader reader_;
    std::vector<char> own_buffer_;
    std::string request_;
    std::vector<char> head_;
    std::size_t head_len_ = 0;
    std::uint64_t started_ns_ = 0;
    ConnectPhase phase_ = ConnectPhase::connect;
    bool open_ = false, closed_ = false, writing_ = false, timed_out_ = false, close_sent_ = false;
    bool awaiting_ready_ = false;  // a receiver open and not yet ready (see ready())
    bool retiring_ = false;        // retired by a ramp down: closing (say_goodbye)
    std::uint64_t in_flight_ = 0;
    TimeRing times_;
    std::vector<unsigned char> headers_;
    std::vector<asio::const_buffer> buffers_;
    std::vector<asio::const_buffer> single_;
    std::vector<char> out_;
    const std::string* compressed_payload_ = nullptr;  // the worker's, when compression was agreed
    // Application traffic.
    bool first_sent_ = false;
    int deflate_bits_ = 0;  // the client window agreed: each request is compressed on its own
    std::string rendered_, deflated_;
    std::unordered_map<std::string, std::uint64_t> pending_;  // --match key -> send time
    static constexpr std::uint64_t first_marker = 0;  // in times_: a reply to a --first message
};

}  // namespace wskit::detail::bench
