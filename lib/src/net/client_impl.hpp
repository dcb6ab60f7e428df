// ClientImpl: Client's Impl, one websocketpp client endpoint and connection,
// plain or TLS. Its members are defined in the file that owns their job:
// net/client.cpp the lifecycle (connect, send, open, close),
// net/client_opening.cpp the opening and how it failed, net/client_reading.cpp
// reading and its pauses, net/client_pings.cpp the pings and pongs; each
// instantiates its own for both endpoints.
#pragma once

#include "proto/client_failure.hpp"
#include "proto/control_frames.hpp"
#include "proto/headers.hpp"
#include "proto/ping_answers.hpp"
#include "proto/upgrade_request.hpp"
#include "net/tls_context.hpp"
#include "net/client_inspection.hpp"
#include "net/client_role.hpp"
#include "net/tls_inspect.hpp"
#include "term/trace_printer.hpp"
#include "net/transport_failure.hpp"
#include "net/wspp/wspp.hpp"

#include <wskit/client.hpp>
#include <wskit/close_code.hpp>
#include <wskit/connect_failure.hpp>
#include <wskit/encoding.hpp>

#include <fmt/format.h>

#include <array>
#include <cstring>
#include <deque>

namespace wskit::detail {

namespace wpp = websocketpp;

template <class Endpoint>
class ClientImpl final : public Client::Impl {
    using connection_ptr = typename Endpoint::connection_ptr;
    using message_ptr = typename Endpoint::message_ptr;
    static constexpr bool tls = std::is_same_v<Endpoint, TlsClient>;

public:
    ClientImpl(EventLoop& loop, ClientOptions options, Client::EventHandler on_event)
        : loop_(loop), options_(std::move(options)), on_event_(std::move(on_event)) {
        trace_ = options_.on_trace;
        if (!trace_ && options_.verbosity >= 1) trace_ = print_trace_line;
        // -vv shows the frames decoded (TracedConnection) instead of
        // websocketpp's access log.
        configure_logging(endpoint_, options_.verbosity, /*frames_traced=*/true);
        endpoint_.init_asio(&loop_.impl().io);
        endpoint_.set_user_agent(options_.user_agent);
        endpoint_.set_max_message_size(options_.max_message_size);
        if constexpr (tls) {
            verify_ = std::make_shared<VerifyOutcome>();
            auto ctx = make_client_tls_context(options_.tls, verify_);
            endpoint_.set_tls_init_handler([ctx](wpp::connection_hdl) { return ctx; });
            // Hook 33 in net/wspp/README.md: websocketpp verifies nothing itself.
            endpoint_.set_socket_init_handler([this](wpp::connection_hdl, auto& socket) {
                if (!options_.tls.insecure) set_expected_host(socket.native_handle(), options_.url.host);
                if (options_.inspection) request_ocsp_stapling(socket.native_handle());
            });
        }
    }

    ~ClientImpl() override {
        for (auto id : {close_timer_, ping_timer_, connect_timer_, abort_timer_, body_timer_, pings_timer_, finished_timer_})
            loop_.cancel(id);
        // A handler still pending may keep the connection after us: its
        // hooks must not call back.
        if (con_) {
            con_->on_write_done = nullptr;
            messages_->on_error_close = nullptr;
            messages_->before_outgoing = nullptr;
            using Response = typename Endpoint::connection_type::response_type;
            const_cast<Response&>(con_->get_response()).on_body_until_close(nullptr);
        }
    }

    void connect() override;

    void send(Message message) override;

    // Sends our close frame as a prepared message, so that websocketpp stays
    // in its open state and keeps delivering what the server sends until its
    // own close frame; the message manager then keeps websocketpp from
    // answering that close with a second one (hook 9 in net/wspp/README.md).
    // If the server never closes the TCP connection, the socket is shut down
    // after close_timeout.
    bool close(int code, const std::string& reason) override;

    bool is_open() const override { return open_; }

    void abort() override {
        if (!con_ || !open_) return;
        asio::error_code ignored;
        con_->get_raw_socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    }

    std::size_t backlog() const override;

