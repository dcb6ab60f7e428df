#include "cli.hpp"

#include <wskit/encoding.hpp>
#include <wskit/error.hpp>
#include <wskit/url.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <unistd.h>

namespace wskit::cli {

// --- parsing and usage errors ---------------------------------------------------

namespace {

// Root options (-h, -V) take no value, so the first argument that is not an
// option names the command. CLI11 would take an unknown name for an extra
// argument, and `wskit lisen --help` would print the top help and exit 0.
void check_command_name(const CLI::App& app, const std::vector<std::string>& args) {
    for (const auto& arg : args) {
        if (arg == "--") return;
        if (!arg.empty() && arg[0] == '-') continue;
        std::vector<std::string> suggestions;
        for (const auto* sub : app.get_subcommands([](const CLI::App* a) { return !a->get_name().empty(); })) {
            if (sub->check_name(arg)) return;
            if (sub->get_group().empty()) continue;  // hidden: never suggested
            suggestions.push_back(sub->get_name());
            for (const auto& alias : sub->get_aliases()) suggestions.push_back(alias);
        }
        std::string message = "unknown command '" + escape_controls(arg) + "'";
        auto guess = closest_name(arg, suggestions);
        if (!guess.empty()) message += "; did you mean '" + guess + "'?";
        throw CLI::ParseError(message, CLI::ExitCodes::ExtrasError);
    }
}

// See Context::rest_of_line. The command is the first argument that is not
// an option (as in check_command_name); the option counts only after it and
// before a "--". An option that ends the line is taken out, and its usage
// error returned, for after the command is parsed (so that it names the
// command's --help).
std::string split_rest_of_line(const Context& ctx, std::vector<std::string>& args) {
    auto command = std::find_if(args.begin(), args.end(), [](const std::string& a) { return a.empty() || a[0] != '-'; });
    if (command == args.end()) return {};
    for (const auto& r : ctx.rest_of_line) {
        if (!r.command->check_name(*command)) continue;
        for (auto it = command + 1; it != args.end(); ++it) {
            if (*it == "--") break;
            bool joined = it->rfind(r.option + "=", 0) == 0;
            if (*it != r.option && !joined) continue;
            if (!joined && it + 1 == args.end()) {
                args.erase(it);
                return r.missing;
            }
            auto rest = joined ? it + 1 : std::min(it + 2, args.end());
            r.rest->assign(rest, args.end());
            args.erase(rest, args.end());
            return {};
        }
    }
    return {};
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
    // Optimal string alignment: insertions, deletions, substitutions and
    // swaps of two neighbours ("ecoh" is one step from "echo").
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
    for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[a.size()][b.size()];
}

}  // namespace

std::string closest_name(const std::string& typed, const std::vector<std::string>& names) {
    std::string best;
    std::size_t best_distance = 3;
    for (const auto& name : names) {
        auto d = edit_distance(typed, name);
        // One step per three letters at most, so that "x" does not suggest "c".
        if (d < best_distance && d * 3 <= name.size()) {
            best = name;
            best_distance = d;
        }
    }
    return best;
}

void parse_command_line(CLI::App& app, Context& ctx, std::vector<std::string> args) {
    check_command_name(app, args);
    auto missing_value = split_rest_of_line(ctx, args);
    std::reverse(args.begin(), args.end());  // CLI11 takes the arguments last first
    app.parse(args);
    if (!missing_value.empty()) throw CLI::ParseError(missing_value, CLI::ExitCodes::ArgumentMismatch);
    for (const auto& [command, check] : ctx.checks) {
        if (command->parsed()) check();
    }
}

std::string usage_error_line(const CLI::App& app, std::string message) {
    if (message.empty()) message = "invalid command line";
    // CLI11's messages start with a capital ("The following argument..."); wskit's do not.
    if (message.size() > 1 && std::isupper(static_cast<unsigned char>(message[0])) &&
        (std::islower(static_cast<unsigned char>(message[1])) || message[1] == ' ')) {
        message[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(message[0])));
    }
    std::string command = app.get_name();
    for (const CLI::App* current = &app; current;) {
        const CLI::App* chosen = nullptr;
        for (const auto* sub : current->get_subcommands()) {  // those given on the command line
            if (!sub->get_name().empty()) chosen = sub;
        }
        if (chosen) command += " " + chosen->get_name();
        current = chosen;
    }
    return message + " (see '" + command + " --help')";
}

