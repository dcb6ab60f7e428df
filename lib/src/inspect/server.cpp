// handshake-inspect, server mode: every incoming request shown with the
// RFC 6455 4.2.1 checks, then accepted (and echoed) or answered with
// --respond's status.
#include "proto/headers.hpp"
#include "inspect/text.hpp"
#include "serve/shutdown.hpp"

#include <wskit/access.hpp>
#include <wskit/encoding.hpp>
#include <wskit/secrets.hpp>
#include <wskit/tool/inspect.hpp>
#include <wskit/tool/serve.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace wskit {
namespace {

const char* reason_phrase(int status) {
    switch (status) {
        case 101: return "Switching Protocols";
        case 400: return "Bad Request";
        case 401: return "Unauthorized";
        case 403: return "Forbidden";
        case 404: return "Not Found";
        case 426: return "Upgrade Required";
        case 429: return "Too Many Requests";
        case 500: return "Internal Server Error";
        case 503: return "Service Unavailable";
        default: return "";
    }
}

// With what a client needs to go on after such a status (a 401's
// challenge, a 426's version), so that the answer passes its own checks.
HttpResponse respond_page(int status) {
    HttpResponse res{status,
                     {{"Content-Type", "text/plain; charset=utf-8"}},
                     fmt::format("{} {} (wskit handshake-inspect --respond)\n", status, reason_phrase(status))};
    if (status == 401) res.headers.push_back({"WWW-Authenticate", "Basic realm=\"wskit\""});
    if (status == 407) res.headers.push_back({"Proxy-Authenticate", "Basic realm=\"wskit\""});
    if (status == 426) res.headers.push_back({"Sec-WebSocket-Version", "13"});
    if (status == 429 || status == 503) res.headers.push_back({"Retry-After", "1"});
    return res;
}

bool passed(const RequestReport& r) { return !first_failure(r.checks) && !first_failure(r.answer_checks); }

}  // namespace

std::string render_request_human(const RequestReport& r, const RenderOptions& o) {
    const auto s = detail::style(o.color);
    const auto& q = r.request;
    std::string out = fmt::format("{}request #{} from {}{}\n", s.bold, r.number, q.remote, s.reset);
    out += fmt::format("  > {} {} {}\n", escape_controls(q.method), escape_controls(q.resource), escape_controls(q.version));
    for (const auto& h : q.headers)
        out += fmt::format("  > {}: {}\n", escape_controls(h.name),
                           escape_controls(o.show_secrets ? h.value : mask_secret(h.name, h.value)));
    auto list = [&](const char* name, const std::string& value) {
        auto items = detail::split_list(value);
        out += fmt::format("  {:<13}{}\n", name, items.empty() ? "(none)" : escape_controls(fmt::format("{}", fmt::join(items, ", "))));
    };
    out += fmt::format("  {:<13}{}\n", "origin", q.header("Origin").empty() ? "(none)" : escape_controls(q.header("Origin")));
    list("subprotocols", q.header("Sec-WebSocket-Protocol"));
    list("extensions", q.header("Sec-WebSocket-Extensions"));
    out += fmt::format("  {:<13}{}\n", "user agent", q.header("User-Agent").empty() ? "(none)" : escape_controls(q.header("User-Agent")));
    for (const auto& c : r.checks) out += detail::check_line(c, s);
    // The answer as it went out, checked as a browser checks it.
    out += fmt::format("  < {} {} {}\n", escape_controls(r.answer.version), r.answer.status,
                       escape_controls(r.answer.reason));
    for (const auto& h : r.answer.headers)
        out += fmt::format("  < {}: {}\n", escape_controls(h.name), escape_controls(h.value));
    for (const auto& c : r.answer_checks) out += detail::check_line(c, s);
    bool ok = passed(r);
    out += fmt::format("  {}{}{}: answered {} {}\n", ok ? s.green : s.red, ok ? "PASS" : "FAIL", s.reset,
                       r.answered, reason_phrase(r.answered));
    return out;
}

int run_inspect_server(const InspectServerOptions& o) {
    EventLoop loop;
    PrinterOptions printer;
    printer.format = o.json ? OutputFormat::json : OutputFormat::human;
    printer.color = o.render.color;
    printer.show_conn = true;
    printer.show_control = true;
    ServeSession session(loop, printer);
    Server* server_ptr = nullptr;
    std::uint64_t requests = 0;
    bool stopping = false;
    auto stop_soon = [&] {
        if (stopping) return;
        stopping = true;
        // The answer to a refused request is written after this handler: the
        // server's all_closed event comes once it is.
        detail::shut_down_then_stop(loop, *server_ptr);
    };
    AccessPolicy policy;
    policy.origins = o.origins;
    AccessGate access(for_server(policy, o.server));
    Server::Handlers handlers;
    handlers.on_answer = [&](const HttpRequest& req, const std::vector<CheckResult>& checks, const ResponseHead& answer) {
        RequestReport r{++requests, req, checks, answer.status, answer, check_answer(req, answer)};
        session.print_record(o.json ? render_request_json(r, o.render) : render_request_human(r, o.render));
        if (o.once && r.answered != 101) stop_soon();
    };
    handlers.on_handshake = [&](const HttpRequest& req) -> std::optional<HttpResponse> {
        auto say = [&](const std::string& line) { session.warning(line); };
        if (auto refusal = access.refuse_handshake(req, std::chrono::steady_clock::now(), say)) return refusal;
        if (o.respond) return respond_page(o.respond);
        return std::nullopt;
    };
    handlers.on_warning = [&](const std::string& line) { session.warning(line); };
    handlers.on_event = session.stopping_when_all_closed([&](Event& e) {
        if (e.type == EventType::open) return;  // the request said it
        // Accepted clients are echoed, so that their first messages show.
        if (e.type == EventType::message) server_ptr->send(e.conn, server_ptr->prepare(Message(e.message)));
        session.print(e);
        if (o.once && e.type == EventType::close) stop_soon();
    });
    Server server(loop, o.server, std::move(handlers));
    server_ptr = &server;
    server.listen();
    session.announce(server);
    return session.run_until_signal(server);
}

}  // namespace wskit
