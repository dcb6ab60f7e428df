// A client's handshake and connection options (connect, inspect, bench).
#include "cli.hpp"
#include "cli/shared.hpp"

#include <wskit/encoding.hpp>
#include <wskit/error.hpp>
#include <wskit/url.hpp>

#include <fmt/format.h>

#include <cctype>
#include <cstdio>

namespace wskit::cli {

void add_header_option(Context& ctx, CLI::App& app, ClientFlags& f) {
    add_option(ctx, app, "-H,--header", f.headers, "Add a request header 'Name: value' (repeatable)", {},
               Complete::text)
        ->allow_extra_args(false)  // one value each time: "-H 'A: 1' 9000 URL" leaves 9000 to the address
        ->option_text("HEADER");
}

void add_proxy_option(Context& ctx, CLI::App& app, ClientFlags& f) {
    add_option(ctx, app, "--proxy", f.proxy,
               "Connect through this proxy: http://, socks5:// or socks5h://[user:pass@]host:port",
               "Connect through a proxy. http:// is an HTTP proxy (CONNECT method; user:pass@ is sent as "
               "Proxy-Authorization). socks5:// is a SOCKS5 proxy (RFC 1928; user:pass@ as RFC 1929 "
               "username/password) to which the target's address, resolved here, is sent; socks5h:// sends "
               "the host name for the proxy to resolve. The port defaults to 1080, as in curl. TLS to a wss:// "
               "server runs through the tunnel and verifies the server's name. Without --proxy, https_proxy "
               "(wss), http_proxy (ws) and all_proxy are honoured with any of these schemes, and no_proxy lists "
               "hosts to reach directly, as curl does (upper-case forms too, except HTTP_PROXY).",
               Complete::url)->option_text("URL");
}

void add_unix_socket_option(Context& ctx, CLI::App& app, ClientFlags& f) {
    add_option(ctx, app, "--unix-socket", f.unix_socket, "Connect to this Unix-domain socket instead of the URL's host",
               "Connect to the Unix-domain socket at PATH instead of the URL's host and port, as curl's "
               "--unix-socket: the URL still gives the Host header, the path and, with wss://, the name the "
               "server's certificate is checked against. The same as a ws+unix://PATH:/path URL (wss+unix:// for "
               "TLS), whose Host header is localhost. No proxy is used.",
               Complete::file)->option_text("PATH");
}

void add_handshake_options(Context& ctx, CLI::App& app, ClientFlags& f) {
    add_header_option(ctx, app, f);
    add_option(ctx, app, "-s,--subprotocol", f.subprotocols, "Offer a subprotocol (repeatable, in preference order)",
               {}, Complete::text)
        ->allow_extra_args(false)  // one value each time: "-s chat URL" leaves URL to the URL
        ->option_text("NAME");
    add_option(ctx, app, "-o,--origin", f.origin, "Send this Origin header", {}, Complete::url)->option_text("ORIGIN");
    add_option(ctx, app, "--auth", f.auth, "Basic authentication as user:pass (also ws://user:pass@host/)", {},
               Complete::text)->option_text("USER:PASS");
    add_option(ctx, app, "--user-agent", f.user_agent, "User-Agent header (default: wskit/VERSION)", {},
               Complete::text)->option_text("TEXT");
    add_option(ctx, app, "--host", f.host_header, "Override the Host header", {}, Complete::text)->option_text("HOST");
}

void add_connect_timeout_option(Context& ctx, CLI::App& app, ClientFlags& f) {
    add_option(ctx, app, "--connect-timeout", f.connect_timeout,
               "Seconds allowed for TCP, TLS and the upgrade together (default 10)", {}, Complete::number)
        ->check(positive_seconds_validator())->option_text("SECS");
}

void add_max_size_option(Context& ctx, CLI::App& app, ClientFlags& f, const std::string& help) {
    add_option(ctx, app, "--max-size", f.max_size, help, {}, Complete::number)
        ->check(count_validator())->option_text("BYTES");
}

void add_compress_option(Context& ctx, CLI::App& app, ClientFlags& f) {
    add_flag(ctx, app, "--compress", f.compress,
             "Offer permessage-deflate; --compress=PARAMS chooses the offer's parameters",
             "Offer permessage-deflate compression (RFC 7692). The default offer is client_max_window_bits. "
             "--compress=PARAMS adds parameters, comma-separated: server_no_context_takeover, "
             "client_no_context_takeover, server_max_window_bits=N, client_max_window_bits=N (N from 8 to 15). "
             "An answer outside the offer (an unknown parameter, a value out of range, a larger window than "
             "offered) fails the handshake with exit 5. --max-size limits the inflated size of a message.")
        ->option_text("[=PARAMS]");
}

void add_client_options(Context& ctx, CLI::App& app, ClientFlags& f) {
    add_handshake_options(ctx, app, f);
    add_connect_timeout_option(ctx, app, f);
    add_max_size_option(ctx, app, f, "Largest incoming message in bytes (default 16 MiB); larger closes with 1009, exit 6");
    add_compress_option(ctx, app, f);
    add_flag(ctx, app, "-v,--verbose", f.verbosity,
             "Show the connection steps and the handshake on stderr (curl -v); -vv adds every frame",
             "Print on stderr what curl -v prints: the name resolution and every address tried, the TCP "
             "connection, the proxy exchange (HTTP CONNECT or SOCKS5), the TLS version, cipher, ALPN and the "
             "server certificate's subject, issuer and dates, then the handshake request and response headers "
             "('* ' for steps, '> ' sent, '< ' received, with the body of a non-101 response). Given twice, also "
             "every frame sent and received, decoded (opcode, FIN, RSV1-3, mask, length, a short escaped "
             "preview of the payload), and websocketpp's error diagnostics.");
    add_client_tls_options(ctx, app, f, /*short_n_alias=*/true);
    add_proxy_option(ctx, app, f);
    add_unix_socket_option(ctx, app, f);
    add_flag(ctx, app, "-L,--location", f.follow_redirects,
             "Follow 301/302/303/307/308 redirects on the handshake",
             "Follow 301, 302, 303, 307 and 308 redirects on the handshake, as curl -L does. Credentials are "
             "meant for the origin (scheme, host and port) of the URL given: on a redirect to another origin the "
             "Authorization and Cookie headers, --auth and the URL's user:password are not sent (-v says so), and "
             "a redirect from wss:// to ws:// is refused (exit 5), since the connection would no longer be "
             "encrypted; --location-trusted allows both.");
    add_flag(ctx, app, "--location-trusted", f.location_trusted,
             "Like -L, but send credentials to any origin, and follow wss:// to ws://",
             "Like -L, --location, but the Authorization and Cookie headers, --auth and the URL's user:password "
             "go wherever the redirects lead, and a redirect from wss:// to ws:// is followed, as with curl "
             "--location-trusted: only for servers you trust with them.");
    add_option(ctx, app, "--max-redirects", f.max_redirects, "Most redirects -L follows (default 10)", {},
               Complete::number)
        ->check(count_validator())->option_text("N");
}

void add_http2_options(Context& ctx, CLI::App& app, ClientFlags& f) {
    add_flag(ctx, app, "--http2", f.http2, "Open WebSockets on HTTP/2 streams (RFC 8441), as browsers can (wss://)",
             "Open the WebSocket as a browser does on an HTTP/2 connection: TLS offers ALPN h2, the server's "
             "SETTINGS must enable the extended CONNECT (SETTINGS_ENABLE_CONNECT_PROTOCOL, RFC 8441), and the "
             "WebSocket is a CONNECT stream with :protocol websocket, answered 200 rather than 101. A server that "
             "chooses HTTP/1.1, or does not enable the extended CONNECT, fails with exit 5: without --http2 the "
             "same URL is tried over HTTP/1.1. --compress works as over HTTP/1.1. With connect, -v shows the "
             "HTTP/2 frames of the handshake (not DATA or WINDOW_UPDATE) and the header fields, and -L follows a "
             "3xx answer to the CONNECT on a new HTTP/2 connection (never from wss:// to ws://, which has no TLS "
             "to agree on HTTP/2); with bench, the connections are streams of a few HTTP/2 connections "
             "(--streams-per-connection). For ws://, use --http2-prior-knowledge.");
    add_flag(ctx, app, "--http2-prior-knowledge", f.http2_prior_knowledge,
             "Like --http2, for ws://: HTTP/2 without TLS (h2c), without asking first",
             "Like --http2, but speak HTTP/2 at once, without TLS's ALPN to agree on it: for ws:// URLs, to a "
             "server known to speak cleartext HTTP/2 (h2c with prior knowledge, RFC 9113 3.3), as curl's "
             "--http2-prior-knowledge. A server that answers in HTTP/1.1 fails with exit 5.");
}

ClientOptions ClientFlags::resolve(const std::string& url_text) const {
    ClientOptions c;
    c.url = parse_url(url_text);
    if (!unix_socket.empty()) use_unix_socket(c.url, unix_socket);
    for (const auto& h : headers) c.headers.push_back(parse_header(h));
    c.subprotocols = subprotocols;
    c.origin = origin;
    c.auth = auth;
    if (!user_agent.empty()) c.user_agent = user_agent;
    c.host_header = host_header;
    c.open_timeout = std::chrono::milliseconds(static_cast<long long>(connect_timeout * 1000));
    c.max_message_size = max_size;
    // A flag given without a value reads as "true".
    if (!compress.empty()) c.compress = parse_compress_option(compress == "true" ? "" : compress);
    c.verbosity = verbosity;
    c.tls = tls;
    c.proxy = proxy;
    c.http2 = http2 || http2_prior_knowledge;
    if (http2 && !c.url.secure)
        throw Error(ExitCode::usage, "--http2 agrees on HTTP/2 through TLS (ALPN): for a ws:// URL use "
                                     "--http2-prior-knowledge");
    // Said before anything starts (a proxy would answer every client 502).
    if (auto problem = route_problem(c); !problem.empty()) throw Error(ExitCode::usage, problem);
    return c;
}

namespace {

bool same_name(const std::string& a, const std::string& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

std::string trim(const std::string& s) {
    auto first = s.find_first_not_of(" \t");
    if (first == std::string::npos) return {};
    return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

}  // namespace

void ClientFlags::print_warnings(const ClientOptions& resolved) const {
    if (resolved.tls.insecure && resolved.url.secure)
        std::fprintf(stderr, "wskit: warning: --insecure: the server's certificate is not verified\n");
    for (const auto& hint : header_hints()) std::fprintf(stderr, "wskit: %s\n", hint.c_str());
}

std::vector<std::string> ClientFlags::header_hints() const {
    std::vector<std::string> hints;
    for (const auto& text : headers) {
        Header h;
        try {
            h = parse_header(text);
        } catch (const Error&) {
            continue;  // resolve() reports it
        }
        if (same_name(h.name, "Sec-WebSocket-Protocol")) {
            std::string flags;
            std::size_t start = 0;
            while (start <= h.value.size()) {
                auto comma = std::min(h.value.find(',', start), h.value.size());
                auto name = trim(h.value.substr(start, comma - start));
                if (!name.empty()) flags += (flags.empty() ? "-s " : " -s ") + name;
                start = comma + 1;
            }
            if (flags.empty()) continue;
            hints.push_back("warning: -H " + in_quotes(text) + ": use " + escape_controls(flags) +
                            " to offer a subprotocol (the header is sent as given)");
        } else if (same_name(h.name, "Sec-WebSocket-Extensions")) {
            hints.push_back("warning: -H " + in_quotes(text) +
                            ": wskit does not run extensions offered by hand; if the server accepts one, "
                            "the messages it transforms cannot be read (the header is sent as given; "
                            "--compress offers permessage-deflate and replaces it)");
        }
    }
    return hints;
}

}  // namespace wskit::cli
