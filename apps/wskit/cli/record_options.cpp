// --record and --record-secrets: a session as a file (see record.hpp).
#include "cli.hpp"

namespace wskit::cli {

void add_record_options(Context& ctx, CLI::App& app, RecordFlags& f) {
    add_option(ctx, app, "--record", f.path, "Record every event to FILE: NDJSON as --json, or HAR when FILE ends in .har",
               "Record the session to FILE, created with mode 600: every event (each connection's open with its "
               "handshake request and response, messages both ways, pings and pongs, closes, errors) as NDJSON in "
               "the schema of --json, written as it happens so that a killed process loses at most the last line; "
               "its first line is a \"record\" event naming the role (client, server or proxy). When FILE ends in "
               ".har, a HAR 1.2 archive in the form Chromium's devtools export instead: an entry per connection "
               "seen from its client (a proxy's client leg), the upgrade as request and response, the messages in "
               "_webSocketMessages (binary data in base64), the close in _webSocketClose; it is kept in memory and "
               "written at the end (also on SIGINT and SIGTERM) to a temporary file renamed over FILE, never left "
               "half-written. Authorization, Proxy-Authorization, Cookie and Set-Cookie values and secret-looking "
               "query parameters (token, access_token, key, password, sig...) are written as [hidden] unless "
               "--record-secrets.",
               Complete::file)
        ->option_text("FILE");
    add_flag(ctx, app, "--record-secrets", f.secrets,
             "With --record: keep Authorization, cookies and tokens in the recording as they are");
    ctx.checks.emplace_back(&app, [&f] {
        if (f.secrets && f.path.empty()) throw CLI::ValidationError("--record-secrets goes with --record FILE");
    });
}

std::optional<RecordOptions> RecordFlags::resolve(RecordRole role) const {
    if (path.empty()) return std::nullopt;
    return RecordOptions{path, role, secrets};
}

}  // namespace wskit::cli
