// wskit broadcast-chat: chat rooms for terminals and browsers.
#include "commands.hpp"

#include <wskit/chat/server.hpp>

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
    AccessFlags access;
    double ping_interval = 30;
    double handshake_timeout = 5;
    std::size_t history_memory = chat::HubOptions{}.history_memory;
    std::string redis;
    double history_ttl = 86400;
    double presence_ttl = 6;
    double redis_timeout = 3;
    RecordFlags record;
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
    o.access = c.access.resolve();
    o.ping_interval = millis(c.ping_interval);
    o.redis = c.redis;
    o.history_ttl = std::chrono::seconds(std::llround(c.history_ttl));
    o.presence_ttl = millis(c.presence_ttl);
    o.redis_timeout = millis(c.redis_timeout);
    o.record = c.record.resolve(RecordRole::server);
    return run_chat(o);
}

// The man page's WIRE FORMATS, with an example of each.
DocSection wire_formats() {
    return {"WIRE FORMATS",
            {{"Plain text, for any client: one line per message. A message is 'NAME: TEXT' (its continuation lines "
              "indented by two spaces); what the server says starts with '* '; history replayed on joining starts "
              "with '[history] '. A client's own messages are not sent back to it. Plain text is for terminals "
              "(wskit connect, websocat, wscat): bidi controls (U+202A to U+202E, U+2066 to U+2069, U+200E, U+200F, "
              "U+061C) are written as \\u202e and so on, so that no message reorders its line or the lines around "
              "it on a terminal that applies them.",
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
              "the wskit sources. Texts are exact, bidi controls included: a page shows them isolated. Clients "
              "send plain text, not JSON.",
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

// The man page's section on --redis: what is shared, kept, delivered or
// lost, and how to protect it.
DocSection redis_section() {
    return {"SHARING ROOMS THROUGH REDIS",
            {{"With --redis, every chat process started with the same URL serves the same rooms: each room's events "
              "go through a Redis pub/sub channel, and every process delivers them to its clients in the order Redis "
              "gives them, the same for every process. A process reads a room from Redis when its first client "
              "there arrives (its last --history messages, who is in it in the other processes) and forgets it when "
              "its last client there leaves: its memory grows with the rooms its own clients are in, not with every "
              "room ever created, and nothing scans Redis' keys. /who lists a room's people in every process, "
              "/rooms every room someone is in, and names are unique across processes (each is claimed in Redis "
              "before it is given; what a client sends meanwhile waits for its name).",
              ""},
             {"Redis keeps, per room: its last --history messages and each process's count of them, until "
              "--history-ttl after the room's last message (a day by default); who is in it, refreshed every third "
              "of --presence-ttl by the process that has the client and gone when nobody does; and the names "
              "claimed. The people of a process that dies leave the others' rooms within 5/3 of --presence-ttl "
              "at most (10 s by default).",
              ""},
             {"A Redis that leaves a command unanswered for --redis-timeout (3 s), closes the connection or cannot "
              "be reached is taken for gone: the process says so once on stderr, serves its own clients alone "
              "(their messages are delivered at once; names are checked in this process only), answers "
              "'degraded: WHY' on /healthz (still status 200, so that a load balancer keeps it) and reconnects with "
              "a growing delay (0.1 s to 5 s, with jitter); a connection is ready once Redis has answered it. Once "
              "back, it says so and shares the rooms again. A Redis slower than the clients is not let run up "
              "memory: above 4 MiB sent and not answered, new messages wait and their authors are not read (TCP "
              "slows them down) until Redis is down to 1 MiB; past 8 MiB waiting, Redis is taken for gone. While "
              "it is gone, the people of the other processes stay in the rooms, and when it is back every process "
              "is given the time to reconnect (7.5 s at most) and --presence-ttl to say again who it serves: a "
              "Redis stalled longer than the TTL makes nobody leave and join again, and those who really left "
              "meanwhile are announced then.",
              ""},
             {"What is delivered, and what may be lost: a message reaches the clients of its own process at once "
              "and once, whatever Redis does; it reaches the clients of the other processes once, in the room's "
              "order, when Redis was reachable from both. What a process's clients say while Redis is unreachable "
              "is sent to the others once it is back (the last 1000 messages, 4 MiB at most; older ones reach "
              "this process's clients only, counted in wskit_chat_redis_outbox_dropped_total and said on stderr). "
              "A process that could not hear Redis for a while reads each of its rooms' history list once it is "
              "back, and delivers, late, the messages said meanwhile that the list still holds (the last --history "
              "of the room); the others are lost for its clients. No loss is silent: every process numbers its "
              "messages in each room, and each message of another process that never reached this one is counted "
              "in wskit_chat_redis_lost_total (and said on stderr when catching up finds it). Only what was said on a "
              "process that died before Redis came back is lost without a count: nobody else heard of it. A "
              "larger --history widens what is caught up.",
              ""},
             {"Whoever can write to the Redis can speak in every room. Everything read from Redis is checked as a "
              "client's message is (names and texts clean, text within --max-size, a room as a URL path makes it, "
              "nothing else in the event) and what is not is ignored, counted in wskit_chat_redis_rejected_total "
              "(the first one said on stderr); but a well-formed forgery cannot be told from a message. Protect "
              "Redis: a password (Redis' requirepass, given as redis://:PASSWORD@HOST, with %40 for an @ and %3A "
              "for a : in it) and a network nobody else reaches. rediss:// (TLS) is refused: Debian's hiredis 0.14 "
              "has no TLS; when Redis is on another machine, run the connection through a TLS tunnel (stunnel, or "
              "haproxy) and give wskit its local end.",
              "wskit chat --redis 'redis://:s3cret@127.0.0.1:6379/2' 9000"},
             {"/metrics adds wskit_chat_redis_up, wskit_chat_redis_state, what was published and delivered (by "
              "source), the outbox and what it dropped, messages lost, events rejected, stalls, bytes sent to Redis "
              "and not answered, clients paused for Redis, and the cross-process delivery latency.",
              ""}}};
}

}  // namespace

void register_broadcast_chat(CLI::App& app, Context& ctx) {
    auto c = std::make_shared<ChatCommand>();
    CommandDoc doc{
        "wskit broadcast-chat [OPTIONS] [[HOST:]PORT]",
        "A chat server: rooms for terminals (wskit connect, websocat, wscat) and browsers. The URL path is the "
        "room (ws://HOST:PORT/ is the lobby, ws://HOST:PORT/rust another room). A client picks its name with "
        "?name=NICK in the URL or /nick NAME; names are NFKC-normalised, freed of control, format and invisible "
        "characters (bidi controls, zero-width characters, soft hyphen, BOM), made one word, cut to 32 "
        "characters, and made unique in the room with a suffix (alice-2), look-alikes too: names compare by "
        "their Unicode confusable skeleton (UTS #39), so that alice with a Cyrillic a next to alice gets a "
        "suffix. A name with no letter or digit, one that starts with *, [, # or / as the server's own lines do, "
        "or one with a ':' is refused (a client asking for it at connect joins as guest-N, told why); without "
        "a name a client is guest-N. Whoever joins gets the room's last --history messages, marked as history, and who is online; "
        "the room hears of joins, leaves and renames. A busy room announces joins and leaves together: after "
        "eight in a row, those of each quarter second go out as one line that names the first five and counts "
        "the others ('* dan, erin and 3 others joined; ivy left (41 online)'); a terminal's greeting names the "
        "first 50 people online, and /who all of them. A client's own messages are not sent back to it as "
        "someone else's.\n"
        "A plain GET of any room path serves the chat page, built into wskit (no external resources): it joins "
        "the room of its URL, remembers the name it was given, asks for the token when the server has one (and "
        "keeps it in the URL fragment), and reconnects when the server restarts (counting down to the next "
        "attempt, with a Retry now button). It shows each name and message isolated from the direction of the "
        "text around it, with the bidi controls in them shown rather than applied, and http(s) links as links "
        "that open in a new tab. A GET of /healthz answers 'ok'; "
        "/metrics gives counters in the Prometheus text format (wskit_chat_clients, wskit_chat_rooms, messages "
        "and bytes in and out, drops by reason, handshake failures by reason).\n"
        "Each client gets plain text, one line per message ('alice: hello', '* bob joined'), unless it asks for "
        "the subprotocol wskit.chat.v1.json: it then gets one JSON envelope per message (see WIRE FORMATS). "
        "A client that offers other subprotocols only gets its first one answered (browsers and Node's ws fail "
        "a connection whose answer names none of their offers), and plain text. "
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
        "With --token, a client without it is refused with 401, and an address that keeps guessing it with 429.",
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
        "A chat client's lines starting with a slash are commands to the server. wskit connect sends them as "
        "typed, except its own (/ping, /close, /quit...): there, /help lists connect's commands and //help "
        "sends /help to the chat:"};
    doc.sections.push_back(wire_formats());
    doc.sections.push_back(redis_section());
    auto* sub = add_command(ctx, app, "broadcast-chat", "chat", "Chat rooms for terminals and browsers", doc);
    add_server_options(ctx, *sub, c->server, "0", chat_defaults);
    add_output_options(ctx, *sub, c->output);
    add_option(ctx, *sub, "--history", c->history, "Messages of a room replayed to a newcomer (default 50)",
               "The last N messages of a room (default 50) are replayed to whoever joins it, marked as history. "
               "With --redis they are kept in Redis, for newcomers on any process, and they are also what a process "
               "that could not hear Redis for a while catches up on, per room, once it is back.",
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
    add_record_options(ctx, *sub, c->record);
    add_access_options(ctx, *sub, c->access,
                       "/metrics needs it too, /healthz does not. The chat page asks for it and keeps it in the URL's "
                       "fragment (#token=SECRET), which browsers do not send to servers or put in Referer headers.");
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
               "(port 6379 and database 0 by default; a host name is resolved without holding up the chat). See "
               "SHARING ROOMS THROUGH REDIS for what is shared, what Redis keeps, what happens when it is slow or "
               "gone, and how to protect it. rediss:// is refused: Debian's hiredis 0.14 has no TLS.",
               Complete::text)
        ->option_text("URL");
    add_option(ctx, *sub, "--history-ttl", c->history_ttl,
               "With --redis: a room's history leaves Redis SECS after its last message (default 86400, a day)",
               "With --redis: a room's history (and its message counts) expires from Redis SECS seconds after the "
               "room's last message. The default, 86400 (a day), keeps a conversation paused overnight, in any time "
               "zone, for whoever comes back, and lets a room used once leave Redis the next day instead of costing "
               "its memory for ever. 0 keeps histories for ever.",
               Complete::number)
        ->check(seconds_validator())->option_text("SECS");
    add_option(ctx, *sub, "--presence-ttl", c->presence_ttl,
               "With --redis: how long a process vouches for its clients in Redis (default 6)",
               "With --redis: how long a process vouches in Redis for the presence of its clients (and their names); "
               "it says so again every third of it. The people of a process that dies without a word leave the "
               "other processes' rooms within 5/3 of SECS at most (10 s by default). Must be more than 1.5 times "
               "--redis-timeout.",
               Complete::number)
        ->check(positive_seconds_validator())->option_text("SECS");
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
