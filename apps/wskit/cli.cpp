#include "cli.hpp"

#include <wskit/error.hpp>
#include <wskit/url.hpp>

#include <cstdlib>
#include <unistd.h>

namespace wskit::cli {

CLI::App* add_command(Context& ctx, CLI::App& parent, const std::string& name, const std::string& alias,
                      const std::string& help, CommandDoc doc) {
    auto* sub = parent.add_subcommand(name, help);
    if (!alias.empty()) sub->alias(alias);
    ctx.command_docs[sub] = std::move(doc);
    return sub;
}

// --- output -----------------------------------------------------------------

void add_output_options(Context& ctx, CLI::App& app, OutputFlags& f) {
    add_option(ctx, app, "--output", f.output, "Output format: human, raw, json (default: human on a TTY, raw otherwise)",
               "Output format. human: '< ' for incoming and '> ' for outgoing messages, binary as a hex dump, "
               "system lines dimmed. raw: message payloads only, one per line (binary written as is). json: one "
               "JSON object per event (NDJSON). Default: human when stdout is a terminal, raw otherwise.",
               Complete::choices, {"auto", "human", "raw", "json"});
    add_flag(ctx, app, "--raw", f.raw, "Same as --output raw");
    add_flag(ctx, app, "--json", f.json, "Same as --output json");
    add_option(ctx, app, "--color", f.color, "Color: auto, always, never (auto: only on a TTY without NO_COLOR)",
               "When to color human output. auto colors only when stdout is a terminal and NO_COLOR is not set.",
               Complete::choices, {"auto", "always", "never"});
    add_flag(ctx, app, "--timestamps", f.timestamps, "Prefix human output lines with the local time");
    add_flag(ctx, app, "--pretty", f.pretty, "Pretty-print JSON payloads in human output");
    add_flag(ctx, app, "-P,--show-ping-pong", f.show_control, "Show ping, pong and close frames in human output");
}

PrinterOptions OutputFlags::resolve() const {
    PrinterOptions p;
    bool tty = ::isatty(STDOUT_FILENO) == 1;
    std::string format = json ? "json" : raw ? "raw" : output;
    if (format == "auto") format = tty ? "human" : "raw";
    p.format = format == "json" ? OutputFormat::json : format == "raw" ? OutputFormat::raw : OutputFormat::human;
    const char* no_color = std::getenv("NO_COLOR");
    bool no_color_set = no_color && *no_color;
    p.color = color == "always" || (color == "auto" && tty && !no_color_set);
    p.timestamps = timestamps;
    p.pretty = pretty;
    p.show_control = show_control;
    return p;
}

// --- input ------------------------------------------------------------------

void add_input_options(Context& ctx, CLI::App& app, InputFlags& f) {
    auto* null = add_flag(ctx, app, "-0,--null", f.null, "Input messages end with NUL instead of a newline");
    auto* para = add_flag(ctx, app, "--paragraph", f.paragraph,
                          "Input messages are separated by blank lines (paste pretty-printed JSON)");
    auto* whole = add_flag(ctx, app, "--whole", f.whole, "Send all of stdin as one message");
    null->excludes(para)->excludes(whole);
    para->excludes(whole);
    auto* bin = add_flag(ctx, app, "--binary", f.binary, "Send input as binary frames");
    auto* hex = add_flag(ctx, app, "--hex", f.hex, "Decode each input message from hex; send binary");
    auto* b64 = add_flag(ctx, app, "--base64", f.base64, "Decode each input message from base64; send binary");
    bin->excludes(hex)->excludes(b64);
    hex->excludes(b64);
    add_flag(ctx, app, "--slash", f.slash, "Run slash commands (/ping, /close...) in piped input too",
             "Interpret lines starting with / as slash commands when stdin is not a terminal, as the interactive "
             "mode does: /ping [data], /pong [data], /close [code [reason]], /bin HEX, /quit, /help; //x sends /x.");
}

InputFraming InputFlags::framing() const {
    if (null) return InputFraming::null;
    if (paragraph) return InputFraming::paragraph;
    if (whole) return InputFraming::whole;
    return InputFraming::lines;
}

InputEncoding InputFlags::encoding() const {
    if (hex) return InputEncoding::hex;
    if (base64) return InputEncoding::base64;
    if (binary) return InputEncoding::binary;
    return InputEncoding::text;
}

// --- TLS identity ---------------------------------------------------------------

namespace {

// --cert and --key, for a client's certificate or a server's.
void add_tls_identity(Context& ctx, CLI::App& app, TlsOptions& tls, const std::string& cert_help) {
    add_option(ctx, app, "--cert", tls.cert_file, cert_help, {}, Complete::file)->option_text("FILE");
    add_option(ctx, app, "--key", tls.key_file, "PEM private key for --cert", {}, Complete::file)->option_text("FILE");
}

}  // namespace

// --- client -----------------------------------------------------------------

void add_client_options(Context& ctx, CLI::App& app, ClientFlags& f) {
    add_option(ctx, app, "-H,--header", f.headers, "Add a request header 'Name: value' (repeatable)", {},
               Complete::text)->option_text("HEADER");
    add_option(ctx, app, "-s,--subprotocol", f.subprotocols, "Offer a subprotocol (repeatable, in preference order)",
               {}, Complete::text)->option_text("NAME");
    add_option(ctx, app, "-o,--origin", f.origin, "Send this Origin header", {}, Complete::url)->option_text("ORIGIN");
    add_option(ctx, app, "--auth", f.auth, "Basic authentication as user:pass (also ws://user:pass@host/)", {},
               Complete::text)->option_text("USER:PASS");
    add_option(ctx, app, "--user-agent", f.user_agent, "User-Agent header (default: wskit/VERSION)", {},
               Complete::text)->option_text("TEXT");
    add_option(ctx, app, "--host", f.host_header, "Override the Host header", {}, Complete::text)->option_text("HOST");
    add_option(ctx, app, "--connect-timeout", f.connect_timeout,
               "Seconds allowed for TCP, TLS and the upgrade together (default 10)", {}, Complete::number)
        ->check(CLI::PositiveNumber)->option_text("SECS");
    add_option(ctx, app, "--max-size", f.max_size,
               "Largest incoming message in bytes (default 16 MiB); larger closes with 1009, exit 6", {},
               Complete::number)->option_text("BYTES");
    add_flag(ctx, app, "-v,--verbose", f.verbosity,
             "Show the handshake on stderr; -vv adds frames and library diagnostics",
             "Print the handshake request and response headers on stderr, curl -v style ('> ' sent, '< ' "
             "received, with the body of a non-101 response). Given twice, also frame headers and websocketpp's "
             "own diagnostics.");
    add_option(ctx, app, "--ca,--cacert", f.tls.ca_file, "Trust the CA certificates in this PEM file", {},
               Complete::file)->option_text("FILE");
    add_tls_identity(ctx, app, f.tls, "PEM certificate chain (client certificate)");
    add_option(ctx, app, "--passphrase", f.tls.passphrase, "Passphrase of an encrypted --key", {}, Complete::text)->option_text("TEXT");
    add_flag(ctx, app, "-k,--insecure,-n,--no-check", f.tls.insecure,
             "Do not verify the server's certificate (a warning is printed)");
    add_option(ctx, app, "--tls-min", f.tls.min_version, "Lowest TLS version: 1.2 (default) or 1.3", {},
               Complete::choices, {"1.2", "1.3"});
    add_option(ctx, app, "--proxy", f.proxy, "Connect through this HTTP proxy (CONNECT): http://[user:pass@]host:port",
               "Connect through an HTTP proxy with the CONNECT method; user:pass@ in the proxy URL is sent as "
               "Proxy-Authorization. Without --proxy, https_proxy (wss), http_proxy (ws) and all_proxy are "
               "honoured, and no_proxy lists hosts to reach directly, as curl does (upper-case forms too, except "
               "HTTP_PROXY).",
               Complete::url)->option_text("URL");
    add_flag(ctx, app, "-L,--location", f.follow_redirects,
             "Follow 301/302/303/307/308 redirects on the handshake");
    add_option(ctx, app, "--max-redirects", f.max_redirects, "Most redirects -L follows (default 10)", {},
               Complete::number)
        ->check(CLI::NonNegativeNumber)->option_text("N");
}

ClientOptions ClientFlags::resolve(const std::string& url_text) const {
    ClientOptions c;
    c.url = parse_url(url_text);
    for (const auto& h : headers) c.headers.push_back(parse_header(h));
    c.subprotocols = subprotocols;
    c.origin = origin;
    c.auth = auth;
    if (!user_agent.empty()) c.user_agent = user_agent;
    c.host_header = host_header;
    c.open_timeout = std::chrono::milliseconds(static_cast<long long>(connect_timeout * 1000));
    c.max_message_size = max_size;
    c.verbosity = verbosity;
    c.tls = tls;
    c.proxy = proxy;
    return c;
}

// --- server -----------------------------------------------------------------

void add_server_options(Context& ctx, CLI::App& app, ServerFlags& f, const std::string& default_port) {
    f.address = default_port;
    add_option(ctx, app, "address", f.address,
               "[HOST:]PORT to listen on (default " + default_port + "; port 0 picks a free one)",
               "The address to listen on, as [HOST:]PORT. The host defaults to 127.0.0.1 (loopback only); use "
               "0.0.0.0 or :: to accept connections from other machines. Port 0 picks a free port; the real URL "
               "is printed on stderr as 'listening on ws://HOST:PORT/'.",
               Complete::text)->option_text("[HOST:]PORT");
    add_option(ctx, app, "--host", f.host, "Host to bind, like 0.0.0.0 or :: (default 127.0.0.1)", {}, Complete::text)->option_text("HOST");
    add_option(ctx, app, "--max-size", f.max_size,
               "Largest incoming message in bytes (default 16 MiB); larger closes with 1009", {}, Complete::number)->option_text("BYTES");
    add_option(ctx, app, "--max-clients", f.max_clients,
               "Most clients at once (default: no limit); more get HTTP 503", {}, Complete::number)->option_text("N");
    add_option(ctx, app, "--max-backlog", f.max_backlog,
               "Unsent bytes a client may hold for 10 s before it is closed with 1008 (default: --max-size + 16 MiB)",
               "Bounds what the server holds for a client that does not read. Above 1 MiB of unsent data the "
               "server stops reading from the client (TCP then slows its sending) and resumes below 256 KiB; a "
               "client whose unsent data stays above BYTES for 10 s is closed with 1008 (policy violation) and "
               "dropped if it does not read the close either. Default: --max-size plus 16 MiB, room for one "
               "largest message. A value below 1 MiB also lowers the mark where reading stops.",
               Complete::number)->option_text("BYTES");
    add_flag(ctx, app, "-v,--verbose", f.verbosity, "-vv: frame headers and library diagnostics on stderr");
    add_tls_identity(ctx, app, f.tls, "Serve wss:// with this PEM certificate chain");
}

ServerOptions ServerFlags::resolve() const {
    ServerOptions s;
    auto addr = parse_listen_address(address);
    s.host = host.empty() ? addr.host : host;
    s.port = addr.port;
    s.max_message_size = max_size;
    s.max_clients = max_clients;
    s.backpressure.max_backlog = max_backlog;
    s.verbosity = verbosity;
    s.tls = tls;
    if (!tls.key_file.empty() && tls.cert_file.empty()) throw Error(ExitCode::usage, "--key needs --cert");
    return s;
}

}  // namespace wskit::cli
