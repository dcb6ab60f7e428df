// wskit handshake-inspect: a verdict on a server's opening handshake, TLS and
// timing; or, with --listen, on the handshakes clients send.
#include "commands.hpp"

#include <wskit/tool/inspect.hpp>
#include <wskit/url.hpp>

#include <cstdio>
#include <memory>

namespace wskit::cli {
namespace {

struct InspectCommand {
    std::string url;
    ClientFlags client;
    OutputFlags output;
    int pings = 0;
    std::size_t max_body = 64 * 1024;
    bool show_secrets = false;
    std::string listen;
    std::string socket_mode = "600";
    int respond = 0;
    bool once = false;
    bool h2c = false;
    bool no_http2 = false;
};

// Human sections unless JSON was asked for: on a pipe too, since the
// sections are the product (raw has no meaning here).
RenderOptions render_options(const InspectCommand& c, bool& json) {
    auto printer = c.output.resolve();
    json = printer.format == OutputFormat::json;
    return {printer.color, c.show_secrets};
}

int run_server(const InspectCommand& c) {
    InspectServerOptions o;
    auto address = parse_listen_address(c.listen);
    o.server.host = address.host;
    o.server.port = address.port;
    o.server.unix_path = address.unix_path;
    o.server.socket_mode = socket_mode_bits(c.socket_mode);
    o.server.tls.cert_file = c.client.tls.cert_file;
    o.server.tls.key_file = c.client.tls.key_file;
    o.server.tls.passphrase = c.client.tls.passphrase;
    o.server.verbosity = c.client.verbosity;
    o.server.subprotocols = c.client.subprotocols;  // -s: the subprotocols the server accepts
    o.server.answer_first_offer = c.client.subprotocols.empty();
    if (!c.client.origin.empty()) o.origins = {c.client.origin};  // -o: a site whose pages are let in
    o.respond = c.respond;
    o.once = c.once;
    o.render = render_options(c, o.json);
    return run_inspect_server(o);
}

int run(const InspectCommand& c) {
    if (!c.listen.empty()) return run_server(c);
    InspectOptions o;
    o.client = c.client.resolve(c.url);
    o.follow_redirects = c.client.follow_redirects || c.client.location_trusted;
    o.location_trusted = c.client.location_trusted;
    o.max_redirects = c.client.max_redirects;
    o.pings = c.pings;
    o.max_body = c.max_body;
    o.http2 = c.no_http2 ? InspectOptions::Http2Probe::off
              : c.h2c    ? InspectOptions::Http2Probe::prior_knowledge
                         : InspectOptions::Http2Probe::automatic;
    bool json = false;
    auto render = render_options(c, json);
    for (const auto& hint : c.client.header_hints()) std::fprintf(stderr, "wskit: %s\n", hint.c_str());
    auto report = inspect_server(o);
    auto text = json ? render_json(report, render) : render_human(report, render);
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    if (report.exit != ExitCode::ok && !json) std::fprintf(stderr, "wskit: %s\n", report.error.c_str());
    return to_int(report.exit);
}

}  // namespace

void register_handshake_inspect(CLI::App& app, Context& ctx) {
    auto c = std::make_shared<InspectCommand>();
    auto* sub = add_command(
        ctx, app, "handshake-inspect", "inspect",
        "Check a server's opening handshake, TLS and timing (or, with --listen, what clients send)",
        {"wskit handshake-inspect [OPTIONS] URL | --listen [HOST:]PORT",
         "Connects to URL with the options of connect and reports, in sections: Resolution (every address the "
         "name resolves to, each address tried and the one connected to); Timings (DNS, none for an IP address; "
         "TCP, proxy tunnel, TLS, the time to the 101, total, and with --ping the round trips); TLS (version, cipher, ALPN, SNI, the "
         "certificate chain as the server sent it with SANs, serial, validity and days left, key and signature "
         "algorithm, the verification verdict with its reason, and a stapled OCSP answer); the Request exactly "
         "as sent and the Response exactly as received, with the body of a non-101 answer; then the Checks, each "
         "named by what it looks at and marked pass, warn or fail with what was expected, what came, and the "
         "RFC section: the TCP connection; for wss://, the TLS handshake and the certificate (verified as for "
         "https, RFC 9110 4.3.4); the status (101), the Upgrade header (websocket), the Connection header "
         "(Upgrade), Sec-WebSocket-Accept for the key sent, the subprotocol and the extensions (among those "
         "offered; a warning when a subprotocol was offered and none chosen), the Location of a redirect, the "
         "challenge of a 401 or 407, the Sec-WebSocket-Version of a 426; after the 101, the frames from the "
         "server (well formed) and the close handshake (clean). A failure before the answer fails the step it "
         "happened in, with the exit status of wskit(1)'s rule.\n"
         "For wss:// (and with --h2c for ws://, as cleartext HTTP/2 with prior knowledge), a second connection "
         "then opens the WebSocket as a browser does on an HTTP/2 connection (RFC 8441): the HTTP/2 section shows "
         "what TLS's ALPN chose, the server's SETTINGS, the extended CONNECT as sent (:method CONNECT, :protocol "
         "websocket) and the answer's fields, with their checks (SETTINGS_ENABLE_CONNECT_PROTOCOL, a 2xx status "
         "rather than 101, well-formed fields, no Sec-WebSocket-Accept, the subprotocol and extensions among "
         "those offered), a ping round trip and the close on the stream. The verdict puts both side by side "
         "('HTTP/1.1 upgrade: PASS; HTTP/2 extended CONNECT: FAIL'). A server that does not speak HTTP/2, or "
         "does not enable the extended CONNECT, is reported and not failed: browsers use HTTP/1.1 there. One "
         "that enables it and then fails it fails the inspection with that step's exit status: browsers that "
         "reuse an HTTP/2 connection to the host would fail. --no-http2 skips it.\n"
         "Authorization, Proxy-Authorization, Cookie and Set-Cookie values are masked unless --show-secrets.\n"
         "With --json, one JSON document: type \"handshake\", url, redirects, resolution, timings (milliseconds, "
         "null for a step that did not happen, such as DNS for an IP address), tls (null for ws://), request, response (null when none came), "
         "checks (id, name, verdict, expected, actual, rfc, detail, exit_class), after_open, http2 (null when "
         "not probed), verdict, exit_code and error. Its JSON Schema is docs/schema/handshake-inspect.schema.json in the source tree.\n"
         "With --listen, wskit becomes a server that prints every request it receives (request line and every "
         "header in order, origin, offered subprotocols and extensions, user agent) with the server-side checks "
         "of RFC 6455 section 4.2.1 (GET, HTTP/1.1, Host, Upgrade, Connection, a key of 16 bytes, version 13, "
         "no body), then accepts the connection (answering the client's first subprotocol offer, or with -s its "
         "first offer among those given) and echoes what the client sends, or answers --respond's status. Pages "
         "of other sites are refused with 403, as by listen: only clients without Origin, the server's own "
         "origin and the one given with -o (--origin; '*' for any) are let in. Then comes the answer as it was "
         "written, with the checks a browser makes of it (Upgrade, Connection, the accept value, a subprotocol "
         "among those offered, and one when any was offered, since browsers fail the connection without; for a "
         "refusal, a 426's version or a 401's challenge), and the verdict: FAIL when a check of the request or "
         "of the answer failed. With "
         "--json, one document per request: type \"request\", number, remote, method, resource, version, "
         "headers, offered, origin, user_agent, checks, answer (status and headers), answer_checks, verdict and "
         "answered (the status sent); messages are the JSON events of connect.",
         {{"wskit inspect wss://example.test/socket", "every section and check, with the verdict"},
          {"wskit inspect --ping 5 --json ws://127.0.0.1:9000/ | jq .timings", "timings and five ping round trips"},
          {"wskit inspect -L -H 'Cookie: s=1' https://example.test/ws", "follow redirects, send a cookie"},
          {"wskit inspect --listen 9000", "show what browsers and apps send to ws://127.0.0.1:9000/"},
          {"wskit inspect --listen 9000 --respond 403 --once", "see how a client copes with a refusal"}},
         {{ExitCode::ok, "every check passed (warnings allowed); with --listen, stopped by --once"},
          {ExitCode::runtime, {}},
          {ExitCode::usage, {}},
          {ExitCode::connect, "could not connect (DNS, refused, unreachable, or no TCP connection within --connect-timeout)"},
          {ExitCode::tls, "TLS failed: the certificate was not verified, or the TLS handshake failed"},
          {ExitCode::handshake, "a handshake check failed: not 101, a wrong accept value, bad negotiation; or the "
                                "answer was not HTTP (a TLS port reached with ws://), or none came before the server "
                                "closed"},
          {ExitCode::abnormal_close, "after the 101: a malformed frame, or no clean close"},
          {ExitCode::timeout, "connected, but the TLS handshake or the answer to the upgrade request (its whole head) "
                              "did not complete within --connect-timeout; or a ping without its pong"},
          {ExitCode::interrupted, "--listen: stopped by SIGINT"},
          {ExitCode::terminated, "--listen: stopped by SIGTERM"}},
         /*reads_input=*/false});
    add_option(ctx, *sub, "url", c->url, "ws://, wss://, http(s):// or host:port/path", {}, Complete::url)
        ->option_text("URL");
    add_client_options(ctx, *sub, c->client);
    add_output_options(ctx, *sub, c->output);
    add_option(ctx, *sub, "--ping", c->pings, "After the handshake, measure N ping round trips (min/median/max)", {},
               Complete::number)
        ->check(CLI::Range(0, 1000))->option_text("N");
    add_option(ctx, *sub, "--max-body", c->max_body,
               "Show at most BYTES of a non-101 response's body (default and most: 64 KiB)",
               "Show at most BYTES of the body of a non-101 response (default 65536, which is also the most read). "
               "Bodies with a Content-Length, chunked bodies and bodies delimited by the end of the connection are "
               "all read.",
               Complete::number)
        ->check(count_validator())->option_text("BYTES");
    add_flag(ctx, *sub, "--h2c", c->h2c,
             "Probe ws:// over cleartext HTTP/2 too (prior knowledge), as wss:// is over ALPN h2");
    add_flag(ctx, *sub, "--no-http2", c->no_http2, "Do not probe HTTP/2 (RFC 8441) after the HTTP/1.1 handshake")
        ->excludes("--h2c");
    add_flag(ctx, *sub, "--show-secrets", c->show_secrets,
             "Show Authorization, Proxy-Authorization and cookie values instead of masking them");
    add_option(ctx, *sub, "--listen", c->listen,
               "Be a server on [HOST:]PORT (or unix:PATH) and inspect the handshakes clients send", {}, Complete::text)
        ->option_text("[HOST:]PORT");
    add_socket_mode(ctx, *sub, c->socket_mode);
    add_option(ctx, *sub, "--respond", c->respond,
               "With --listen: answer every valid handshake with STATUS (401, 403, 426...) instead of 101", {},
               Complete::number)
        ->check(CLI::Range(200, 599))->option_text("STATUS");
    add_flag(ctx, *sub, "--once", c->once, "With --listen: exit after the first request (and its connection)");
    ctx.checks.emplace_back(sub, [c] {
        if (c->output.raw || c->output.output == "raw")
            throw CLI::ValidationError("handshake-inspect writes human sections or JSON; --raw has no meaning here");
        if (c->listen.empty() && c->url.empty()) throw CLI::ValidationError("give a URL to inspect, or --listen [HOST:]PORT");
        if (!c->listen.empty() && !c->url.empty())
            throw CLI::ValidationError("give either a URL (inspect a server) or --listen (inspect clients), not both");
        if (c->listen.empty() && (c->respond || c->once))
            throw CLI::ValidationError("--respond and --once go with --listen");
    });
    sub->callback([c, &ctx] { ctx.run = [c] { return run(*c); }; });
}

}  // namespace wskit::cli
