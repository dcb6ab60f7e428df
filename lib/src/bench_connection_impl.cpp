// A wskit bench connection over plain TCP or TLS: connect, upgrade, then its
// role's traffic. Frames go out in gather writes of per-frame headers and
// one shared payload; replies are parsed as they arrive and never kept.
#include "bench_worker_impl.hpp"
#include "tls_context.hpp"

#include <cstring>
#include <deque>

namespace wskit::detail::bench {
namespace {

using TlsStream = asio::ssl::stream<tcp::socket>;

tcp::socket& lowest(tcp::socket& s) { return s; }
tcp::socket& lowest(TlsStream& s) { return s.next_layer(); }

// A ring of send times for the messages in flight on one connection: an echo
// server answers in order, so the oldest time belongs to the next echo.
class TimeRing {
public:
    void reserve(std::size_t n) { times_.assign(n + 1, 0); }
    void push(std::uint64_t t) {
        times_[tail_] = t;
        tail_ = (tail_ + 1) % times_.size();
    }
    bool empty() const { return head_ == tail_; }
    std::uint64_t pop() {
        auto t = times_[head_];
        head_ = (head_ + 1) % times_.size();
        return t;
    }

private:
    std::vector<std::uint64_t> times_;
    std::size_t head_ = 0, tail_ = 0;
};

template <class Stream>
class Connection : public ConnectionBase, public std::enable_shared_from_this<Connection<Stream>> {
public:
    static constexpr bool plain = std::is_same_v<Stream, tcp::socket>;
    static constexpr std::size_t copy_limit = 512;

    Connection(Worker& w, Role role) : w_(w), role_(role), stream_(make_stream(w)), timer_(w.io) {
        if (!plain) own_buffer_.resize(16 * 1024);
        if (role == Role::receiver) reader_ = FrameReader(fanout_stamp_size);
        if (role == Role::echo) {
            times_.reserve(w.opt.window);
            if (w.opt.size <= copy_limit) {
                out_.resize(w.opt.window * (SharedPayloadFrame::max_header + w.opt.size));
            } else {
                headers_.resize(w.opt.window * SharedPayloadFrame::max_header);
            }
            buffers_.reserve(w.opt.window * 2);
        }
    }

    void start() override {
        started_ns_ = now_ns();
        auto self = this->shared_from_this();
        timer_.expires_after(w_.opt.client.open_timeout);
        timer_.async_wait([self](const asio::error_code& ec) {
            if (ec || self->open_ || self->closed_) return;
            self->timed_out_ = true;
            asio::error_code ignored;
            lowest(self->stream_).close(ignored);
        });
        asio::async_connect(lowest(stream_), w_.addrs, [self](const asio::error_code& ec, const tcp::endpoint&) {
            if (ec) return self->fail_opening(ErrorClass::connect, ec);
            self->secure();
        });
    }

    void close() override {
        closed_ = true;
        asio::error_code ignored;
        timer_.cancel();
        lowest(stream_).close(ignored);
    }

    bool is_open() const override { return open_ && !closed_; }

    void pump() override {
        if (!open_ || closed_ || writing_ || !w_.sending) return;
        if (role_ == Role::echo) send_echoes();
        if (role_ == Role::sender) send_stamped();
    }

private:
    static Stream make_stream(Worker& w) {
        if constexpr (plain) {
            return Stream(w.io);
        } else {
            return Stream(w.io, *w.tls);
        }
    }

    void secure() {
        if constexpr (plain) {
            send_request();
        } else {
            const auto& host = w_.opt.client.url.host;
            asio::error_code not_ip;
            asio::ip::make_address(host, not_ip);
            if (not_ip) {  // SNI names a host, never an address (RFC 6066 3)
                SSL_ctrl(stream_.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                         const_cast<char*>(host.c_str()));
            }
            if (!w_.opt.client.tls.insecure) set_expected_host(stream_.native_handle(), host);
            auto self = this->shared_from_this();
            stream_.async_handshake(asio::ssl::stream_base::client, [self](const asio::error_code& ec) {
                if (ec) return self->fail_opening(ErrorClass::tls, ec);
                self->send_request();
            });
        }
    }

