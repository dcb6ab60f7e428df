// The hand-written parts of the man pages, as roff with @SLOT@ markers that
// man.cpp fills from the CLI definition. Edit the prose here; options,
// commands, examples and exit codes come from the code and are never typed
// twice. After an edit, run scripts/gen-docs.sh and commit man/.
#include "man.hpp"

namespace wskit::cli::docs {

// Slots: BANNER VERSION COMMANDS OPTIONS EXIT_STATUS SEE_ALSO.
const char* const root_man_template = R"roff(@BANNER@
.TH WSKIT 1 "" "wskit @VERSION@" "User Commands"
.SH NAME
wskit \- a WebSocket toolkit for the terminal
.SH SYNOPSIS
.B wskit
.I COMMAND
.RI [ OPTIONS ]
.RI [ ARGUMENTS ]
.br
.B wskit \-\-help
.br
.B wskit \-\-version
.SH DESCRIPTION
.B wskit
covers what people do with WebSockets from a terminal: talk to a ws:// or
wss:// server interactively or from a script, run a throw-away server, and
test clients against a fast echo server.
Each command has its own manual page, named after it, and its own
\fB\-\-help\fR.
.SH COMMANDS
@COMMANDS@
.SH OPTIONS
@OPTIONS@
.SH ADDRESSES
A client takes a URL: \fBws://\fR or \fBwss://\fR; \fBhttp://\fR and
\fBhttps://\fR are taken as \fBws://\fR and \fBwss://\fR, and a bare
\fIhost\fR:\fIport\fR/\fIpath\fR means \fBws://\fR.
A bare port, \fB9000\fR or \fB:9000\fR, means \fBws://127.0.0.1:9000/\fR,
the address \fBwskit listen 9000\fR serves.
IPv6 literals go in brackets: \fBws://[::1]:9000/\fR.
Every address a name resolves to is tried, IPv6 and IPv4, so
\fBlocalhost\fR just works.
A Unix-domain socket is \fBws+unix://\fIPATH\fB:/\fIpath\fR (\fBwss+unix://\fR
for TLS; the Host header is \fBlocalhost\fR), or any URL with
\fB\-\-unix\-socket\fR \fIPATH\fR, as curl's.
.PP
A server takes [\fIHOST\fR:]\fIPORT\fR, or \fBunix:\fIPATH\fR for a Unix-domain
socket (mode 0600 unless \fB\-\-socket\-mode\fR; a stale socket file is
replaced, one in use is an error).
Servers bind \fB127.0.0.1\fR by default, so nothing is exposed by accident;
\fB\-\-host 0.0.0.0\fR or \fB\-\-host ::\fR accepts connections from other
machines.
Port \fB0\fR picks a free port.
When ready, a server prints its real URL on standard error, as
\fBlistening on ws://127.0.0.1:40311/\fR (and a \fBlistening\fR event with
\fB\-\-json\fR), so that scripts can use port 0.
.SH OUTPUT FORMATS
\fB\-\-output\fR chooses the format of standard output; \fB\-\-raw\fR and
\fB\-\-json\fR are shorthands.
Diagnostics always go to standard error, never into the data on standard
output.
.TP
.B human
The default when standard output is a terminal.
Incoming messages start with \(oq< \(cq, outgoing ones with \(oq> \(cq, and
system lines (connected, closed) are dimmed.
A binary message is shown as \fB[binary 42 B]\fR followed by a hex dump.
Control characters in a text message are shown escaped (\ex1b), so that a
message cannot drive the terminal, and so are bidi controls (\eu202e), so
that a message cannot reorder its line.
Ping, pong and close frames are shown with \fB\-P\fR, \fB\-\-show\-ping\-pong\fR;
\fB\-\-timestamps\fR prefixes each line with the local time, and
\fB\-\-pretty\fR pretty-prints JSON payloads.
Color is used only on a terminal, never when \fBNO_COLOR\fR is set or with
\fB\-\-color never\fR.
.TP
.B raw
The default when standard output is not a terminal.
Message payloads only, one per line; binary payloads are written exactly as
received.
With \fB\-0\fR, \fB\-\-null\fR, every message, text or binary, ends with
a NUL byte instead.
Nothing else is written to standard output.
.TP
.B json
One JSON object per line (NDJSON) for each event; see
.B JSON OUTPUT
below.
Any payload round-trips.
.SH INPUT
When standard input is a terminal, a client reads it with a line editor with
history; incoming messages are printed above the prompt without disturbing
what is being typed.
The history persists across runs (the last 1000 lines) in
\fB$WSKIT_HISTORY\fR, else \fB$XDG_STATE_HOME/wskit/history\fR, else
\fB~/.local/state/wskit/history\fR, a file only its owner may read:
what is typed, tokens and passwords included, lands there.
\fBWSKIT_HISTORY=\fR (empty) keeps it for the session only, as
\fBwskit connect \-\-no\-history\fR does for one run.
.PP
When standard input is not a terminal, each line (ending in LF or CRLF) is
sent as one text message.
Nothing read before the connection opens is lost, and no message is ever
split or altered.
At the end of input (or after the last \fB\-x\fR message), a client writes
everything queued, waits until the server has been silent for
\fB\-w\fR, \fB\-\-wait\fR seconds (0.5 by default), then closes with 1000
and still prints what arrives until the server's close.
\fB\-\-count\fR, \fB\-1\fR and \fB\-\-until\fR follow the same rule, so
that a script never hangs: not met by then, they end the run with exit 7
(\fB\-\-count not reached (1 of 2)\fR).
\fB\-\-keep\-open\fR waits for the server instead, as long as it takes.
Other framings and encodings:
.TP
\fB\-0\fR, \fB\-\-null\fR
Messages end with a NUL byte instead of a newline, in the input and in raw
output (every message received, text or binary, then ends with a NUL).
.TP
.B \-\-paragraph
Messages are separated by blank lines (paste pretty-printed JSON).
.TP
.B \-\-whole
All of standard input is one message.
.TP
.B \-\-binary
Send binary frames instead of text frames.
.TP
\fB\-\-hex\fR, \fB\-\-base64\fR
Decode each message from hex or base64 and send the bytes as a binary frame.
.SH SLASH COMMANDS
Interactive input understands slash commands; piped input does too with
\fB\-\-slash\fR.
They are a fixed set: any other line that starts with a slash is sent to the
server as a text message, as typed, so that a server's own commands (a chat's
\fB/nick\fR, \fB/who\fR) work; at the prompt, the first one sent says so.
@SLASH_COMMANDS@
.SH JSON OUTPUT
With \fB\-\-json\fR (\fB\-\-output json\fR), every event is one JSON object
on one line.
Field names are stable; fields may be added, never renamed.
The JSON Schema is \fBdocs/schema/events.schema.json\fR in the sources.
A recording (\fB\-\-record\fR \fIFILE\fR of connect, listen, proxy and broadcast\-chat)
holds the same events, in the same form: its first line is a \fBrecord\fR
event (\fBrole\fR: \fB"client"\fR, \fB"server"\fR or \fB"proxy"\fR;
\fBwskit\fR, the version; \fBsecrets\fR: \fB"masked"\fR or \fB"kept"\fR),
and each \fBopen\fR also carries the handshake: \fBrequest\fR
(\fBmethod\fR, \fBtarget\fR, \fBheaders\fR as a list of
\fBname\fR/\fBvalue\fR objects) and \fBresponse\fR (\fBstatus\fR,
\fBreason\fR, \fBheaders\fR).
Every object starts with these fields:
.TP
.B event
The kind of event: \fBopen\fR, \fBmessage\fR, \fBping\fR, \fBpong\fR,
\fBclose\fR, \fBerror\fR, \fBlistening\fR, \fBinfo\fR or \fBreconnect\fR.
.TP
.B ts
When it happened, in UTC, ISO 8601 with milliseconds:
\fB"2024\-05\-01T12:00:00.123Z"\fR.
.TP
.B conn
The connection: \fB0\fR for a client's connection; \fB1\fR, \fB2\fR,
\fB3\fR... for the connections a server accepts, in order.
.TP
.B leg
Only in \fBwskit proxy\fR's events: \fB"client"\fR (the connection from
its client) or \fB"upstream"\fR (its own to the server); \fBdir\fR is then
as that leg sees it (\fB"in"\fR: received by the proxy).
.PP
The other fields depend on the event:
.TP
.B open
The handshake completed.
\fBurl\fR is the URL (on a server, the one the client asked for:
ws://HOST/path?query with the Host it sent); \fBsubprotocol\fR the
subprotocol chosen by the server (\fB""\fR when none); on a server,
\fBpeer\fR is the client's address (\fBunix:uid=\fIN\fB,pid=\fIM\fR, its
user and process ids, for a client of a Unix socket), \fBorigin\fR and \fBuser_agent\fR
its Origin and User\-Agent headers (\fB""\fR when absent).
.TP
.B message
A message.
\fBdir\fR is \fB"in"\fR (received) or \fB"out"\fR (sent); \fBopcode\fR is
\fB"text"\fR or \fB"binary"\fR; the payload is in \fBtext\fR when it is valid
UTF\-8 text, otherwise in \fBbase64\fR (binary messages always use
\fBbase64\fR); \fBsize\fR is the payload's length in bytes.
Every message sent is an event, stamped when it is handed to the connection
(a message read before the connection opened is stamped at the open), so
the events of a run are in time order. Human output shows sent messages as
\fB> \fR lines, except at the interactive prompt, where the typed line stays
on screen; raw output shows only what was received.
.TP
.BR ping ", " pong
A control frame: \fBdir\fR, the payload as \fBtext\fR or \fBbase64\fR, and
\fBsize\fR, as for a message.
.TP
.B close
The connection closed.
\fBdir\fR is \fB"in"\fR when the peer started the close (or dropped the
connection), \fB"out"\fR when wskit did; \fBcode\fR is the close code (\fB1006\fR when no close frame was
received); \fBreason\fR the close reason (base64 when it is not valid
UTF\-8); \fBclean\fR is \fBtrue\fR when the close handshake completed.
.TP
.B error
Something failed; \fBmessage\fR says what.
.TP
.B listening
A server is ready; \fBurl\fR is the URL it serves.
.TP
.B info
A system line, such as a statistics line; \fBmessage\fR holds it.
.TP
.B reconnect
A client is about to reconnect: \fBurl\fR, \fBattempt\fR (\fB1\fR for the
first retry) and \fBdelay_ms\fR, the wait before the attempt.
.PP
For example:
.PP
.in +4n
.EX
{"event":"open","ts":"2024\-05\-01T12:00:00.000Z","conn":0,"url":"ws://127.0.0.1:9000/","subprotocol":""}
{"event":"message","ts":"2024\-05\-01T12:00:00.001Z","conn":0,"dir":"out","opcode":"text","text":"hello","size":5}
{"event":"message","ts":"2024\-05\-01T12:00:00.002Z","conn":0,"dir":"in","opcode":"text","text":"hello","size":5}
{"event":"close","ts":"2024\-05\-01T12:00:00.504Z","conn":0,"dir":"out","code":1000,"reason":"","clean":true}
.EE
.in
.SH ENVIRONMENT
.TP
.B NO_COLOR
When set and not empty, human output is never colored (unless
\fB\-\-color always\fR).
.TP
.B WSKIT_HISTORY
The file the interactive history is kept in; when set but empty, the
history is not kept on disk at all (see \fBINPUT\fR).
.TP
.B XDG_STATE_HOME
Where the interactive history is kept when \fBWSKIT_HISTORY\fR is not set,
as \fB$XDG_STATE_HOME/wskit/history\fR (default \fB~/.local/state\fR).
.TP
.B SSLKEYLOGFILE
When set, TLS session keys are appended to this file in the NSS key log
format, so that a capture can be decrypted (in Wireshark, for example).
.TP
\fBhttps_proxy\fR, \fBhttp_proxy\fR, \fBall_proxy\fR, \fBno_proxy\fR
A client without \fB\-\-proxy\fR connects through the HTTP proxy these name,
as \fBcurl\fR(1) does: \fBhttps_proxy\fR for wss://, \fBhttp_proxy\fR for
ws://, \fBall_proxy\fR for both; \fBno_proxy\fR lists hosts (or domain
suffixes) reached directly, \fB*\fR for all.
The upper-case names are honoured too, except \fBHTTP_PROXY\fR.
.SH SIGNALS
SIGINT and SIGTERM start a close handshake (code 1000 for a client, 1001 for
a server) and exit within a second even if the peer never answers, with
status 130 or 143.
SIGPIPE never kills the process.
.SH EXIT STATUS
An exit status means the same for every command; each command's page lists
those it can return.
When a client cannot open its connection, one fact decides between 3 and
the others: was a TCP connection to the server (through the proxy, if any)
made?
Before it, a name that does not resolve, a refusal, an unreachable host or
a timeout is 3.
After it, TLS trouble is 4, an answer that is not a valid 101 (or none
before the server closed) is 5, and no complete answer in time is 7;
connect, handshake-inspect and bench classify the same facts the same way.
@EXIT_STATUS@
.SH SEE ALSO
@SEE_ALSO@
)roff";