    // websocketpp's pause_reading() only posts the change, so the read it
    // issues at the end of the current one still goes out, and its
    // resume_reading() starts a read whether or not one is in flight (two
    // reads into one buffer). So the pause is applied from inside our own
    // message handlers, which websocketpp runs within its read handler:
    // handle_pause_reading() there stops it from issuing the next read, and
    // no read is in flight until the resume. A resume asked for from within
    // a handler waits until websocketpp's read handler has returned. One
    // loop thread, so calling these "handle_" methods directly is safe (hook
    // 29 in net/wspp/README.md).
    void pause_reading() override { pause_wanted_ = true; }

    void resume_reading() override {
        pause_wanted_ = false;
        resume_if_free();
    }

    // Reading resumes once neither the owner nor the server's pings hold it;
    // from websocketpp's read handler, only after it (a resume there would
    // start a second read).
    void resume_if_free();

    void resume_now();

    std::vector<Message> take_unsent() override;

private:
    // websocketpp's callbacks on this connection: the steps of the opening,
    // its end, and what the server sends.
    void set_handlers();

    // A fresh Sec-WebSocket-Key from the masking keys' generator (OpenSSL's
    // CSPRNG), as websocketpp draws its own from it.
    std::string new_key();

    // Routes the connection through options_.proxy (HTTP CONNECT or
    // SOCKS5, opened by Connector rather than websocketpp, which
    // knows only HTTP); returns a problem, or "".
    std::string use_proxy(Route& route);

    // The TLS session; null for ws.
    SSL* ssl() {
        if constexpr (tls) return con_->get_socket().native_handle();
        return nullptr;
    }

    void trace_tls() { detail::trace_tls(ssl(), trace_); }

    // One ping in flight at a time: websocketpp restarts its pong timer with
    // every ping, so pings more frequent than the timeout would hide a
    // silent server forever.
    void schedule_ping();

    void on_pong_timeout();

    void write(const Message& message);

    // An error on our side while open: stop with a clean close so that the
    // server sees a close frame, and remember why.
    void report_local_failure(ExitCode code, std::string why);

    void capture_handshake();

    void on_open();

    void on_message(const message_ptr& msg);

    // An event of websocketpp's read handler.
    void deliver_read(Event& e);

    // Inside websocketpp's read handler (see pause_reading()).
    void apply_pause();

    // --- the server's pings (see PingAnswers) ----------------------------

    // Our pong as a prepared frame, so that we know when it has been
    // written: websocketpp releases it then (hook 26 in net/wspp/README.md).
    void send_pong(const std::string& payload);

    void on_write_done();

    void act_on_pings();

    // The server floods pings, or pings and reads none of the answers:
    // close with 1008. Its close frame would come behind more pings, if at
    // all: reading stays paused, and the close handshake gives up after
    // close_linger, as for the other connections we fail.
    void close_for_pings();

    void emit_control(EventType type, std::string data);

    // websocketpp fails the connection (1009 for a message over --max-size,
    // 1002, 1007) and then stops reading. Its close frame is not terminal
    // (see ClientMessage): this reads and discards what still
    // arrives, so that the server can finish sending, read the close frame
    // and answer; the connection ends when the server closes TCP, or after
    // close_linger. A close from our handlers (a failed negotiation, a
    // truncated text message) needs none of it: websocketpp reads on. Hook
    // 11 in net/wspp/README.md.
    void on_error_close();

    void drain(const connection_ptr& con);

    void on_close();

    // websocketpp's first close frame (see before_outgoing, hook 10 in
    // net/wspp/README.md): it answers a close frame of the server's when it
    // repeats its code and reason, as websocketpp does for a valid one. A
    // close frame it refuses (an invalid code) is answered with 1002, and its
    // own failures go first: those closes are ours. Known only then: the
    // server's reply to our close later overwrites the remote code and
    // reason.
    void note_first_close();

    // Whether the connection ended because wskit failed it (the server broke
    // the protocol, a message over --max-size...), as opposed to a close the
    // server started, whatever its code, or one we were asked for.
    bool we_failed_it() const;

    // The facts of a close, for the classifier (classify_close).
    void explain_close(const Event& e, bool failed_here);

    void on_fail();

    // What the classifier needs besides the error, from what is known now.
    OpeningOutcome opening_outcome() const;

    // Reduces a transport error to the classifier's causes: websocketpp's
    // own codes here, the socket's in transport_failure_cause.
    static FailureCause cause_of(const std::error_code& ec);

