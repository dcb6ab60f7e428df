// The replay of one recording: each connection's client side played against
// the server, in turn, and what the server sent compared with the record.
#include "term/console.hpp"
#include "term/trace_printer.hpp"

#include <wskit/encoding.hpp>
#include <wskit/error.hpp>
#include <wskit/tool/replay.hpp>
#include <wskit/url.hpp>

#include "proto/headers.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <csignal>

namespace wskit {
namespace {

using namespace std::chrono_literals;

nlohmann::ordered_json payload_json(const Message& m) {
    nlohmann::ordered_json j;
    j["opcode"] = m.opcode == Opcode::binary ? "binary" : "text";
    if (m.opcode == Opcode::text && is_valid_utf8(m.payload))
        j["text"] = m.payload;
    else
        j["base64"] = base64_encode(m.payload);
    return j;
}

class Replay {
public:
    Replay(const ReplayOptions& o, const RecordedConversation& c, std::size_t number, detail::Console& console,
           Recorder* recorder)
        : o_(o), c_(c), number_(number), console_(console), recorder_(recorder) {
        for (const auto& s : c.steps) (s.sent ? sends_ : expected_).push_back(&s);
    }

    // The connection's exit status: 0 equal, 1 different, or its failure's.
    int run() {
        ClientOptions options = o_.client;
        if (!o_.url_given) options.url = parse_url(c_.url);
        if (!o_.url_given && c_.url.find("[hidden]") != std::string::npos)
            console_.diagnostic(fmt::format("#{}: the recorded URL's secrets were masked ([hidden]): give URL, or "
                                            "record with --record-secrets",
                                            number_));
        if (options.subprotocols.empty()) options.subprotocols = c_.subprotocols;
        // The recorded headers, then -H: a header given replaces the recorded one.
        std::vector<Header> headers;
        for (const auto& h : c_.headers) {
            bool replaced = std::any_of(o_.client.headers.begin(), o_.client.headers.end(),
                                        [&](const Header& given) { return detail::same_header_name(given.name, h.name); });
            if (!replaced) headers.push_back(h);
        }
        headers.insert(headers.end(), o_.client.headers.begin(), o_.client.headers.end());
        options.headers = std::move(headers);
        url_ = options.url.str();
        client_ = std::make_unique<Client>(loop_, std::move(options), [this](Event& e) { on_event(e); });
        client_->connect();
        loop_.on_signals([this](int signo) {
            interrupted_ = to_int(exit_code_for_signal(signo));
            finish();
        });
        loop_.run();
        return verdict();
    }

private:
    void on_event(Event& e) {
        e.conn = number_;
        switch (e.type) {
            case EventType::open:
                if (o_.verbosity >= 1) print_trace(client_->handshake());
                if (recorder_) recorder_->opened(e, client_handshake(client_->handshake(), e.text));
                opened_ = std::chrono::steady_clock::now();
                schedule_sends();
                arm_deadline();
                return;
            case EventType::message:
                if (recorder_) recorder_->record(e);
                received_.push_back(std::move(e.message));
                if (o_.pacing == ReplayPacing::lockstep) send_due_in_lockstep();
                arm_deadline();
                return;
            case EventType::close:
            case EventType::error:
                if (recorder_) recorder_->record(e);
                if (e.type == EventType::error || !closing_) {
                    ended_early_ = true;
                    // The server's close as recorded is no failure.
                    bool recorded = e.type == EventType::close && c_.server_close == e.code;
                    exit_ = recorded ? ExitCode::ok : client_->exit_code();
                    if (e.type == EventType::error) console_.diagnostic(client_->error_message());
                }
                return;
            case EventType::finished: loop_.stop(); return;
            default:
                if (recorder_) recorder_->record(e);
                return;
        }
    }

    void schedule_sends() {
        switch (o_.pacing) {
            case ReplayPacing::none:
                while (next_send_ < sends_.size()) send_next();
                return;
            case ReplayPacing::lockstep: return send_due_in_lockstep();
            case ReplayPacing::recorded:
                for (std::size_t i = 0; i < sends_.size(); ++i) {
                    auto delay = std::chrono::milliseconds(static_cast<long long>(sends_[i]->at * 1000 / o_.speed));
                    loop_.after(delay, [this] { send_next(); });
                }
                return;
        }
    }

    // Each sent message goes once the server has sent as many messages as
    // it had before it in the recording.
    void send_due_in_lockstep() {
        while (next_send_ < sends_.size() && received_.size() >= receives_before(*sends_[next_send_])) send_next();
    }

    std::size_t receives_before(const RecordedConversation::Step& send) const {
        std::size_t n = 0;
        for (const auto& s : c_.steps) {
            if (&s == &send) break;
            if (!s.sent) ++n;
        }
        return n;
    }

    void send_next() {
        if (next_send_ >= sends_.size() || closing_ || ended_early_) return;
        const auto& m = sends_[next_send_++]->message;
        if (recorder_) {
            Event e;
            e.type = EventType::message;
            e.direction = Direction::out;
            e.conn = number_;
            e.message = m;
            recorder_->record(e);
        }
        client_->send(m);
        if (next_send_ == sends_.size()) arm_deadline();
    }

