// Application traffic of a wskit bench connection (--first, --message,
// --messages-from, --match): each message rendered from its template, framed
// and masked whole; replies paired with requests in order or by a JSON field.
#include "bench/connection.hpp"

#include <wskit/encoding.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace wskit::detail::bench {

template <class Stream>
void Connection<Stream>::on_reply(std::uint64_t now, std::uint64_t size) {
    std::uint64_t sent = 0;
    if (const auto& match = w_.traffic.match) {
        auto key = match->key_of(reader_.head());
        auto it = key ? pending_.find(*key) : pending_.end();
        if (it == pending_.end()) {
            ++w_.unmatched;
            return;
        }
        sent = it->second;
        pending_.erase(it);
    } else {
        if (times_.empty()) {
            ++w_.unmatched;
            return;
        }
        sent = times_.pop();
        if (sent == first_marker) return;
    }
    --in_flight_;
    ++w_.answered;
    count_measured(now, sent, size);
}

// Frames one message whole at out_[at], compressed when the server agreed;
// returns where the next one goes.
template <class Stream>
std::size_t Connection<Stream>::append_frame(std::size_t at, std::string_view payload) {
    if (deflate_bits_) {
        deflated_.clear();
        Deflater(deflate_bits_, /*no_context_takeover=*/true).compress(payload, deflated_);
        deflated_.resize(deflated_.size() - 4);  // the 00 00 ff ff that RFC 7692 7.2.1 removes
        payload = deflated_;
    }
    out_.resize(std::max(out_.size(), at + SharedPayloadFrame::max_header + payload.size()));
    return at + write_masked_frame(payload, w_.opt.binary, w_.rng, &out_[at], deflate_bits_ != 0);
}

// A request's reply is awaited by its --match key, or in order.
template <class Stream>
void Connection<Stream>::expect_reply(std::uint64_t when) {
    ++in_flight_;
    const auto& match = w_.traffic.match;
    if (!match) return times_.push(when);
    auto key = match->key_of(rendered_);
    if (!key) {
        // It stays in flight: a run of such requests stalls instead of flooding.
        return w_.fail(ErrorClass::protocol, fmt::format("a request has no field {} to match its reply by: '{}'",
                                                         w_.opt.match, escape_controls(rendered_.substr(0, 80))));
    }
    auto [it, fresh] = pending_.emplace(std::move(*key), when);
    if (!fresh) {
        --in_flight_;  // the earlier request of that key will count as unanswered
        it->second = when;
        w_.fail(ErrorClass::protocol, fmt::format("two requests in flight have the same {} ({}): put {{seq}} in it",
                                                  w_.opt.match, escape_controls(it->first.substr(0, 40))));
    }
}

template <class Stream>
void Connection<Stream>::send_first() {
    first_sent_ = true;
    const auto& first = w_.traffic.first;
    if (first.empty()) return pump();
    std::size_t at = 0;
    for (std::size_t i = 0; i < first.size(); ++i) {
        rendered_.clear();
        first[i].render({i, number, &w_.rng}, rendered_);
        at = append_frame(at, rendered_);
        // In order, each --first message takes one reply that is not measured.
        if (!w_.traffic.match) times_.push(first_marker);
    }
    w_.first_sent += first.size();
    single_.assign(1, asio::const_buffer(out_.data(), at));
    write(single_);
}

template <class Stream>
void Connection<Stream>::send_requests() {
    auto n = allowance(w_.opt.window);
    if (n == 0) return;
    std::uint64_t now = now_ns();
    const auto& requests = w_.traffic.requests;
    std::size_t at = 0;
    for (std::uint64_t i = 0; i < n; ++i) {
        rendered_.clear();
        requests[next_seq % requests.size()].render({next_seq, number, &w_.rng}, rendered_);
        expect_reply(due_time(now));
        at = append_frame(at, rendered_);
        ++next_seq;
    }
    w_.sent += n;
    single_.assign(1, asio::const_buffer(out_.data(), at));
    write(single_);
}

template void Connection<tcp::socket>::on_reply(std::uint64_t now, std::uint64_t size);
template std::size_t Connection<tcp::socket>::append_frame(std::size_t at, std::string_view payload);
template void Connection<tcp::socket>::expect_reply(std::uint64_t when);
template void Connection<tcp::socket>::send_first();
template void Connection<tcp::socket>::send_requests();
template void Connection<TlsStream>::on_reply(std::uint64_t now, std::uint64_t size);
template std::size_t Connection<TlsStream>::append_frame(std::size_t at, std::string_view payload);
template void Connection<TlsStream>::expect_reply(std::uint64_t when);
template void Connection<TlsStream>::send_first();
template void Connection<TlsStream>::send_requests();
template void Connection<H2Stream>::on_reply(std::uint64_t now, std::uint64_t size);
template std::size_t Connection<H2Stream>::append_frame(std::size_t at, std::string_view payload);
template void Connection<H2Stream>::expect_reply(std::uint64_t when);
template void Connection<H2Stream>::send_first();
template void Connection<H2Stream>::send_requests();

}  // namespace wskit::detail::bench