// --- validators -------------------------------------------------------------------

namespace {

std::string in_quotes(const std::string& value) { return "'" + escape_controls(value) + "'"; }

std::optional<double> parse_seconds(const std::string& text) {
    if (text.empty() || std::isspace(static_cast<unsigned char>(text[0]))) return std::nullopt;
    char* end = nullptr;
    errno = 0;
    double value = std::strtod(text.c_str(), &end);
    if (*end != '\0' || errno == ERANGE || !std::isfinite(value)) return std::nullopt;
    return value;
}

bool is_whole_number(const std::string& text) {
    if (text.empty() || text.size() > 19) return false;  // anything longer overflows 64 bits anyway
    return std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

const CLI::Validator& seconds_validator() {
    static const CLI::Validator v(
        [](std::string& text) -> std::string {
            auto value = parse_seconds(text);
            if (value && *value >= 0) return {};
            return "expects a number of seconds, 0 or more (like 0.5), not " + in_quotes(text);
        },
        "");
    return v;
}

const CLI::Validator& positive_seconds_validator() {
    static const CLI::Validator v(
        [](std::string& text) -> std::string {
            auto value = parse_seconds(text);
            if (value && *value > 0) return {};
            return "expects a number of seconds above 0 (like 2.5), not " + in_quotes(text);
        },
        "");
    return v;
}

const CLI::Validator& count_validator() {
    static const CLI::Validator v(
        [](std::string& text) -> std::string {
            if (is_whole_number(text)) return {};
            return "expects a whole number, 0 or more, not " + in_quotes(text);
        },
        "");
    return v;
}

const CLI::Validator& close_code_validator() {
    static const CLI::Validator v(
        [](std::string& text) -> std::string {
            if (!is_whole_number(text) || text.size() > 6) {
                return "expects a close code (" + std::string(sendable_close_codes()) + "), not " + in_quotes(text);
            }
            auto problem = close_code_problem(std::stoi(text));
            if (problem.empty()) return {};
            return problem + "; use " + sendable_close_codes();
        },
        "");
    return v;
}

const CLI::Validator& close_reason_validator() {
    static const CLI::Validator v(
        [](std::string& text) { return close_reason_problem(text); },
        "");
    return v;
}

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
    ctx.checks.emplace_back(&app, [&f] {
        auto problem = f.conflict();
        if (!problem.empty()) throw CLI::ValidationError(problem);
    });
}

std::string OutputFlags::conflict() const {
    std::vector<std::pair<std::string, std::string>> asked;  // the flag as given, the format it asks for
    if (output != "auto") asked.emplace_back("--output " + output, output);
    if (raw) asked.emplace_back("--raw", "raw");
    if (json) asked.emplace_back("--json", "json");
    for (const auto& other : asked) {
        if (other.second != asked.front().second) {
            return asked.front().first + " and " + other.first + " ask for different output formats; give one";
        }
    }
    return {};
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
std::string read_start_of_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::string text(1u << 20, '\0');  // a PEM bundle is far smaller
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    return text;
}

// --cert and --key, for a client's certificate or a server's.
void add_tls_identity(Context& ctx, CLI::App& app, TlsOptions& tls, const std::string& cert_help) {
    add_option(ctx, app, "--cert", tls.cert_file, cert_help,
               cert_help + ". Without --key, the private key is read from the same file, which must then "
               "hold it too.", Complete::file)->option_text("FILE");
    add_option(ctx, app, "--key", tls.key_file, "PEM private key for --cert", {}, Complete::file)->option_text("FILE");
    ctx.checks.emplace_back(&app, [&tls] {
        bool key_in_cert = !tls.cert_file.empty() && tls.key_file.empty();
        auto problem = tls_identity_problem(tls, key_in_cert ? read_start_of_file(tls.cert_file) : "");
        if (!problem.empty()) throw CLI::ValidationError(problem);
    });
}

}  // namespace

