// What the subcommands share: the registry of option documentation (one
// source for --help, the man pages and the completions), and the option
// groups that several subcommands register.
#pragma once

#include <wskit/access.hpp>
#include <wskit/client.hpp>
#include <wskit/error.hpp>
#include <wskit/tool/input.hpp>
#include <wskit/printer.hpp>
#include <wskit/tool/record.hpp>
#include <wskit/server.hpp>
#include <wskit/tool/slash.hpp>

#include <CLI/CLI.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace wskit::cli {

// How a shell should complete an option's value.
enum class Complete { none, file, url, choices, number, text };

struct OptionDoc {
    std::string long_help;            // the man page's paragraph; --help shows the short one
    Complete complete = Complete::none;
    std::vector<std::string> choices; // for Complete::choices
};

// An exit status a command can return, for its man page.
struct ExitStatusDoc {
    ExitCode code;
    std::string meaning;  // empty: the meaning in exit_code_table()
};

// A man page section of a command's own (chat's WIRE FORMATS): paragraphs,
// each followed by literal lines shown as an example block ("" for none).
struct DocSection {
    std::string title;  // "WIRE FORMATS"
    std::vector<std::pair<std::string, std::string>> parts;
};

struct CommandDoc {
    std::string synopsis;             // "wskit connect [OPTIONS] URL"
    std::string description;          // the man page's DESCRIPTION, roff-free paragraphs
    std::vector<std::pair<std::string, std::string>> examples;  // command, what it does
    // The exit statuses the command can return, in its EXIT STATUS section.
    // Empty: every code of the table, as a client can meet them all.
    std::vector<ExitStatusDoc> exit_codes{};
    // Whether standard input carries messages, so that the input modes and
    // slash commands of wskit(1) apply; a server like echo sets it to false.
    bool reads_input = true;
    // Slash commands of the command's own (listen's, chat's), listed on its
    // man page from the same table /help prints. Empty: none, or the
    // client's commands that wskit(1) describes.
    std::vector<SlashCommandDoc> slash_commands{};
    std::string slash_intro{};  // the sentence before the list
    std::vector<DocSection> sections{};  // after SLASH COMMANDS, before EXAMPLES
};

// Everything main() needs after parsing: which command runs, and the docs.
struct Context {
    std::map<const CLI::Option*, OptionDoc> option_docs;
    std::map<const CLI::App*, CommandDoc> command_docs;
    std::function<int()> run;  // set by the chosen subcommand's callback
    // Rules across several options of a command (--json with --raw, --key
    // without --cert), run by parse_command_line when that command was
    // chosen. Each throws CLI::ValidationError with a one-line message.
    std::vector<std::pair<const CLI::App*, std::function<void()>>> checks;
    // Options that end wskit's own arguments, like listen's --exec CMD
    // [ARGS...]: parse_command_line moves every argument after the option's
    // value into `rest` before CLI11 parses, so that the program's options
    // (`python3 -u`) are not taken for wskit's and its arguments not for
    // wskit's positionals. (CLI11 2.1 stops an option's values at anything
    // that looks like an option, and has no "rest of the line" option.)
    struct RestOfLine {
        const CLI::App* command;
        std::string option;  // "--exec"
        std::vector<std::string>* rest;
        std::string missing;  // the usage error when the option ends the command line
    };
    std::vector<RestOfLine> rest_of_line;
};

// Parses `args` (without the program name) and runs the checks of the chosen
// command. Throws CLI::ParseError: exit code 0 for --help and --version,
// anything else is a usage error (an unknown command among them).
void parse_command_line(CLI::App& app, Context& ctx, std::vector<std::string> args);

// The line main prints (after "wskit: ") for a usage error: the message and
// where to read more, "... (see 'wskit connect --help')", naming the command
// that was being parsed, or 'wskit --help' when none was; `read_more`
// instead when given (Error::read_more).
std::string usage_error_line(const CLI::App& app, std::string message, const std::string& read_more = {});

