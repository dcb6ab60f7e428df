// A server's options: address, limits, TLS, -v; and who may connect
// (--origin, --token).
#include "cli.hpp"
#include "cli/shared.hpp"

#include <wskit/encoding.hpp>
#include <wskit/error.hpp>
#include <wskit/url.hpp>

#include <fmt/format.h>

namespace wskit::cli {

namespace {

// "64 KiB", "16 MiB", "1000 bytes": sizes as the help texts say them.
std::string size_text(std::size_t bytes) {
    if (bytes >= (1u << 20) && bytes % (1u << 20) == 0) return fmt::format("{} MiB", bytes >> 20);
    if (bytes >= (1u << 10) && bytes % (1u << 10) == 0) return fmt::format("{} KiB", bytes >> 10);
    return fmt::format("{} bytes", bytes);
}

}  // namespace

void add_socket_mode(Context& ctx, CLI::App& app, std::string& mode) {
    add_option(ctx, app, "--socket-mode", mode, "With unix:PATH: the socket file's permissions, octal (default 600)",
               "With a unix:PATH address: the permissions of the socket file, in octal like chmod's (default 600: "
               "only its owner may connect; 660 lets the group in too). The file is made with them from the start, "
               "whatever the umask, and removed when the server exits. A socket file left by a server that is gone "
               "is replaced; one that a server still listens on, or a file that is not a socket, is an error (exit "
               "1).",
               Complete::text)
        ->check([](const std::string& text) {
            try {
                socket_mode_bits(text);
                return std::string();
            } catch (const Error&) {
                return std::string("expected octal permissions like 600 or 0660");
            }
        })
        ->option_text("MODE");
}

unsigned socket_mode_bits(const std::string& mode) {
    unsigned bits = 0;
    bool octal = !mode.empty() && mode.size() <= 4;
    for (char c : mode) {
        if (c < '0' || c > '7') octal = false;
        bits = bits * 8 + static_cast<unsigned>(c - '0');
    }
    if (!octal || bits > 0777)
        throw Error(ExitCode::usage, fmt::format("--socket-mode '{}': expected octal permissions like 600 or 0660",
                                                 escape_controls(mode)));
    return bits;
}

void add_server_options(Context& ctx, CLI::App& app, ServerFlags& f, const std::string& default_port,
                        const ServerDefaults& defaults) {
    f.address = default_port;
    f.max_size = defaults.max_size;
    f.max_backlog = defaults.max_backlog;
    f.grace = defaults.grace;
    add_option(ctx, app, "address", f.address,
               "[HOST:]PORT or unix:PATH to listen on (default " + default_port + "; port 0 picks a free one)",
               "The address to listen on, as [HOST:]PORT. The host defaults to 127.0.0.1 (loopback only); use "
               "0.0.0.0 or :: to accept connections from other machines. Port 0 picks a free port; the real URL "
               "is printed on stderr as 'listening on ws://HOST:PORT/'. unix:PATH listens on a Unix-domain socket "
               "instead (see --socket-mode); clients reach it as ws+unix://PATH:/ and are named by their user and "
               "process ids (unix:uid=1000,pid=4242) where an address would be.",
               Complete::text)->option_text("[HOST:]PORT");
    add_socket_mode(ctx, app, f.socket_mode);
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
    if (!addr.unix_path.empty() && !host.empty())
        throw Error(ExitCode::usage, "--host has no meaning with a unix:PATH address");
    s.host = host.empty() ? addr.host : host;
    s.port = addr.port;
    s.unix_path = addr.unix_path;
    s.socket_mode = socket_mode_bits(socket_mode);
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
