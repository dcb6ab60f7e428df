#include "proxy/pair.hpp"

#include "proto/proxy_handshake.hpp"

#include <wskit/backpressure.hpp>
#include <wskit/encoding.hpp>
#include <wskit/error.hpp>
#include <wskit/trace.hpp>
#include <wskit/url.hpp>

#include <fmt/format.h>

namespace wskit::detail {
namespace {

// Above this many unsent bytes on a leg, the side feeding it is no longer
// read until the leg has drained (TCP then slows that side down).
constexpr std::size_t high_mark = default_high_mark;

std::string format_ms(double ms) { return ms < 0 ? "-" : fmt::format("{:.1f} ms", ms); }

}  // namespace

ProxyPair::ProxyPair(PairHost& host, ConnId id, const HttpRequest& request)
    : host_(host),
      id_(id),
      request_(request),
      to_client_(host.loop, host.options.faults, host.options.faults.on(Leg::client),
                 {[this](Message& m) { deliver_to_client(m); },
                  [this](const Message& m) { note_dropped(Leg::client, m); }, [this] { update_flow(Leg::client); }}),
      to_upstream_(host.loop, host.options.faults, host.options.faults.on(Leg::upstream),
                   {[this](Message& m) { deliver_to_upstream(m); },
                    [this](const Message& m) { note_dropped(Leg::upstream, m); },
                    [this] { update_flow(Leg::upstream); }}) {}

ProxyPair::~ProxyPair() {
    for (auto t : fault_timers_) host_.loop.cancel(t);
}

ClientOptions ProxyPair::upstream_options() const {
    const auto& o = host_.options;
    ClientOptions c = o.upstream;
    auto forwarded = upstream_request(request_, o.keep_host);
    c.url.resource = upstream_resource(o.upstream.url.resource, request_.resource, o.fixed_path);
    // The client's headers first, then the user's -H lines.
    forwarded.headers.insert(forwarded.headers.end(), c.headers.begin(), c.headers.end());
    c.headers = std::move(forwarded.headers);
    c.subprotocols = std::move(forwarded.subprotocols);
    if (c.origin.empty()) c.origin = forwarded.origin;
    c.user_agent = forwarded.user_agent;
    if (c.host_header.empty()) c.host_header = forwarded.host;
    bool offer = o.upstream_compress.value_or(forwarded.offered_deflate);
    if (!offer) c.compress.reset();
    else if (!c.compress) c.compress = DeflateOffer{};
    c.max_message_size = o.server.max_message_size;
    c.answer_pings = false;  // pings cross; the other side answers them
    c.inspection = std::make_shared<ConnectionInspection>();
    if (o.verbosity >= 1) {
        c.verbosity = 1;
        c.on_trace = [this](const TraceLine& line) {
            if (line.kind != TraceLine::Kind::info) return;  // the handshake is shown whole, once it is over
            auto text = format_trace_line(line);
            text.pop_back();  // its newline: the console ends the line
            host_.verbose(fmt::format("#{} S {}", id_, text));
        };
    }
    return c;
}

void ProxyPair::start() {
    auto options = upstream_options();
    upstream_url_ = options.url.str();
    inspection_ = options.inspection;
    upstream_ = std::make_unique<Client>(host_.loop, std::move(options), [this](Event& e) { on_upstream_event(e); });
    upstream_->connect();
}

// --- the upstream leg ------------------------------------------------------

void ProxyPair::on_upstream_event(Event& e) {
    if (e.type == EventType::finished) return finish_if_done();
    e.conn = id_;
    e.leg = Leg::upstream;
    switch (e.type) {
        case EventType::open: return on_upstream_open(e);
        case EventType::error: return on_upstream_failed(e);
        case EventType::close: return on_upstream_closed(e);
        case EventType::drained:
            kill_when_written();
            return update_flow(Leg::upstream);
        case EventType::message:
        case EventType::ping:
        case EventType::pong: return pass_on(e, from_upstream_, Leg::client);
        default: host_.print(e); return;
    }
}

void ProxyPair::on_upstream_open(const Event& e) {
    upstream_open_ = true;
    const auto& hs = upstream_->handshake();
    host_.opened(e, client_handshake(hs, e.text));
    if (client_closed_) {  // the client went away while its upgrade waited
        upstream_->close(1001, "client went away");
        return;
    }
    if (host_.options.verbosity >= 1) show_handshakes();
    auto answer = answer_from_upstream(parse_response_head(hs.response), hs.body);
    answer_headers_ = answer.headers;
    host_.server.answer_upgrade(id_, std::move(answer));
    to_upstream_.open();
    arm_time_faults(Leg::upstream);
}

void ProxyPair::on_upstream_failed(const Event& e) {
    upstream_closed_ = true;
    const auto& hs = upstream_->handshake();
    host_.print(e);
    if (host_.options.verbosity >= 1) show_handshakes();
    // An answer that is not a 101 goes to the client as it came (a 401, a
    // redirect, a 404 page...); no answer at all is the proxy's 502 or 504.
    UpgradeAnswer answer;
    if (hs.status != 0 && hs.status != 101 && hs.response_complete)
        answer = answer_from_upstream(parse_response_head(hs.response), hs.body);
    else
        answer.refusal = upstream_failure_answer(upstream_->error_message(), hs.timed_out);
    host_.server.answer_upgrade(id_, std::move(answer));
    client_closed_ = !client_open_;  // the client never opens now
    finish_if_done();
}

void ProxyPair::on_upstream_closed(const Event& e) {
    upstream_closed_ = true;
    host_.print(e);
    auto relayed = relayed_close(e.code, e.reason, Leg::upstream);
    // Said once: a close the client started has closed its leg already.
    if (client_open_ && !client_closed_)
        host_.server.close(id_, relayed.code, relayed.reason);
    else if (!client_open_)
        close_on_open_ = {relayed.code, relayed.reason};
    finish_if_done();
}

// -v: the upstream request as sent and its answer as received, with the
// time each step took (the client's request and the answer it got are the
// session's to show).
void ProxyPair::show_handshakes() {
    const auto& hs = upstream_->handshake();
    auto block = [&](std::string_view mark, const std::string& text) {
        std::size_t start = 0;
        while (start < text.size()) {
            auto end = std::min(text.find("\r\n", start), text.size());
            if (end > start) host_.verbose(fmt::format("#{} {} {}", id_, mark, escape_controls(text.substr(start, end - start))));
            start = end + 2;
        }
    };
    block(">S", hs.request);
    block("<S", hs.response);
    if (!inspection_) return;
    const auto& t = inspection_->timings;
    host_.verbose(fmt::format("#{} S * upstream timings: dns {}, tcp {}, proxy {}, tls {}, upgrade {}, total {}", id_,
                              format_ms(t.dns), format_ms(t.tcp), format_ms(t.proxy), format_ms(t.tls),
                              format_ms(t.upgrade), format_ms(t.total)));
}

// --- the client leg ----------------------------------------------------------

void ProxyPair::on_client_event(Event& e) {
    e.leg = Leg::client;
    switch (e.type) {
        case EventType::open: {
            client_open_ = true;
            auto handshake = served_handshake(request_, e);
            auto& headers = handshake.response.headers;
            headers.insert(headers.end(), answer_headers_.begin(), answer_headers_.end());
            host_.opened(e, handshake);
            to_client_.open();
            arm_time_faults(Leg::client);
            if (close_on_open_) host_.server.close(id_, close_on_open_->first, close_on_open_->second);
            return;
        }
        case EventType::message:
        case EventType::ping:
        case EventType::pong: return pass_on(e, from_client_, Leg::upstream);
        case EventType::close: return on_client_closed(e);
        case EventType::error:  // the client went away while its upgrade was held
            host_.print(e);
            client_closed_ = true;
            if (upstream_open_) upstream_->close(1001, "client went away");
            return finish_if_done();
        case EventType::drained:
            kill_when_written();
            return update_flow(Leg::client);
        default: return;
    }
}

void ProxyPair::on_client_closed(const Event& e) {
    client_closed_ = true;
    client_close_code_ = e.code;
    host_.print(e);
    if (upstream_open_ && !upstream_closed_) {
        auto relayed = relayed_close(e.code, e.reason, Leg::client);
        upstream_->close(relayed.code, relayed.reason);
    }
    finish_if_done();
}

// --- sending, injecting, closing ------------------------------------------------

// A message, ping or pong that came in on one leg: shown, then on its way
// to the other.
void ProxyPair::pass_on(Event& e, std::uint64_t& count, Leg towards) {
    ++count;
    host_.print(e);
    outbox(towards).push(std::move(e.message));
    update_flow(towards);
}

// Once --kill-after has struck a leg, what comes after is lost with it.
void ProxyPair::deliver_to_client(Message& m) {
    if (kill_client_) return;
    host_.server.send(id_, std::move(m));
    check_message_faults(Leg::client, to_client_.delivered());
}

void ProxyPair::deliver_to_upstream(Message& m) {
    if (!upstream_ || upstream_closed_ || kill_upstream_) return;
    upstream_->send(std::move(m));
    check_message_faults(Leg::upstream, to_upstream_.delivered());
}

void ProxyPair::inject(Leg towards, Message m) {
    Event e;
    e.type = EventType::message;
    e.conn = id_;
    e.leg = towards;
    e.direction = Direction::out;
    e.message = m;
    host_.print(e);
    outbox(towards).push(std::move(m));
    update_flow(towards);
}

void ProxyPair::close(int code, const std::string& reason) {
    if (client_open_ && !client_closed_) host_.server.close(id_, code, reason);
    if (upstream_open_ && !upstream_closed_) upstream_->close(code, reason);
}

void ProxyPair::note(Leg leg, std::string text) {
    Event e;
    e.type = EventType::info;
    e.conn = id_;
    e.leg = leg;
    e.text = std::move(text);
    host_.print(e);
}

void ProxyPair::note_dropped(Leg towards, const Message& m) {
    note(towards, fmt::format("dropped a {} message of {} B on its way to the {} (--drop-every {})",
                              opcode_name(m.opcode), m.payload.size(), towards == Leg::client ? "client" : "server",
                              host_.options.faults.drop_every));
}

// Only what was sent on `leg`, or written from it, changes its backlog:
// the other leg is left alone (this runs for every message).
void ProxyPair::update_flow(Leg leg) {
    if (!upstream_) return;
    // The client feeds the upstream leg; the upstream feeds the client's.
    if (leg == Leg::upstream) {
        bool backed_up = to_upstream_.held_bytes() + upstream_->backlog() > high_mark;
        if (backed_up == client_paused_) return;
        client_paused_ = backed_up;
        backed_up ? host_.server.pause_reading(id_) : host_.server.resume_reading(id_);
    } else {
        bool backed_up = to_client_.held_bytes() + host_.server.buffered_amount(id_) > high_mark;
        if (backed_up == upstream_paused_) return;
        upstream_paused_ = backed_up;
        backed_up ? upstream_->pause_reading() : upstream_->resume_reading();
    }
}

// --- --close-after, --kill-after --------------------------------------------------

void ProxyPair::check_message_faults(Leg leg, std::size_t delivered) {
    const auto& f = host_.options.faults;
    if (!f.on(leg)) return;
    if (f.close_after && f.close_after->messages == delivered) strike(leg, false);
    if (f.kill_after && f.kill_after->messages == delivered) strike(leg, true);
}

void ProxyPair::arm_time_faults(Leg leg) {
    const auto& f = host_.options.faults;
    if (!f.on(leg)) return;
    for (bool kill : {false, true}) {
        const auto& trigger = kill ? f.kill_after : f.close_after;
        if (!trigger || trigger->messages) continue;
        fault_timers_.push_back(host_.loop.after(trigger->after, [this, leg, kill] { strike(leg, kill); }));
    }
}

// A leg is killed once what was sent on it has been written: --kill-after 2
// delivers two messages, then drops the connection.
void ProxyPair::strike(Leg leg, bool kill) {
    const auto& f = host_.options.faults;
    if (kill) {
        (leg == Leg::client ? kill_client_ : kill_upstream_) = true;
        return kill_when_written();
    }
    note(leg, fmt::format("closing with {} (--close-after)", f.close_code));
    // Both legs get the proxy's own close: the other leg's peer hears it as
    // it was sent, whatever the first peer answers.
    close(f.close_code, f.close_reason);
}

void ProxyPair::kill_when_written() {
    constexpr auto said = "dropping the connection without a close frame (--kill-after)";
    if (kill_client_ && client_open_ && !client_closed_ && host_.server.buffered_amount(id_) == 0) {
        kill_client_ = false;
        note(Leg::client, said);
        host_.server.abort(id_);
    }
    if (kill_upstream_ && upstream_open_ && !upstream_closed_ && upstream_->backlog() == 0) {
        kill_upstream_ = false;
        note(Leg::upstream, said);
        upstream_->abort();
    }
}

void ProxyPair::finish_if_done() {
    if (done_ || !client_closed_ || !upstream_finished()) return;
    done_ = true;
    host_.done(id_, client_close_code_);
}

std::string ProxyPair::describe(std::chrono::steady_clock::time_point now) const {
    auto seconds = std::chrono::duration_cast<std::chrono::seconds>(now - since_).count();
    return fmt::format("#{} {} path {} upstream {} connected {}s messages C> {} <S {}{}", id_, request_.remote,
                       escape_controls(request_.resource), escape_controls(upstream_url_), seconds, from_client_,
                       from_upstream_, upstream_open_ ? "" : " (upstream not open)");
}

}  // namespace wskit::detail