// The name among `names` that `typed` is most likely a typo of, or "" when
// none is close (optimal string alignment distance, at most 2 and small
// for the name's length).
std::string closest_name(const std::string& typed, const std::vector<std::string>& names);

// Validators whose messages say what is expected, in a few words. (CLI11's
// NonNegativeNumber spells out the range of a double: 300 digits.)
const CLI::Validator& seconds_validator();           // a number of seconds, 0 or more
const CLI::Validator& positive_seconds_validator();  // a number of seconds above 0
const CLI::Validator& count_validator();             // a whole number, 0 or more
const CLI::Validator& close_code_validator();        // a code a close frame may carry
const CLI::Validator& close_reason_validator();      // UTF-8, at most 123 bytes

// Registers an option with its short help (--help), long help (man page)
// and completion kind. Every option of wskit goes through here or add_flag.
template <class T>
CLI::Option* add_option(Context& ctx, CLI::App& app, const std::string& names, T& value,
                        const std::string& help, std::string long_help = {},
                        Complete complete = Complete::none, std::vector<std::string> choices = {}) {
    auto* opt = app.add_option(names, value, help);
    if (!choices.empty()) opt->check(CLI::IsMember(choices));
    ctx.option_docs[opt] = {long_help.empty() ? help : std::move(long_help), complete, std::move(choices)};
    return opt;
}

template <class T>
CLI::Option* add_flag(Context& ctx, CLI::App& app, const std::string& names, T& value,
                      const std::string& help, std::string long_help = {}) {
    auto* opt = app.add_flag(names, value, help);
    ctx.option_docs[opt] = {long_help.empty() ? help : std::move(long_help), Complete::none, {}};
    return opt;
}

CLI::App* add_command(Context& ctx, CLI::App& parent, const std::string& name, const std::string& alias,
                      const std::string& help, CommandDoc doc);

// --- shared option groups -------------------------------------------------

struct OutputFlags {
    std::string output = "auto";  // human on a TTY, raw otherwise
    bool raw = false;
    bool json = false;
    std::string color = "auto";
    bool timestamps = false;
    bool pretty = false;
    bool show_control = false;
    // Resolves auto format and color against stdout and NO_COLOR.
    PrinterOptions resolve() const;
    // Why the format flags disagree ("--json and --raw ..."), or "".
    std::string conflict() const;
};
void add_output_options(Context& ctx, CLI::App& app, OutputFlags& flags);

// --record FILE and --record-secrets (connect, listen, proxy, broadcast-chat).
struct RecordFlags {
    std::string path;
    bool secrets = false;
    std::optional<RecordOptions> resolve(RecordRole role) const;  // nullopt without --record
};
void add_record_options(Context& ctx, CLI::App& app, RecordFlags& flags);

struct InputFlags {
    bool null = false;
    bool paragraph = false;
    bool whole = false;
    bool binary = false;
    bool hex = false;
    bool base64 = false;
    bool slash = false;
    InputFraming framing() const;
    InputEncoding encoding() const;
};
void add_input_options(Context& ctx, CLI::App& app, InputFlags& flags);