    // Done when everything was sent and everything expected came; else
    // when the server has been silent for --wait after the last send.
    void arm_deadline() {
        if (deadline_) loop_.cancel(deadline_);
        deadline_ = 0;
        if (next_send_ == sends_.size() && received_.size() >= expected_.size()) {
            // A moment for an unexpected extra message to show.
            deadline_ = loop_.after(100ms, [this] { finish(); });
            return;
        }
        auto wait = std::chrono::milliseconds(static_cast<long long>(o_.wait_seconds * 1000));
        // Recorded pacing: the last send may still be ahead.
        if (o_.pacing == ReplayPacing::recorded && next_send_ < sends_.size()) {
            auto last = std::chrono::duration<double>(sends_.back()->at / o_.speed);
            auto since_open = std::chrono::steady_clock::now() - opened_;
            if (last > since_open) wait += std::chrono::duration_cast<std::chrono::milliseconds>(last - since_open);
        }
        deadline_ = loop_.after(wait, [this] { finish(); });
    }

    void finish() {
        if (closing_) return loop_.stop();  // a second signal, or no close answer
        closing_ = true;
        if (deadline_) loop_.cancel(deadline_);
        if (!client_->close(c_.client_close.value_or(1000), "")) return loop_.stop();
        loop_.after(2s, [this] { loop_.stop(); });
    }

    int verdict() {
        std::size_t differences = 0;
        auto n = std::max(expected_.size(), received_.size());
        for (std::size_t i = 0; i < n; ++i) {
            const Message* want = i < expected_.size() ? &expected_[i]->message : nullptr;
            const Message* got = i < received_.size() ? &received_[i] : nullptr;
            if (want && got && same_message(*want, *got, o_.comparison)) continue;
            ++differences;
            report(i + 1, want, got);
        }
        summary(differences);
        if (interrupted_) return interrupted_;
        if (ended_early_ && exit_ != ExitCode::ok) return to_int(exit_);
        return differences ? 1 : 0;
    }

    // An event of --json, which starts as every wskit event does.
    nlohmann::ordered_json json_event(const char* name) const {
        nlohmann::ordered_json j;
        j["event"] = name;
        j["ts"] = format_iso_time(std::chrono::system_clock::now());
        j["conn"] = number_;
        return j;
    }

    void print_json(const nlohmann::ordered_json& j) {
        console_.print_record(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
    }

    void report(std::size_t index, const Message* want, const Message* got) {
        const char* kind = want && got ? "differs" : want ? "missing" : "unexpected";
        if (o_.output.format == OutputFormat::json) {
            auto j = json_event("difference");
            j["index"] = index;
            j["kind"] = kind;
            if (want) j["expected"] = payload_json(*want);
            if (got) j["received"] = payload_json(*got);
            return print_json(j);
        }
        std::string text = fmt::format("#{} message {} {}\n", number_, index, kind);
        if (want) text += fmt::format("  expected: {}\n", payload_summary(want->payload, want->opcode == Opcode::binary));
        if (got) text += fmt::format("  received: {}\n", payload_summary(got->payload, got->opcode == Opcode::binary));
        console_.print_record(text);
    }

    void summary(std::size_t differences) {
        if (o_.output.format == OutputFormat::json) {
            auto j = json_event("replayed");
            j["url"] = url_;
            j["sent"] = next_send_;
            j["expected"] = expected_.size();
            j["received"] = received_.size();
            j["differences"] = differences;
            return print_json(j);
        }
        console_.print_record(fmt::format("#{} {}: {} of {} messages sent, {} received of {} expected: {}\n", number_,
                                          url_, next_send_, sends_.size(), received_.size(), expected_.size(),
                                          differences ? fmt::format("{} different", differences) : "as recorded"));
    }

    const ReplayOptions& o_;
    const RecordedConversation& c_;
    ConnId number_;
    detail::Console& console_;
    Recorder* recorder_;
    EventLoop loop_;
    std::unique_ptr<Client> client_;
    std::vector<const RecordedConversation::Step*> sends_, expected_;
    std::vector<Message> received_;
    std::size_t next_send_ = 0;
    std::string url_;
    std::chrono::steady_clock::time_point opened_;
    EventLoop::TimerId deadline_ = 0;
    bool closing_ = false;
    bool ended_early_ = false;  // the server closed first, or the connection failed
    ExitCode exit_ = ExitCode::ok;
    int interrupted_ = 0;
};

}  // namespace

int run_replay(const ReplayOptions& o) {
    std::signal(SIGPIPE, SIG_IGN);
    auto conversations = load_recording(o.path);
    if (conversations.empty()) throw Error(ExitCode::usage, fmt::format("{}: no WebSocket connection in it", escape_controls(o.path)));
    EventLoop output_loop;
    detail::Console::Options console_options;
    console_options.output = o.output;
    detail::Console console(output_loop, std::move(console_options), detail::Console::Handlers{});
    std::unique_ptr<Recorder> recorder = o.record ? Recorder::open(*o.record) : nullptr;
    int result = 0;
    for (std::size_t i = 0; i < conversations.size(); ++i) {
        Replay replay(o, conversations[i], i + 1, console, recorder.get());
        int status = replay.run();
        // The worst: a connection's failure over a difference over equal.
        if (status != 0 && (result == 0 || result == 1)) result = status;
        if (status >= 128) break;
    }
    result = finish_recording(recorder.get(), result, [&](const std::string& line) { console.diagnostic(line); });
    console.drain(std::nullopt);
    return result;
}

}  // namespace wskit
