// The traffic of an open wskit bench connection: frames go out in gather
// writes of per-frame headers and one shared payload (small ones copied
// whole into one buffer); replies are parsed as they arrive and never kept.
#include "bench/connection.hpp"

#include <wskit/encoding.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace wskit::detail::bench {

template <class Stream>
void Connection<Stream>::read() {
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
template <class Stream>
void Connection<Stream>::read_available() {
    if constexpr (plain) {  // TLS streams read through OpenSSL's buffer instead
        if (!stream_.non_blocking()) stream_.non_blocking(true);
        asio::error_code ec;
        auto n = stream_.read_some(asio::buffer(w_.read_buffer), ec);
        if (ec == asio::error::would_block) return read();
        if (ec) return on_read_error(ec);
        consume(reinterpret_cast<const unsigned char*>(w_.read_buffer.data()), n);
        if (closed_) return;
        // Asio's epoll registration is edge-triggered: a full read may have
        // left bytes that no new edge will announce, so read again (after
        // the other connections' turn) instead of waiting.
        if (n == w_.read_buffer.size()) {
            auto self = this->shared_from_this();
            return asio::post(w_.io, [self] {
                if (!self->closed_) self->read_available();
            });
        }
        read();
    }
}

template <class Stream>
void Connection<Stream>::on_read_error(const asio::error_code& ec) {
    if (closed_ || w_.stopping) return;
    if (retiring_) return close();  // the server closed the TCP connection after its close frame
    if (role_ == Role::handshake && close_sent_) return finish_handshake_loop();
    lost_connection(1006, ec == asio::error::eof ? std::string_view() : ec.message());
}

template <class Stream>
void Connection<Stream>::ready() {
    if (!awaiting_ready_) return;
    awaiting_ready_ = false;
    timer_.cancel();
    w_.on_ready();
}

template <class Stream>
void Connection<Stream>::lost_connection(int close_code, std::string_view reason) {
    ready();  // settled, if it was not yet
    close();
    const char* noun = role_noun(role_);
    std::string why =
        close_code == 1006
            ? fmt::format("the server dropped a {} without a close frame{}{}", noun, reason.empty() ? "" : ": ", reason)
            : fmt::format("the server closed a {} with {}{}{}", noun, close_code, reason.empty() ? "" : ": ", reason);
    w_.lost(role_, close_code, reason, why);
}

template <class Stream>
void Connection<Stream>::consume(const unsigned char* data, std::size_t n) {
    std::uint64_t now = 0;
    std::size_t pos = 0;
    while (pos < n) {
        auto step = reader_.feed(data + pos, n - pos);
        pos += step.consumed;
        if (step.event == FrameReader::Event::none) break;
        if (step.event == FrameReader::Event::bad) {
            w_.fail(ErrorClass::protocol, reader_.problem());
            ready();
            close();
            return w_.lost(role_, 0, {}, {});  // ended here, not by the server
        }
        if (step.event == FrameReader::Event::close) {
            if (role_ == Role::handshake) return finish_handshake_loop();
            if (w_.stopping || retiring_) return close();
            return lost_connection(reader_.close_code(), reader_.close_reason());
        }
        if (now == 0) now = now_ns();
        on_message(now);
    }
    if (role_ == Role::echo) {
        pump();
        w_.check_done();
    }
}

template <class Stream>
void Connection<Stream>::on_message(std::uint64_t now) {
    auto size = reader_.message_size();
    ++received;
    ++w_.received;
    w_.bytes += size;
    if (role_ == Role::echo && w_.traffic.pairs_replies()) {
        on_reply(now, size);
    } else if (role_ == Role::echo) {
        if (times_.empty()) return w_.fail(ErrorClass::protocol, "a reply came with no message in flight: not an echo");
        auto sent = times_.pop();
        --in_flight_;
        ++w_.answered;
        // Another size is another message (a chat room's "guest-1: ..."): not measured.
        if (size != w_.opt.size)
            return w_.fail(ErrorClass::protocol,
                           fmt::format("a reply of {} bytes to a message of {}: not an echo", size, w_.opt.size));
        count_measured(now, sent, size);
    } else if (role_ == Role::receiver) {
        ready();
        auto stamp = read_fanout_stamp(reader_.head());
        // What a relay says of its own (a chat room's "* bob joined") is
        // not part of the measure.
        if (!stamp) return;
        if (stamp->sender >= tracks.size()) return w_.fail(ErrorClass::protocol, "a stamp from an unknown sender");
        if (!tracks[stamp->sender].count(stamp->seq)) return;
        count_measured(now, stamp->sent_ns, size);
    }
}

// The measured window holds what arrives in it (echoes of messages sent in the warm-up too): with
// thousands of large messages in flight, an echo may take seconds.
template <class Stream>
void Connection<Stream>::count_measured(std::uint64_t now, std::uint64_t sent, std::uint64_t size) {
    w_.record_latency(now, sent);
    if (now < w_.measure_from) return;
    ++w_.measured;
    w_.measured_bytes += size;
}

// How many messages this connection may send now: its window, -n, --rate.
template <class Stream>
std::uint64_t Connection<Stream>::allowance(std::size_t window) {
    std::uint64_t room = window > in_flight_ ? window - in_flight_ : 0;
    if (w_.interval_ns > 0) room = std::min<std::uint64_t>(room, scheduled - next_seq);
    if (w_.credit_mode && w_.stage_rate > 0) room = std::min<std::uint64_t>(room, due.size());
    if (w_.limited) {
        room = std::min(room, w_.budget);
        w_.budget -= room;
    }
    return room;
}

template <class Stream>
std::uint64_t Connection<Stream>::intended_time(std::uint64_t seq) const {
    return w_.rate_start + static_cast<std::uint64_t>((static_cast<double>(seq) + phase) * w_.interval_ns);
}

template <class Stream>
std::uint64_t Connection<Stream>::due_time(std::uint64_t now) {
    if (w_.credit_mode && !due.empty()) {
        auto t = due.front();
        due.pop_front();
        return t;
    }
    return w_.interval_ns > 0 ? intended_time(next_seq) : now;
}

// Small frames are copied whole behind their header into one buffer (an
// iovec costs more than 32 bytes of memcpy, and the server then reads
// full segments); large ones go out as [header, shared payload] pairs in
// one gather write. Compressed frames are copied and masked whole.
template <class Stream>
void Connection<Stream>::send_echoes() {
    auto n = allowance(w_.opt.window);
    if (n == 0) return;
    std::uint64_t now = now_ns();
    const auto& payload = w_.frame.wire_payload();
    bool copy = payload.size() <= copy_limit;
    buffers_.clear();
    std::size_t at = 0;
    for (std::uint64_t i = 0; i < n; ++i) {
        if (compressed_payload_) {
            at += write_compressed_frame(*compressed_payload_, w_.opt.binary, w_.rng, &out_[at]);
        } else if (copy) {
            auto* h = reinterpret_cast<unsigned char*>(&out_[at]);
            at += w_.frame.write_header(w_.rng, h);
            std::memcpy(&out_[at], payload.data(), payload.size());
            at += payload.size();
        } else {
            auto* h = &headers_[i * SharedPayloadFrame::max_header];
            buffers_.emplace_back(h, w_.frame.write_header(w_.rng, h));
            buffers_.emplace_back(payload.data(), payload.size());
        }
        times_.push(due_time(now));
        ++next_seq;
    }
    if (copy || compressed_payload_) buffers_.emplace_back(out_.data(), at);
    in_flight_ += n;
    w_.sent += n;
    write(buffers_);
}

// Fan-out: every message is different (its stamp), so it is built and
// masked whole into a buffer that is reused from one write to the next.
template <class Stream>
void Connection<Stream>::send_stamped() {
    std::uint64_t n = std::min<std::uint64_t>(allowance(SIZE_MAX / 2), 4096);
    if (n == 0) return;
    std::size_t at = build_stamped_frames(out_, n, std::max(w_.opt.size, fanout_stamp_size), w_.opt.binary,
                                          {sender_id, next_seq, 0},
                                          [this](std::uint64_t seq) { return intended_time(seq); }, w_.rng);
    next_seq += n;
    w_.sent += n;
    single_.assign(1, asio::const_buffer(out_.data(), at));
    write(single_);
}

template <class Stream>
void Connection<Stream>::write(const std::vector<asio::const_buffer>& buffers) {
    writing_ = true;
    auto self = this->shared_from_this();
    asio::async_write(stream_, buffers, [self](const asio::error_code& ec, std::size_t) {
        self->writing_ = false;
        if (ec) return self->on_read_error(ec);
        if (self->retiring_) return self->say_goodbye();
        self->pump();
    });
}

template void Connection<tcp::socket>::read();
template void Connection<tcp::socket>::read_available();
template void Connection<tcp::socket>::on_read_error(const asio::error_code& ec);
template void Connection<tcp::socket>::ready();
template void Connection<tcp::socket>::lost_connection(int close_code, std::string_view reason);
template void Connection<tcp::socket>::consume(const unsigned char* data, std::size_t n);
template void Connection<tcp::socket>::on_message(std::uint64_t now);
template void Connection<tcp::socket>::count_measured(std::uint64_t now, std::uint64_t sent, std::uint64_t size);
template std::uint64_t Connection<tcp::socket>::allowance(std::size_t window);
template std::uint64_t Connection<tcp::socket>::intended_time(std::uint64_t seq) const;
template void Connection<tcp::socket>::send_echoes();
template void Connection<tcp::socket>::send_stamped();
template void Connection<tcp::socket>::write(const std::vector<asio::const_buffer>& buffers);
template std::uint64_t Connection<tcp::socket>::due_time(std::uint64_t now);
template void Connection<TlsStream>::read();
template void Connection<TlsStream>::read_available();
template void Connection<TlsStream>::on_read_error(const asio::error_code& ec);
template void Connection<TlsStream>::ready();
template void Connection<TlsStream>::lost_connection(int close_code, std::string_view reason);
template void Connection<TlsStream>::consume(const unsigned char* data, std::size_t n);
template void Connection<TlsStream>::on_message(std::uint64_t now);
template void Connection<TlsStream>::count_measured(std::uint64_t now, std::uint64_t sent, std::uint64_t size);
template std::uint64_t Connection<TlsStream>::allowance(std::size_t window);
template std::uint64_t Connection<TlsStream>::intended_time(std::uint64_t seq) const;
template void Connection<TlsStream>::send_echoes();
template void Connection<TlsStream>::send_stamped();
template void Connection<TlsStream>::write(const std::vector<asio::const_buffer>& buffers);
template std::uint64_t Connection<TlsStream>::due_time(std::uint64_t now);
template void Connection<H2Stream>::read();
template void Connection<H2Stream>::read_available();
template void Connection<H2Stream>::on_read_error(const asio::error_code& ec);
template void Connection<H2Stream>::ready();
template void Connection<H2Stream>::lost_connection(int close_code, std::string_view reason);
template void Connection<H2Stream>::consume(const unsigned char* data, std::size_t n);
template void Connection<H2Stream>::on_message(std::uint64_t now);
template void Connection<H2Stream>::count_measured(std::uint64_t now, std::uint64_t sent, std::uint64_t size);
template std::uint64_t Connection<H2Stream>::allowance(std::size_t window);
template std::uint64_t Connection<H2Stream>::intended_time(std::uint64_t seq) const;
template void Connection<H2Stream>::send_echoes();
template void Connection<H2Stream>::send_stamped();
template void Connection<H2Stream>::write(const std::vector<asio::const_buffer>& buffers);
template std::uint64_t Connection<H2Stream>::due_time(std::uint64_t now);

}  // namespace wskit::detail::bench