    void send_request() {
        request_ = upgrade_request(w_.opt.client, w_.rng);
        auto self = this->shared_from_this();
        asio::async_write(stream_, asio::buffer(request_), [self](const asio::error_code& ec, std::size_t) {
            if (ec) return self->fail_opening(ErrorClass::handshake, ec);
            self->read_head();
        });
    }

    void read_head() {
        auto self = this->shared_from_this();
        head_.resize(head_len_ + 4096);
        stream_.async_read_some(asio::buffer(&head_[head_len_], 4096), [self](const asio::error_code& ec, std::size_t n) {
            if (ec) return self->fail_opening(ErrorClass::handshake, ec);
            self->head_len_ += n;
            self->on_head();
        });
    }

    void on_head() {
        std::string_view data(head_.data(), head_len_);
        auto end = data.find("\r\n\r\n");
        if (end == std::string_view::npos) {
            if (head_len_ > 64 * 1024) return fail_opening(ErrorClass::handshake, "response head over 64 KiB");
            return read_head();
        }
        auto verdict = read_upgrade_response(data.substr(0, end));
        if (!verdict.switched) return fail_opening(ErrorClass::handshake, "server answered '" + verdict.status_line + "'");
        open_ = true;
        timer_.cancel();
        request_.clear();
        request_.shrink_to_fit();
        if (role_ == Role::handshake && w_.measure_from <= now_ns()) {
            w_.histogram.record(now_ns() - started_ns_);
            ++w_.measured;
        }
        w_.on_open();
        std::string rest(data.substr(end + 4));
        head_.clear();
        head_.shrink_to_fit();
        if (!rest.empty()) consume(reinterpret_cast<const unsigned char*>(rest.data()), rest.size());
        if (closed_) return;
        if (role_ == Role::handshake) return send_close();
        pump();
        read();
    }

    void send_close() {
        request_ = close_frame(w_.rng);
        close_sent_ = true;
        auto self = this->shared_from_this();
        asio::async_write(stream_, asio::buffer(request_), [self](const asio::error_code& ec, std::size_t) {
            if (ec) return self->finish_handshake_loop();
            self->read();
        });
    }

    void finish_handshake_loop() {
        if (closed_) return;
        close();
        --w_.open_now;
        if (w_.stopping) return;
        auto next = make_connection(w_, Role::handshake);
        for (auto& c : w_.conns) {
            if (c.get() == this) c = next;  // keeps this one alive until its handlers return
        }
        next->start();
    }

    void read() {
        auto self = this->shared_from_this();
        if constexpr (plain) {
            stream_.async_wait(tcp::socket::wait_read, [self](const asio::error_code& ec) {
                if (ec) return self->on_read_error(ec);
                self->read_available();
            });
        } else {
            stream_.async_read_some(asio::buffer(own_buffer_), [self](const asio::error_code& ec, std::size_t n) {
                if (ec) return self->on_read_error(ec);
                self->consume(reinterpret_cast<const unsigned char*>(self->own_buffer_.data()), n);
                if (!self->closed_) self->read();
            });
        }
    }

    // Plain sockets: read everything the kernel holds into the worker's buffer.
    void read_available() {
        if (!stream_.non_blocking()) stream_.non_blocking(true);
        asio::error_code ec;
        auto n = stream_.read_some(asio::buffer(w_.read_buffer), ec);
        if (ec == asio::error::would_block) return read();
        if (ec) return on_read_error(ec);
        consume(reinterpret_cast<const unsigned char*>(w_.read_buffer.data()), n);
        if (!closed_) read();
    }

    void on_read_error(const asio::error_code& ec) {
        if (closed_ || w_.stopping) return;
        if (role_ == Role::handshake && close_sent_) return finish_handshake_loop();
        lost_connection(ec == asio::error::eof ? "the server closed the connection" : ec.message());
    }