// Slots: BANNER VERSION TITLE PAGE SUMMARY SYNOPSIS DESCRIPTION
// ALIASES SHARED_TOPICS COMMANDS ARGUMENTS OPTIONS EXIT_STATUS OWN_SLASH_COMMANDS
// OWN_SECTIONS EXAMPLES SEE_ALSO. COMMANDS (those below this one, as bench
// merge is below bench), ARGUMENTS, OWN_SLASH_COMMANDS, OWN_SECTIONS and
// EXAMPLES include their own .SH line, as a command may have none.
const char* const command_man_template = R"roff(@BANNER@
.TH @TITLE@ 1 "" "wskit @VERSION@" "User Commands"
.SH NAME
@PAGE@ \- @SUMMARY@
.SH SYNOPSIS
@SYNOPSIS@
.SH DESCRIPTION
@DESCRIPTION@
@ALIASES@
.PP
@SHARED_TOPICS@ are the same for every command; see
.BR wskit (1).
@COMMANDS@
@ARGUMENTS@
.SH OPTIONS
@OPTIONS@
.SH EXIT STATUS
@EXIT_STATUS@
@OWN_SLASH_COMMANDS@
@OWN_SECTIONS@
@EXAMPLES@
.SH SEE ALSO
@SEE_ALSO@
)roff";

}  // namespace wskit::cli::docs
