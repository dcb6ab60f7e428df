#include "bench/h2_stream.hpp"

#include "bench/worker.hpp"
#include "proto/upgrade_request.hpp"

#include <wskit/extended_connect.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace wskit::detail::bench {
namespace {

// From the loop, never inside the call that started the operation (Asio's rule).
void complete_later(asio::io_context& io, H2StreamState::Completion& done, std::error_code ec, std::size_t n) {
    if (!done) return;
    auto d = std::move(done);
    done = nullptr;
    asio::post(io, [d = std::move(d), ec, n] { d(ec, n); });
}

// What came goes to a read that waits; a stream that holds unread data is
// paused, so that the server's window, not this process, holds the rest.
void deliver(asio::io_context& io, H2StreamState& s) {
    if (!s.on_read) return;
    if (!s.inbox.empty()) {
        auto n = std::min(s.inbox.size(), s.read_into.size());
        std::memcpy(s.read_into.data(), s.inbox.data(), n);
        s.inbox.erase(0, n);
        if (auto c = s.live(); c && s.inbox.empty()) c->resume_stream(s.id);
        complete_later(io, s.on_read, {}, n);
    } else if (s.over) {
        std::error_code ended = s.reset_code ? make_error_code(asio::error::connection_reset) : make_error_code(asio::error::eof);
        complete_later(io, s.on_read, ended, 0);
    }
}

void fail(asio::io_context& io, H2StreamState& s, const ConnectFailure& failure) {
    if (s.over) return;
    s.over = true;
    s.reset_code = 0x2;  // INTERNAL_ERROR: the connection is gone
    if (!s.answered) {
        if (s.on_failed) s.on_failed(failure);
        return;
    }
    deliver(io, s);
    complete_later(io, s.on_written, asio::error::connection_reset, 0);
}

}  // namespace

struct H2Pool::Entry {
    std::string url;  // the target it reaches
    std::shared_ptr<Http2Connection> connection;
    std::size_t streams = 0;  // opened or waiting, not over
    bool ready = false, failed = false;
    std::vector<std::weak_ptr<H2StreamState>> members;
    std::vector<std::pair<std::shared_ptr<H2StreamState>, std::vector<Header>>> waiting;  // for the SETTINGS
};

H2Pool::H2Pool(asio::io_context& io, std::size_t streams_per_connection)
    : io_(io), per_connection_(std::max<std::size_t>(1, streams_per_connection)) {}

void H2Pool::open(const ClientOptions& client, std::vector<Header> fields, std::shared_ptr<H2StreamState> stream) {
    auto url = client.url.str();
    auto it = std::find_if(entries_.begin(), entries_.end(), [&](const auto& e) {
        return !e->failed && e->url == url && e->streams < per_connection_;
    });
    if (it == entries_.end()) {
        auto entry = std::make_shared<Entry>();
        entry->url = url;
        Http2Connection::Handlers h;
        std::weak_ptr<Entry> weak = entry;
        h.on_settings = [this, weak](const std::vector<Http2Setting>& settings) {
            auto e = weak.lock();
            if (!e || e->ready) return;
            e->ready = true;
            auto allowed = check_connect_protocol_setting(settings);
            if (allowed.verdict != Verdict::pass) {
                e->failed = true;
                auto why = fmt::format("{}: SETTINGS_ENABLE_CONNECT_PROTOCOL is {} in its SETTINGS: no WebSockets "
                                       "over HTTP/2 (RFC 8441 3)", e->url, allowed.actual);
                for (auto& [s, f] : e->waiting) fail(io_, *s, {ExitCode::handshake, why});
            } else {
                for (auto& [s, f] : e->waiting) start_stream(e, s, std::move(f));
            }
            e->waiting.clear();
        };
        h.on_failed = [this, weak](const Http2Failure& failure) {
            auto e = weak.lock();
            if (!e) return;
            e->failed = true;
            for (auto& member : e->members)
                if (auto s = member.lock()) fail(io_, *s, {failure.code, failure.message});
            e->waiting.clear();
        };
        entry->connection = std::make_shared<Http2Connection>(io_, http2_target_of(client), std::move(h));
        entries_.push_back(entry);
        it = entries_.end() - 1;
        entry->connection->connect();
    }
    auto& entry = **it;
    ++entry.streams;
    entry.members.push_back(stream);
    stream->connection = entry.connection;
    if (entry.ready) start_stream(*it, stream, std::move(fields));
    else entry.waiting.emplace_back(stream, std::move(fields));
}