    void lost_connection(const std::string& why) {
        close();
        --w_.open_now;
        w_.fail(ErrorClass::closed, why);
        w_.check_done();
    }

    void consume(const unsigned char* data, std::size_t n) {
        std::uint64_t now = 0;
        std::size_t pos = 0;
        while (pos < n) {
            auto step = reader_.feed(data + pos, n - pos);
            pos += step.consumed;
            if (step.event == FrameReader::Event::none) break;
            if (step.event == FrameReader::Event::bad) {
                w_.fail(ErrorClass::protocol, "the server sent an invalid frame");
                return lost_connection("the server sent an invalid frame");
            }
            if (step.event == FrameReader::Event::close) {
                if (role_ == Role::handshake) return finish_handshake_loop();
                if (w_.stopping) return close();
                return lost_connection("the server closed the connection");
            }
            if (now == 0) now = now_ns();
            on_message(now);
        }
        if (role_ == Role::echo) {
            pump();
            w_.check_done();
        }
    }

    void on_message(std::uint64_t now) {
        auto size = reader_.message_size();
        ++received;
        ++w_.received;
        w_.bytes += size;
        if (role_ == Role::echo) {
            if (times_.empty()) return w_.fail(ErrorClass::protocol, "an echo arrived for no message sent");
            auto sent = times_.pop();
            --in_flight_;
            if (size != w_.opt.size) w_.fail(ErrorClass::protocol, "an echo of " + std::to_string(size) + " bytes");
            count_measured(now, sent, size);
        } else if (role_ == Role::receiver) {
            auto stamp = read_fanout_stamp(reader_.head());
            if (!stamp || stamp->sender >= tracks.size()) {
                return w_.fail(ErrorClass::protocol, "a message without a wskit bench stamp");
            }
            auto& t = tracks[stamp->sender];
            if (!t.seen) {
                t.seen = true;
                t.first = t.next = stamp->seq;
            }
            if (stamp->seq < t.next) {
                ++t.duplicated;
                return;
            }
            t.next = stamp->seq + 1;
            ++t.distinct;
            count_measured(now, stamp->sent_ns, size);
        }
    }

    void count_measured(std::uint64_t now, std::uint64_t sent, std::uint64_t size) {
        if (sent < w_.measure_from) return;
        w_.histogram.record(now > sent ? now - sent : 0);
        ++w_.measured;
        w_.measured_bytes += size;
    }

    // How many messages this connection may send now: its window, -n, --rate.
    std::uint64_t allowance(std::size_t window) {
        std::uint64_t room = window - in_flight_;
        if (w_.interval_ns > 0) room = std::min<std::uint64_t>(room, scheduled - next_seq);
        if (w_.limited) {
            room = std::min(room, w_.budget);
            w_.budget -= room;
        }
        return room;
    }

    std::uint64_t intended_time(std::uint64_t seq) const {
        return w_.rate_start + static_cast<std::uint64_t>((static_cast<double>(seq) + phase) * w_.interval_ns);
    }

    // Small frames are copied whole behind their header into one buffer (an
    // iovec costs more than 32 bytes of memcpy, and the server then reads
    // full segments); large ones go out as [header, shared payload] pairs in
    // one gather write.
    void send_echoes() {
        auto n = allowance(w_.opt.window);
        if (n == 0) return;
        std::uint64_t now = now_ns();
        const auto& payload = w_.frame.wire_payload();
        bool copy = payload.size() <= copy_limit;
        buffers_.clear();
        std::size_t at = 0;
        for (std::uint64_t i = 0; i < n; ++i) {
            if (copy) {
                auto* h = reinterpret_cast<unsigned char*>(&out_[at]);
                at += w_.frame.write_header(w_.rng, h);
                std::memcpy(&out_[at], payload.data(), payload.size());
                at += payload.size();
            } else {
                auto* h = &headers_[i * SharedPayloadFrame::max_header];
                buffers_.emplace_back(h, w_.frame.write_header(w_.rng, h));
                buffers_.emplace_back(payload.data(), payload.size());
            }
            times_.push(w_.interval_ns > 0 ? intended_time(next_seq) : now);
            ++next_seq;
        }
        if (copy) buffers_.emplace_back(out_.data(), at);
        in_flight_ += n;
        w_.sent += n;
        write(buffers_);
    }

