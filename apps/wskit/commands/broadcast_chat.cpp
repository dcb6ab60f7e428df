// wskit broadcast-chat: chat rooms for terminals and browsers.
#include "commands.hpp"

#include <wskit/chat_server.hpp>

#include <cmath>
#include <memory>

namespace wskit::cli {
namespace {

// A chat client holds little: messages are small (64 KiB at most), and one
// that stops reading is dropped after 5 s over 4 MiB unsent (room for a
// newcomer's whole history at the largest size on a slow link), so that
// whatever the others send, a stalled reader costs a bounded amount.
const ServerDefaults chat_defaults{64u << 10, 4u << 20, std::chrono::milliseconds(5000)};

struct ChatCommand {
    ServerFlags server;
    OutputFlags output;
    std::size_t history = 50;
    double rate = 10;
    std::vector<std::string> origins;
    std::string token;
    double ping_interval = 30;
    double handshake_timeout = 5;
    std::size_t history_memory = chat::HubOptions{}.history_memory;
    std::string redis;
    double redis_timeout = 3;
};

std::chrono::milliseconds millis(double seconds) {
    return std::chrono::milliseconds(static_cast<long long>(std::llround(seconds * 1000)));
}

int run(const ChatCommand& c) {
    ChatOptions o;
    o.server = c.server.resolve();
    o.server.handshake_timeout = millis(c.handshake_timeout);
    o.output = c.output.resolve();
    // The transcript is read by people unless --json (or --raw) says otherwise.
    if (c.output.output == "auto" && !c.output.raw && !c.output.json) o.output.format = OutputFormat::human;
    o.hub.history = c.history;
    o.hub.history_memory = c.history_memory;
    o.hub.rate = c.rate;
    o.origins = c.origins;
    o.token = c.token;
    o.ping_interval = millis(c.ping_interval);
    o.redis = c.redis;
    o.redis_timeout = millis(c.redis_timeout);
    return run_chat(o);
}

// The man page's WIRE FORMATS, with an example of each.
DocSection wire_formats() {
    return {"WIRE FORMATS",
            {{"Plain text, for any client: one line per message. A message is 'NAME: TEXT' (its continuation lines "
              "indented by two spaces); what the server says starts with '* '; history replayed on joining starts "
              "with '[history] '. A client's own messages are not sent back to it.",
              "[history] alice: anyone here?\n"
              "* online in /rust (2): alice, bob\n"
              "* you are bob in /rust; /help lists the commands\n"
              "alice: hello\n"
              "* alice waves\n"
              "* carol joined\n"
              "* carol is now known as caro\n"
              "* alice left\n"
              "* dan, erin, fay, gus, hal and 12 others joined; ivy left (19 online)"},
             {"JSON, for a client whose handshake asks for the subprotocol wskit.chat.v1.json (wskit connect -s "
              "wskit.chat.v1.json, or new WebSocket(url, 'wskit.chat.v1.json') in a browser): one object per "
              "message, with type (message, history, join, leave, presence, rename, who or system), room, ts "
              "(UTC, ISO 8601 with milliseconds) and, as they apply: from, text, id (increasing within the "
              "server), old (rename), names and you (who), action (true for /me), self (true on the receiver's "
              "own message or rename), and for presence (joins and leaves announced together): joined and left "
              "(the first 100 names of each), more_joined and more_left (how many others), online. The JSON Schema of these envelopes is lib/share/chat/envelope.schema.json in "
              "the wskit sources. Clients send plain text, not JSON.",
              "{\"type\":\"who\",\"room\":\"/rust\",\"names\":[\"alice\",\"bob\"],\n"
              " \"you\":\"bob\",\"ts\":\"2026-11-29T10:00:00.000Z\"}\n"
              "{\"type\":\"message\",\"room\":\"/rust\",\"from\":\"alice\",\n"
              " \"text\":\"hello\",\"ts\":\"2026-11-29T10:00:01.250Z\",\"id\":7}\n"
              "{\"type\":\"join\",\"room\":\"/rust\",\"from\":\"carol\",\n"
              " \"ts\":\"2026-11-29T10:00:02.000Z\",\"id\":8}\n"
              "{\"type\":\"presence\",\"room\":\"/rust\",\"joined\":[\"dan\",\"erin\"],\n"
              " \"left\":[\"ivy\"],\"online\":3,\"ts\":\"2026-11-29T10:00:02.100Z\"}\n"
              "{\"type\":\"system\",\"room\":\"/rust\",\"text\":\"you are already bob\",\n"
              " \"ts\":\"2026-11-29T10:00:03.000Z\"}"},
             {"(Each JSON example above is one message, on one line on the wire.)", ""}}};
}

}  // namespace

void register_broadcast_chat(CLI::App& app, Context& ctx) {
    auto c = std::make_shared<ChatCommand>();
    CommandDoc doc{
        "wskit broadcast-chat [OPTIONS] [[HOST:]PORT]",
        "A chat server: rooms for terminals (wskit connect, websocat, wscat) and browsers. The URL path is the "
        "room (ws://HOST:PORT/ is the lobby, ws://HOST:PORT/rust another room). A client picks its name with "
        "?name=NICK in the URL or /nick NAME; names are trimmed, made one word, freed of control characters, "
        "cut to 32 characters, and made unique in the room with a suffix (alice-2); without one a client is "
        "guest-N. Whoever joins gets the room's last --history messages, marked as history, and who is online; "
        "the room hears of joins, leaves and renames. A busy room announces joins and leaves together: after "
        "eight in a row, those of each quarter second go out as one line that names the first five and counts "
        "the others ('* dan, erin and 3 others joined; ivy left (41 online)'); a terminal's greeting names the "
        "first 50 people online, and /who all of them. A client's own messages are not sent back to it as "
        "someone else's.\n"
        "A plain GET of any room path serves the chat page, built into wskit (no external resources): it joins "
        "the room of its URL, remembers the name it was given, asks for the token when the server has one (and "
        "keeps it in the URL fragment), and reconnects when the server restarts. A GET of /healthz answers 'ok'; "
        "/metrics gives counters in the Prometheus text format (wskit_chat_clients, wskit_chat_rooms, messages "
        "and bytes in and out, drops by reason, handshake failures by reason).\n"
        "Each client gets plain text, one line per message ('alice: hello', '* bob joined'), unless it asks for "
        "the subprotocol wskit.chat.v1.json: it then gets one JSON envelope per message (see WIRE FORMATS). "
        "Clients always send plain text: a line to say, or a slash command.\n"
        "The transcript on stdout has a line per join, leave, rename, message and drop, with the client's id "
        "and room ('#3 /rust alice: hello'), or with --json one object per event: event (join, leave, rename, "
        "message, action, notice, drop), ts, conn, room, from, and text, old, id, cause, code, reason as they "
        "apply. SIGINT or SIGTERM closes every connection with 1001 and exits (130 or 143).\n"
        "Protection: a message over --max-size closes its sender with 1009; over --rate messages per second, a "
        "client gets a warning, then is closed with 1008; a client that stops reading is closed with 1008 once "
        "its unsent data has been over --max-backlog for 5 s, or at once past four times that, whatever the others send; a handshake must "
        "complete within --handshake-timeout; a client answering no ping for --ping-interval is dropped. "
        "Browsers from other sites are refused with 403 before the upgrade (cross-site WebSocket hijacking): "
        "only pages of this server, clients without an Origin header and the origins of --origin may connect. "
        "With --token, a client without it is refused with 401.",
        {{"wskit chat 9000", "serve chat rooms on port 9000; open http://127.0.0.1:9000/ in a browser"},
         {"wskit connect 'ws://127.0.0.1:9000/rust?name=alice'", "join the room /rust as alice from a terminal"},
         {"wskit chat --token s3cret --host 0.0.0.0 9000",
          "serve every interface; browsers open http://HOST:9000/#token=s3cret"},
         {"wskit chat --json 0 > transcript.ndjson", "pick a free port, write the transcript as JSON"}},
        {{ExitCode::runtime, "runtime error, such as an address already in use"},
         {ExitCode::usage, ""},
         {ExitCode::tls, "the certificate or private key of --cert or --key cannot be loaded"},
         {ExitCode::interrupted, "interrupted by SIGINT, after closing every connection"},
         {ExitCode::terminated, "terminated by SIGTERM, after closing every connection"}},
        /*reads_input=*/false,
        chat::chat_slash_commands(),
        "A chat client's lines starting with a slash are commands to the server:"};
    doc.sections.push_back(wire_formats());
    auto* sub = add_command(ctx, app, "broadcast-chat", "chat", "Chat rooms for terminals and browsers", doc);
    add_server_options(ctx, *sub, c->server, "0", chat_defaults);
    add_output_options(ctx, *sub, c->output);
    add_option(ctx, *sub, "--history", c->history, "Messages of a room replayed to a newcomer (default 50)", {},
               Complete::number)
        ->check(count_validator())->option_text("N");
    add_option(ctx, *sub, "--history-memory", c->history_memory,
               "Bytes the history of every room may take together (default 256 MiB)",
               "Bytes the history of all the rooms a process remembers may take together (about: texts, names and "
               "bookkeeping), default 256 MiB: past it the oldest messages are forgotten first, whichever room they "
               "are in, so that a crowd of rooms each filled with --history messages of the largest size cannot "
               "pin gigabytes. 256 MiB holds the whole history of thousands of rooms of everyday messages.",
               Complete::number)
        ->check(count_validator())->option_text("BYTES");
    add_option(ctx, *sub, "--rate", c->rate, "Messages per second a client may send (default 10; 0: no limit)",
               "Messages per second a client may send, commands included, as a token bucket of N messages "
               "refilled at N per second (so a burst of N passes). Past it the message is dropped and the client "
               "warned; past it again before the bucket is full, the client is closed with 1008. Default 10; 0 "
               "turns the limit off.",
               Complete::number)
        ->check(seconds_validator())->option_text("N");
    add_option(ctx, *sub, "--origin", c->origins,
               "Also accept browsers from ORIGIN (repeatable; '*' accepts any)",
               "Also accept WebSocket connections from pages of ORIGIN, like https://example.com (scheme, host and "
               "port, as browsers send it in the Origin header); repeat it for more, or give '*' to accept any. "
               "Without it, only the pages of this server and clients that send no Origin (terminals, scripts) "
               "may connect: a page of another site is refused with 403 before the upgrade.",
               Complete::text)
        ->option_text("ORIGIN");
    add_option(ctx, *sub, "--token", c->token, "Require SECRET, as ?token=SECRET or Authorization: Bearer SECRET",
               "Require SECRET from every client, as ?token=SECRET in the URL or an 'Authorization: Bearer SECRET' "
               "header; others are refused with 401 before the upgrade. The chat page asks for it and keeps it in "
               "the URL's fragment (#token=SECRET), which browsers do not send to servers or put in Referer "
               "headers. Anyone who can list the server's processes can read it from the command line.",
               Complete::text)
        ->option_text("SECRET");
    add_option(ctx, *sub, "--ping-interval", c->ping_interval,
               "Ping clients every SECS seconds; drop those that answered nothing since (default 30; 0: never)", {},
               Complete::number)
        ->check(seconds_validator())->option_text("SECS");
    add_option(ctx, *sub, "--handshake-timeout", c->handshake_timeout,
               "Drop a connection whose opening handshake takes longer than SECS seconds (default 5)", {},
               Complete::number)
        ->check(positive_seconds_validator())->option_text("SECS");
    add_option(ctx, *sub, "--redis", c->redis,
               "Share the rooms with the other chat processes using the Redis at URL",
               "Share the rooms with every chat process started with the same --redis, on this machine or others "
               "(behind a load balancer, say), through Redis pub/sub: URL is redis://[:PASSWORD@]HOST[:PORT][/DB] "
               "(port 6379 and database 0 by default). Every process delivers each room's messages, joins, leaves "
               "and renames to its own clients in the order Redis gives them, the same for every process. Redis also "
               "keeps each room's last --history messages, for newcomers on any process, and who is in it: /who "
               "lists the room's people in every process, names are unique across processes (each is claimed in Redis "
               "before it is given; what a client sends meanwhile waits for its name), and the people of a "
               "process that dies leave the others' rooms within about 10 s. When "
               "Redis cannot be reached, or leaves a command unanswered for --redis-timeout (a connection is ready "
               "once Redis has answered it), the process says so once on stderr, keeps serving its own clients alone "
               "(names are then checked in this process only), "
               "answers 'degraded' on /healthz, and reconnects with a growing delay (0.1 s to 5 s, with jitter); "
               "once back it says so and shares the rooms again, and sends the others what its clients said "
               "meanwhile (the last 1000 messages, 4 MiB at most; past that the oldest reach this process's clients "
               "only, which stderr and wskit_chat_redis_outbox_dropped_total say). A host name in URL is resolved "
               "without holding up the chat. /metrics adds "
               "wskit_chat_redis_up, wskit_chat_redis_state, stalls, publish and delivery counts, the outbox and the "
               "cross-process delivery latency. "
               "rediss:// (TLS) is refused: Debian's hiredis 0.14 has no TLS.",
               Complete::text)
        ->option_text("URL");
    add_option(ctx, *sub, "--redis-timeout", c->redis_timeout,
               "With --redis: Redis not answering for SECS seconds is taken for gone (default 3)",
               "With --redis: a command Redis has not answered within SECS seconds (a stopped or swamped Redis, a "
               "broken link) makes the process take Redis for gone: it serves its own clients alone, at once, and "
               "reconnects. Redis answers in well under a millisecond; 3 s rides out a busy moment, and keeps the "
               "wait short for clients of one process who cannot hear each other meanwhile.",
               Complete::number)
        ->check(positive_seconds_validator())->option_text("SECS");
    sub->callback([c, &ctx] { ctx.run = [c] { return run(*c); }; });
}

}  // namespace wskit::cli