// Handshake and TLS options of a client (connect, and later inspect).
struct ClientFlags {
    std::vector<std::string> headers;
    std::vector<std::string> subprotocols;
    std::string origin;
    std::string auth;
    std::string user_agent;
    std::string host_header;
    double connect_timeout = 10;
    std::size_t max_size = 16u << 20;
    std::string compress;  // --compress[=PARAMS]; "" when not given
    int verbosity = 0;
    TlsOptions tls;
    std::string proxy;
    std::string unix_socket;  // --unix-socket
    bool follow_redirects = false;
    bool location_trusted = false;
    int max_redirects = 10;
    bool http2 = false;                  // --http2
    bool http2_prior_knowledge = false;  // --http2-prior-knowledge
    // Builds the options for `url`; throws Error(usage) on a bad header.
    ClientOptions resolve(const std::string& url) const;
    // Hints about headers wskit has a better flag for (-H
    // 'Sec-WebSocket-Protocol: x' -> -s x), one line each, for stderr.
    std::vector<std::string> header_hints() const;
    // On stderr: that --insecure verifies nothing (for a wss:// URL), and
    // the header hints.
    void print_warnings(const ClientOptions& resolved) const;
};
void add_client_options(Context& ctx, CLI::App& app, ClientFlags& flags);
// --http2 and --http2-prior-knowledge (connect).
void add_http2_options(Context& ctx, CLI::App& app, ClientFlags& flags);
// Its parts, for a command that takes only some of them (bench: its -n is a
// message count, and it has no proxy or redirects).
void add_handshake_options(Context& ctx, CLI::App& app, ClientFlags& flags);  // -H -s -o --auth --user-agent --host
void add_connect_timeout_option(Context& ctx, CLI::App& app, ClientFlags& flags);
void add_header_option(Context& ctx, CLI::App& app, ClientFlags& flags);  // -H
void add_proxy_option(Context& ctx, CLI::App& app, ClientFlags& flags);   // --proxy
void add_unix_socket_option(Context& ctx, CLI::App& app, ClientFlags& flags);  // --unix-socket
// --max-size; `help` says what the command does with a larger message.
void add_max_size_option(Context& ctx, CLI::App& app, ClientFlags& flags, const std::string& help);
void add_compress_option(Context& ctx, CLI::App& app, ClientFlags& flags);   // --compress[=PARAMS]
// --ca, --cert, --key, --passphrase, -k, --tls-min; -n as an alias of -k only when asked.
void add_client_tls_options(Context& ctx, CLI::App& app, ClientFlags& flags, bool short_n_alias);
// Its part about the server's certificate: --ca, -k, --tls-min (proxy's
// upstream, whose --cert and --key are the proxy's own).
void add_client_trust_options(Context& ctx, CLI::App& app, ClientFlags& flags, bool short_n_alias);

// A server's own defaults for the shared limits (chat holds less per client
// than echo); --help and the man page show them.
struct ServerDefaults {
    std::size_t max_size = 16u << 20;
    std::size_t max_backlog = 0;  // 0: --max-size + 16 MiB
    std::chrono::milliseconds grace{10000};
};

// Options of every server: address, limits, TLS, -v.
struct ServerFlags {
    std::string address = "0";    // [HOST:]PORT
    std::string host;             // --host: overrides the address's host
    std::string socket_mode = "600";  // unix:PATH's file mode, octal
    std::size_t max_size = 16u << 20;
    std::size_t max_clients = 0;
    std::size_t max_backlog = 0;  // 0: --max-size + 16 MiB
    bool compress = false;
    int verbosity = 0;
    TlsOptions tls;  // --cert and --key
    std::chrono::milliseconds grace{10000};
    ServerOptions resolve() const;
};
void add_server_options(Context& ctx, CLI::App& app, ServerFlags& flags, const std::string& default_port,
                        const ServerDefaults& defaults = {});
// --socket-mode, for a server that may listen on unix:PATH (inspect --listen
// has it too), and its value as permission bits.
void add_socket_mode(Context& ctx, CLI::App& app, std::string& mode);
unsigned socket_mode_bits(const std::string& mode);

// --origin and --token of a server that browsers reach (listen,
// broadcast-chat): who may open a WebSocket on it (see access.hpp).
struct AccessFlags {
    std::vector<std::string> origins;
    std::string token;
    AccessPolicy resolve() const;  // `secure` is the server's to set
};
// `token_note` ends --token's long help with what the command adds (the chat
// page asking for it).
void add_access_options(Context& ctx, CLI::App& app, AccessFlags& flags, const std::string& token_note = {});

// Why --cert and --key do not make a TLS identity (--key without --cert,
// --cert without --key when the certificate file holds no private key), or "".
// `cert_pem` is the certificate file's content (empty when unreadable: the
// TLS loader reports that).
std::string tls_identity_problem(const TlsOptions& tls, const std::string& cert_pem);

}  // namespace wskit::cli