    bool record_failure_of(const OpeningOutcome& outcome);

    void emit_error();
    // The connection is over for websocketpp too (its fail or close handler
    // has run, or it never started). The finished event follows from the
    // loop, after the close or error event, once websocketpp's handler has
    // returned: the owner may then destroy the Client.
    void mark_finished();

    // --connect-timeout covers everything before the open: websocketpp's own
    // timers are fixed at compile time (5 s for TCP), so this one decides.
    // The socket is shut down rather than closed: a pending connect then
    // completes with an error that websocketpp handles (a closed socket's
    // "aborted" would leave its timers pending), and its fail handler runs.
    void on_connect_timeout();

    void abort_socket();

    // A non-101 answer whose body ends with the connection: what arrives
    // within close_delimited_wait is the body, whether or not the server
    // closes. Shutting the reading side gives websocketpp the EOF it waits
    // for; it then fails the connection with the status and that body (hook
    // 6 in net/wspp/README.md).
    void wait_for_body_end();

    // A failure found before open, outside websocketpp's handlers (a bad
    // proxy setting): reported from the loop, like websocketpp's own.
    void fail(ExitCode code, std::string why);

    using MessageManager = typename Endpoint::connection_type::con_msg_manager_type;
    static constexpr std::chrono::milliseconds close_timeout{5000};
    // How long a connection we failed keeps reading for the server's close:
    // as long as the server side's close handshake timeout, about.
    static constexpr std::chrono::milliseconds close_linger{1000};
    // Memory of one queued message besides its bytes: websocketpp's message
    // object, its header string and shared_ptr block, measured at ~250 bytes.
    static constexpr std::size_t per_message_cost = 256;

    EventLoop& loop_;
    ClientOptions options_;
    MessageManager* messages_ = nullptr;  // owned by con_
    MaskKeyGenerator mask_keys_;
    EventLoop::TimerId close_timer_ = 0;
    EventLoop::TimerId ping_timer_ = 0;
    EventLoop::TimerId connect_timer_ = 0;
    EventLoop::TimerId abort_timer_ = 0;
    EventLoop::TimerId body_timer_ = 0;
    EventLoop::TimerId finished_timer_ = 0;  // the finished event, and fail()'s error before it
    ConnectPhase phase_ = ConnectPhase::connect;
    std::string proxy_;  // host:port of the proxy, when there is one
    TraceHandler trace_;  // -v lines; empty when nobody listens
    Client::EventHandler on_event_;
    Endpoint endpoint_;
    connection_ptr con_;
    std::shared_ptr<VerifyOutcome> verify_;
    std::deque<Message> pending_;
    std::size_t pending_bytes_ = 0;
    bool open_ = false;
    bool closing_ = false;
    bool user_closed_ = false;    // our close frame went out through close()
    bool closed_by_us_ = false;   // we started the close handshake, for whatever reason
    int sent_close_code_ = 0;
    bool tcp_connected_ = false;
    std::optional<std::chrono::steady_clock::time_point> post_init_at_;  // TCP, tunnel and TLS done
    bool awaiting_pong_ = false;
    bool pause_wanted_ = false;    // pause_reading() was asked for
    PingAnswers pings_;    // the server's pings and our pongs
    std::weak_ptr<typename message_ptr::element_type> pong_in_flight_;  // released by websocketpp once written
    bool paused_for_pings_ = false;  // too many pings owed: not reading (see PingAnswers)
    EventLoop::TimerId pings_timer_ = 0;
    bool reading_paused_ = false;  // applied: no read is in flight
    bool in_read_handler_ = false;  // inside websocketpp's read handler (a message, ping or pong)
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // for handlers posted to the loop
    bool draining_ = false;
    bool failed_here_ = false;   // our handlers failed the connection (a text message cut mid-character)
    enum class FirstClose { answers_the_server, ours };
    std::optional<FirstClose> first_close_;  // websocketpp's first close frame, once sent
    int failed_code_ = 0;        // the close code we failed the connection with (draining, or a ping flood)
    std::string failed_reason_;
    std::array<char, 65536> drain_buffer_{};
    std::uint64_t frames_sent_ = 0;
    std::uint64_t frame_bytes_sent_ = 0;
};

}  // namespace wskit::detail