std::string tls_identity_problem(const TlsOptions& tls, const std::string& cert_pem) {
    if (!tls.key_file.empty() && tls.cert_file.empty()) return "--key needs --cert, the certificate the key belongs to";
    // Matches "BEGIN PRIVATE KEY", "BEGIN RSA PRIVATE KEY", "BEGIN ENCRYPTED PRIVATE KEY"...
    if (!tls.cert_file.empty() && tls.key_file.empty() && !cert_pem.empty() &&
        cert_pem.find("PRIVATE KEY-----") == std::string::npos) {
        return "--cert needs --key: " + in_quotes(tls.cert_file) + " holds no private key";
    }
    return {};
}

// --- client -----------------------------------------------------------------

void add_handshake_options(Context& ctx, CLI::App& app, ClientFlags& f) {
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
}

void add_connect_timeout_option(Context& ctx, CLI::App& app, ClientFlags& f) {
    add_option(ctx, app, "--connect-timeout", f.connect_timeout,
               "Seconds allowed for TCP, TLS and the upgrade together (default 10)", {}, Complete::number)
        ->check(positive_seconds_validator())->option_text("SECS");
}

void add_client_tls_options(Context& ctx, CLI::App& app, ClientFlags& f, bool short_n_alias) {
    add_option(ctx, app, "--ca,--cacert", f.tls.ca_file, "Trust the CA certificates in this PEM file", {},
               Complete::file)->option_text("FILE");
    add_tls_identity(ctx, app, f.tls, "PEM certificate chain (client certificate)");
    add_option(ctx, app, "--passphrase", f.tls.passphrase, "Passphrase of an encrypted --key", {}, Complete::text)->option_text("TEXT");
    add_flag(ctx, app, short_n_alias ? "-k,--insecure,-n,--no-check" : "-k,--insecure,--no-check", f.tls.insecure,
             "Do not verify the server's certificate (a warning is printed)");
    add_option(ctx, app, "--tls-min", f.tls.min_version, "Lowest TLS version: 1.2 (default) or 1.3", {},
               Complete::choices, {"1.2", "1.3"});
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
    add_flag(ctx, app, "-L,--location", f.follow_redirects,
             "Follow 301/302/303/307/308 redirects on the handshake");
    add_option(ctx, app, "--max-redirects", f.max_redirects, "Most redirects -L follows (default 10)", {},
               Complete::number)
        ->check(count_validator())->option_text("N");
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
    // A flag given without a value reads as "true".
    if (!compress.empty()) c.compress = parse_compress_option(compress == "true" ? "" : compress);
    c.verbosity = verbosity;
    c.tls = tls;
    c.proxy = proxy;
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

// --- server -----------------------------------------------------------------

namespace {

// "64 KiB", "16 MiB", "1000 bytes": sizes as the help texts say them.
std::string size_text(std::size_t bytes) {
    if (bytes >= (1u << 20) && bytes % (1u << 20) == 0) return fmt::format("{} MiB", bytes >> 20);
    if (bytes >= (1u << 10) && bytes % (1u << 10) == 0) return fmt::format("{} KiB", bytes >> 10);
    return fmt::format("{} bytes", bytes);
}

}  // namespace

void add_server_options(Context& ctx, CLI::App& app, ServerFlags& f, const std::string& default_port,
                        const ServerDefaults& defaults) {
    f.address = default_port;
    f.max_size = defaults.max_size;
    f.max_backlog = defaults.max_backlog;
    f.grace = defaults.grace;
    add_option(ctx, app, "address", f.address,
               "[HOST:]PORT to listen on (default " + default_port + "; port 0 picks a free one)",
               "The address to listen on, as [HOST:]PORT. The host defaults to 127.0.0.1 (loopback only); use "
               "0.0.0.0 or :: to accept connections from other machines. Port 0 picks a free port; the real URL "
               "is printed on stderr as 'listening on ws://HOST:PORT/'.",
               Complete::text)->option_text("[HOST:]PORT");
    add_option(ctx, app, "--host", f.host, "Host to bind, like 0.0.0.0 or :: (default 127.0.0.1)", {}, Complete::text)->option_text("HOST");
    add_option(ctx, app, "--max-size", f.max_size,
               fmt::format("Largest incoming message in bytes (default {}); larger closes with 1009",
                           size_text(defaults.max_size)),
               {}, Complete::number)
        ->check(count_validator())->option_text("BYTES");
    add_option(ctx, app, "--max-clients", f.max_clients,
               "Most clients at once (default: no limit); more get HTTP 503", {}, Complete::number)
        ->check(count_validator())->option_text("N");
    auto grace = fmt::format("{:g} s", defaults.grace.count() / 1000.0);
    auto backlog_default =
        defaults.max_backlog ? size_text(defaults.max_backlog) : std::string("--max-size + 16 MiB");
    auto backlog_reason = defaults.max_backlog
                              ? "Default: " + backlog_default + "."
                              : std::string("Default: --max-size plus 16 MiB, room for one largest message.");
    add_option(ctx, app, "--max-backlog", f.max_backlog,
               fmt::format("Unsent bytes a client may hold for {} before it is closed with 1008 (default: {})", grace,
                           backlog_default),
               fmt::format("Bounds what the server holds for a client that does not read. Above 1 MiB of unsent "
                           "data the server stops reading from the client (TCP then slows its sending) and resumes "
                           "below 256 KiB; a client whose unsent data stays above BYTES for {} is closed with 1008 "
                           "(policy violation) and dropped if it does not read the close either. {} A value below "
                           "1 MiB also lowers the mark where reading stops.",
                           grace, backlog_reason),
               Complete::number)
        ->check(count_validator())->option_text("BYTES");
    add_flag(ctx, app, "--compress", f.compress, "Accept clients' permessage-deflate offers",
             "Accept a client's permessage-deflate offer (RFC 7692): the first one the server can meet. The "
             "server compresses without context takeover (server_no_context_takeover), so that an idle "
             "connection keeps no compressor; --max-size limits the inflated size of a message.");
    add_flag(ctx, app, "-v,--verbose", f.verbosity, "-vv: frame headers and library diagnostics on stderr");
    add_tls_identity(ctx, app, f.tls, "Serve wss:// with this PEM certificate chain");
}

// --- access -------------------------------------------------------------------

void add_access_options(Context& ctx, CLI::App& app, AccessFlags& f, const std::string& token_note) {
    add_option(ctx, app, "--origin", f.origins, "Also let in browsers' pages from ORIGIN (repeatable; '*': any page)",
               "Also let in WebSocket connections from pages of ORIGIN, like https://app.example.test (scheme, host "
               "and port, as browsers send it in the Origin header; compared without case); repeat it for more, or "
               "give '*' to let in every page. Without it, only the server's own pages (whose Origin is the address "
               "they connect to, as in the Host header) and clients that send no Origin (terminals, scripts, apps) "
               "may connect: a page of another site, or a file:// page (Origin: null), is refused with 403 before "
               "the upgrade, and a line on stderr names its origin. Otherwise any page a browser on this machine "
               "visits could talk to the server in the background (cross-site WebSocket hijacking).",
               Complete::url)
        ->allow_extra_args(false)  // one value each time: "--origin X 9000" leaves 9000 to the address
        ->option_text("ORIGIN");
    auto long_help =
        "Require SECRET from every client, as ?token=SECRET in the URL or an 'Authorization: Bearer SECRET' "
        "header; others are refused with 401 before the upgrade, with a line on stderr. After 5 wrong tokens "
        "from one address (one IPv6 /64), each further one shuts it out for 1 s, then 2, 4... up to 60 s, during "
        "which its requests get 429 with Retry-After: a secret cannot be guessed at network speed. The count "
        "starts afresh after the right token, or 10 minutes without a wrong one. Anyone who can list the "
        "server's processes can read SECRET from the command line." +
        (token_note.empty() ? std::string() : " " + token_note);
    add_option(ctx, app, "--token", f.token, "Require SECRET, as ?token=SECRET or Authorization: Bearer SECRET",
               long_help, Complete::text)
        ->option_text("SECRET");
}

AccessPolicy AccessFlags::resolve() const {
    AccessPolicy p;
    p.origins = origins;
    p.token = token;
    return p;
}

ServerOptions ServerFlags::resolve() const {
    ServerOptions s;
    auto addr = parse_listen_address(address);
    s.host = host.empty() ? addr.host : host;
    s.port = addr.port;
    s.max_message_size = max_size;
    if (compress) s.compress = DeflatePolicy{};
    s.max_clients = max_clients;
    s.backpressure.max_backlog = max_backlog;
    s.backpressure.grace = grace;
    s.verbosity = verbosity;
    s.tls = tls;
    return s;
}

}  // namespace wskit::cli
