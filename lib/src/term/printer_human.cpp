// Human output: "< " and "> " lines, hex dumps, dimmed system lines,
// --pretty, --timestamps.
#include "term/printer_parts.hpp"

#include <wskit/close_code.hpp>
#include <wskit/compression.hpp>
#include <wskit/encoding.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <ctime>

namespace wskit {
namespace {

constexpr std::string_view dim = "\x1b[2m";
constexpr std::string_view green = "\x1b[32m";
constexpr std::string_view cyan = "\x1b[36m";
constexpr std::string_view reset = "\x1b[0m";

class HumanPrinter final : public Printer {
public:
    HumanPrinter(const PrinterOptions& o, Sink& out) : o_(o), out_(out) {}

    void print(const Event& e) override {
        switch (e.type) {
            case EventType::message:
                if (e.direction == Direction::out && !o_.show_outgoing) return;
                print_message(e);
                return;
            case EventType::ping:
            case EventType::pong:
                if (!o_.show_control) return;
                line(e, e.direction == Direction::in ? green : cyan,
                     fmt::format("{}[{}{}{}]", arrow(e), detail::event_name(e.type),
                                 e.message.payload.empty() ? "" : " ", printable(e.message.payload)));
                return;
            case EventType::open:
                // A server's open event carries the request target and
                // address the client chose: escaped like any peer's text.
                system_line(e, e.peer.empty()
                                   ? fmt::format("connected to {}{}", one_line(e.text), subprotocol_note(e))
                                   : fmt::format("connected from {} to {}{}{}", one_line(e.peer),
                                                 one_line(e.resource), subprotocol_note(e), client_note(e)));
                return;
            case EventType::close: {
                // "disconnected (code 1011 internal error, reason: ...)": the
                // code's meaning is said where it is one of the protocol's.
                auto name = close_code_name(e.code);
                system_line(e, fmt::format("{} (code {}{}{}{}{}{})",
                                           e.direction == Direction::out ? "closing" : "disconnected", e.code,
                                           name.empty() ? "" : " ", name, e.reason.empty() ? "" : ", reason: ",
                                           one_line(e.reason), e.clean || e.direction == Direction::out ? "" : ", abnormal"));
                return;
            }
            case EventType::info:
                // Info lines may quote what a peer sent (a Location...).
                system_line(e, one_line(e.text));
                return;
            case EventType::reconnect:
                system_line(e, fmt::format("reconnecting to {} in {:.1f} s (attempt {})", one_line(e.text),
                                           static_cast<double>(e.delay_ms) / 1000, e.attempt));
                return;
            case EventType::error:     // reported on stderr by the caller
            case EventType::listening: // idem
            case EventType::drained:
            case EventType::all_closed:
            case EventType::finished:
                return;
        }
    }

private:
    // "< " and "> " for a client or a server. A proxy's lines say which side
    // and which way: "C> " from its client, "<S " from the server, and
    // "C< ", ">S " for what the proxy sends itself.
    static std::string_view arrow(const Event& e) {
        bool in = e.direction == Direction::in;
        switch (e.leg) {
            case Leg::client: return in ? "C> " : "C< ";
            case Leg::upstream: return in ? "<S " : ">S ";
            case Leg::none: break;
        }
        return in ? "< " : "> ";
    }

    // A proxy's system lines: which leg they are about.
    static std::string_view leg_mark(const Event& e) {
        switch (e.leg) {
            case Leg::client: return "C: ";
            case Leg::upstream: return "S: ";
            case Leg::none: break;
        }
        return "";
    }

    static std::string subprotocol_note(const Event& e) {
        std::string note = e.subprotocol.empty() ? "" : fmt::format(" (subprotocol {})", one_line(e.subprotocol));
        if (e.compression) note += fmt::format(" ({})", format_response(*e.compression));
        return note;
    }

    // -v on a server: who the client says it is, for telling a browser's
    // page (and which site's) from a script.
    std::string client_note(const Event& e) const {
        if (!o_.verbose) return {};
        return fmt::format("; origin {}; user agent {}", e.origin.empty() ? "(none)" : one_line(e.origin),
                           e.user_agent.empty() ? "(none)" : one_line(e.user_agent));
    }

    // Payloads keep their layout (newlines continue on an indented line);
    // names, addresses and reasons stay on their line.
    static std::string printable(std::string_view s) { return escape_controls(s, true); }
    static std::string one_line(std::string_view s) { return escape_controls(s); }

    std::string prefix(const Event& e) const {
        std::string p;
        if (o_.timestamps) p += format_clock_time(e.ts) + ' ';
        if (o_.show_conn && e.conn != 0) p += fmt::format("#{} ", e.conn);
        return p;
    }