    // Fan-out: every message is different (its stamp), so it is built and
    // masked whole into a buffer that is reused from one write to the next.
    void send_stamped() {
        std::uint64_t n = std::min<std::uint64_t>(allowance(SIZE_MAX / 2), 4096);
        if (n == 0) return;
        std::size_t size = std::max(w_.opt.size, fanout_stamp_size);
        out_.resize(n * (size + SharedPayloadFrame::max_header));
        std::size_t at = 0;
        for (std::uint64_t i = 0; i < n; ++i) {
            auto key = static_cast<std::uint32_t>(next_random(w_.rng) >> 16);
            at += write_frame_header(w_.opt.binary ? 0x2 : 0x1, size, key, reinterpret_cast<unsigned char*>(&out_[at]));
            std::memset(&out_[at], 'x', size);
            write_fanout_stamp({sender_id, next_seq, intended_time(next_seq)}, &out_[at]);
            apply_mask(&out_[at], size, key);
            at += size;
            ++next_seq;
        }
        w_.sent += n;
        single_.assign(1, asio::const_buffer(out_.data(), at));
        write(single_);
    }

    void write(const std::vector<asio::const_buffer>& buffers) {
        writing_ = true;
        auto self = this->shared_from_this();
        asio::async_write(stream_, buffers, [self](const asio::error_code& ec, std::size_t) {
            self->writing_ = false;
            if (ec) return self->on_read_error(ec);
            self->pump();
        });
    }

    void fail_opening(ErrorClass kind, const asio::error_code& ec) {
        if (timed_out_) return fail_opening(ErrorClass::connect, "timed out");
        if (kind == ErrorClass::tls) {
            auto detail = last_openssl_error();
            return fail_opening(kind, detail.empty() ? ec.message() : detail);
        }
        fail_opening(kind, ec == asio::error::eof ? std::string("the server closed the connection") : ec.message());
    }

    void fail_opening(ErrorClass kind, const std::string& why) {
        if (closed_) return;
        close();
        if (w_.stopping) return;
        w_.fail(kind, why);
        w_.on_settled_failure();
        if (role_ == Role::handshake) finish_failed_loop();
    }

    // A failed handshake loop starts over, unless nothing ever opened: a
    // server that refuses everything is reported at once, not hammered.
    void finish_failed_loop() {
        if (w_.opened == 0) return w_.check_done();
        auto next = make_connection(w_, Role::handshake);
        for (auto& c : w_.conns) {
            if (c.get() == this) c = next;
        }
        next->start();
    }

    Worker& w_;
    Role role_;
    Stream stream_;
    asio::steady_timer timer_;
    FrameReader reader_;
    std::vector<char> own_buffer_;
    std::string request_;
    std::vector<char> head_;
    std::size_t head_len_ = 0;
    std::uint64_t started_ns_ = 0;
    bool open_ = false, closed_ = false, writing_ = false, timed_out_ = false, close_sent_ = false;
    std::uint64_t in_flight_ = 0;
    TimeRing times_;
    std::vector<unsigned char> headers_;
    std::vector<asio::const_buffer> buffers_;
    std::vector<asio::const_buffer> single_;
    std::vector<char> out_;
};

}  // namespace

std::shared_ptr<ConnectionBase> make_connection(Worker& worker, Role role) {
    if (worker.tls) return std::make_shared<Connection<TlsStream>>(worker, role);
    return std::make_shared<Connection<tcp::socket>>(worker, role);
}

}  // namespace wskit::detail::bench