void H2Pool::start_stream(const std::shared_ptr<Entry>& entry, const std::shared_ptr<H2StreamState>& stream,
                          std::vector<Header> fields) {
    std::weak_ptr<H2StreamState> weak = stream;
    std::weak_ptr<Entry> weak_entry = entry;
    auto* io = &io_;
    Http2Connection::StreamHandlers h;
    h.on_headers = [weak](std::vector<Header> f) {
        auto s = weak.lock();
        if (!s || s->answered) return;
        s->answered = true;
        if (s->on_answer) s->on_answer(std::move(f));
    };
    h.on_data = [weak, io](std::string_view bytes) {
        auto s = weak.lock();
        if (!s) return;
        s->inbox.append(bytes);
        if (auto c = s->live(); c && !s->on_read) c->pause_stream(s->id);
        deliver(*io, *s);
    };
    h.on_closed = [weak, io, weak_entry](std::uint32_t code) {
        if (auto e = weak_entry.lock()) --e->streams;
        auto s = weak.lock();
        if (!s || s->over) return;
        if (!s->answered) {
            return fail(*io, *s, {ExitCode::handshake, fmt::format("the server reset the extended CONNECT stream "
                                                                   "with {}", http2_error_name(code))});
        }
        s->over = true;
        s->reset_code = code;
        deliver(*io, *s);
    };
    h.on_drained = [weak, io] {
        if (auto s = weak.lock()) complete_later(*io, s->on_written, {}, 0);
    };
    stream->id = entry->connection->open_stream(fields, std::move(h));
    if (!stream->id) fail(io_, *stream, {ExitCode::handshake, "the HTTP/2 connection refused a new stream"});
}

H2Pool& Worker::h2_pool() {
    if (!h2_pool_) h2_pool_ = std::make_shared<H2Pool>(io, opt.streams_per_connection);
    return *h2_pool_;
}

void H2Stream::open(H2Pool& pool, const ClientOptions& client, std::function<void(std::vector<Header>)> on_answer,
                    std::function<void(const ConnectFailure&)> on_failed) {
    state_->on_answer = std::move(on_answer);
    state_->on_failed = std::move(on_failed);
    ExtendedConnectOffer offer;
    offer.headers = build_upgrade_request(client, "").headers;
    pool.open(client, extended_connect_request(client.url, offer), state_);
}

void H2Stream::close() {
    auto& s = *state_;
    s.on_answer = nullptr;
    s.on_failed = nullptr;
    // An answered stream ends as a TCP connection does, with END_STREAM:
    // a reset for each of thousands of handshakes looks like the "rapid
    // reset" attack, and servers (Node's http2) answer GOAWAY. A CONNECT
    // still unanswered is cancelled.
    if (auto c = s.live(); c && s.id) {
        if (s.answered) c->end_stream(s.id);
        else c->reset_stream(s.id, http2_cancel);
    }
    s.over = true;
    complete_later(io_, s.on_read, asio::error::operation_aborted, 0);
    complete_later(io_, s.on_written, asio::error::operation_aborted, 0);
}

void H2Stream::read(asio::mutable_buffer into, H2StreamState::Completion done) {
    state_->read_into = into;
    state_->on_read = std::move(done);
    deliver(io_, *state_);
}

void H2Stream::write(std::string bytes, H2StreamState::Completion done) {
    auto& s = *state_;
    auto c = s.live();
    if (!c || !s.id) return asio::post(io_, [done = std::move(done)] { done(asio::error::broken_pipe, 0); });
    auto n = bytes.size();
    s.on_written = [done = std::move(done), n](const std::error_code& ec, std::size_t) { done(ec, ec ? 0 : n); };
    c->write(s.id, std::move(bytes));
}

}  // namespace wskit::detail::bench