    void line(const Event& e, std::string_view color, std::string_view text) {
        buf_ = prefix(e);
        // Continuation lines of a multi-line message (a hex dump's too) are
        // indented under the first, past the prefix ("#3 ", the time), so the
        // "< " column stays readable.
        std::string indent(buf_.size() + 2, ' ');
        if (o_.color) buf_ += color;
        for (char c : text) {
            buf_ += c;
            if (c == '\n') buf_ += indent;
        }
        if (o_.color) buf_ += reset;
        buf_ += '\n';
        out_.write(buf_);
    }

    void system_line(const Event& e, std::string_view text) {
        if (e.leg == Leg::none) return line(e, dim, text);
        line(e, dim, std::string(leg_mark(e)) + std::string(text));
    }

    void print_message(const Event& e) {
        std::string arrow(HumanPrinter::arrow(e));
        auto color = e.direction == Direction::in ? green : cyan;
        const auto& payload = e.message.payload;
        if (e.message.opcode == Opcode::binary) {
            line(e, color, fmt::format("{}[binary {} B]", arrow, payload.size()));
            if (!payload.empty()) {
                std::string dump = hexdump(payload, o_.hexdump_limit);
                dump.pop_back();  // line() adds the final newline
                line(e, dim, "  " + dump);
            }
            return;
        }
        if (o_.pretty) {
            auto pretty = pretty_json(payload, o_.pretty_max_bytes, o_.pretty_max_depth);
            using Outcome = PrettyJson::Outcome;
            if (pretty.outcome == Outcome::pretty) {
                line(e, color, arrow + printable(pretty.text));
                return;
            }
            line(e, color, arrow + printable(payload));
            if (o_.verbose && pretty.outcome != Outcome::not_a_document) {
                system_line(e, pretty.outcome == Outcome::too_deep
                                   ? fmt::format("(--pretty: nested deeper than {} levels; shown as received)",
                                                 o_.pretty_max_depth)
                                   : fmt::format("(--pretty: longer than {} bytes pretty-printed; shown as received)",
                                                 o_.pretty_max_bytes));
            }
            return;
        }
        line(e, color, arrow + printable(payload));
    }

    PrinterOptions o_;
    Sink& out_;
    std::string buf_;
};


}  // namespace

namespace detail {

std::unique_ptr<Printer> make_human_printer(const PrinterOptions& options, Sink& out) {
    return std::make_unique<HumanPrinter>(options, out);
}

}  // namespace detail

PrettyJson pretty_json(std::string_view payload, std::size_t max_bytes, int max_depth) {
    using Outcome = PrettyJson::Outcome;
    constexpr std::string_view space = " \t\r\n";
    PrettyJson result;
    auto first = payload.find_first_not_of(space);
    if (first == std::string_view::npos || (payload[first] != '{' && payload[first] != '[')) return result;
    // nlohmann's parser keeps its own stack (no recursion), so validating
    // costs no more than a scan whatever the depth. It takes a NUL byte for
    // the end of the input and accepts "[]\0}}": JSON has no raw NUL (not
    // even in a string), so such a payload is refused here first.
    if (payload.find('\0') != std::string_view::npos || !nlohmann::json::accept(payload)) return result;

    // The text is valid JSON from here: strings are closed, brackets match.
    std::string out;
    out.reserve(std::min(max_bytes, payload.size() * 2));
    int depth = 0;
    auto new_line = [&] {
        out += '\n';
        out.append(static_cast<std::size_t>(depth) * 2, ' ');
    };
    for (std::size_t i = first; i < payload.size(); ++i) {
        char c = payload[i];
        switch (c) {
            case ' ': case '\t': case '\r': case '\n':
                continue;
            case '"': {
                std::size_t end = i + 1;
                while (payload[end] != '"') end += payload[end] == '\\' ? 2 : 1;
                if (out.size() + (end - i + 1) > max_bytes) return {Outcome::too_large, {}};
                out.append(payload, i, end - i + 1);
                i = end;
                continue;
            }
            case '{':
            case '[': {
                auto next = payload.find_first_not_of(space, i + 1);
                if (payload[next] == (c == '{' ? '}' : ']')) {  // {} and [] stay on one line
                    out += c;
                    out += payload[next];
                    i = next;
                    break;
                }
                if (++depth > max_depth) return {Outcome::too_deep, {}};
                out += c;
                new_line();
                break;
            }
            case '}':
            case ']':
                --depth;
                new_line();
                out += c;
                break;
            case ',':
                out += ',';
                new_line();
                break;
            case ':':
                out += ": ";
                break;
            default:  // numbers, true, false, null
                out += c;
                break;
        }
        if (out.size() > max_bytes) return {Outcome::too_large, {}};
    }
    result.outcome = Outcome::pretty;
    result.text = std::move(out);
    return result;
}

std::string format_clock_time(std::chrono::system_clock::time_point ts) {
    auto t = std::chrono::system_clock::to_time_t(ts);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(ts.time_since_epoch()).count() % 1000;
    std::tm tm{};
    localtime_r(&t, &tm);
    return fmt::format("{:02}:{:02}:{:02}.{:03}", tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

}  // namespace wskit
