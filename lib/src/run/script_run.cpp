#include "run/script_run.hpp"
#include "run/matching.hpp"

#include <wskit/encoding.hpp>
#include <wskit/error.hpp>
#include <wskit/url.hpp>

#include <fmt/format.h>
#include <re2/re2.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace wskit::detail {
namespace {

using Kind = ScriptStatement::Kind;
using namespace std::chrono_literals;

constexpr std::size_t recent_kept = 5;

bool is_expect(Kind k) {
    return k == Kind::expect_text || k == Kind::expect_regex || k == Kind::expect_count ||
           k == Kind::expect_binary || k == Kind::expect_pong || k == Kind::expect_close;
}

// An error in a script's text: a usage error that points to the man page,
// where the statements are described (--help has only the options).
Error script_error(std::string message) { return Error(ExitCode::usage, std::move(message), "man wskit-run"); }

}  // namespace

ScriptRun::ScriptRun(EventLoop& loop, Script script, const RunOptions& options, Trace trace)
    : loop_(loop), script_(std::move(script)), options_(options), trace_(std::move(trace)) {
    for (std::size_t i = 0; i < script_.statements.size(); ++i) {
        const auto& s = script_.statements[i];
        if (s.kind != Kind::expect_regex) continue;
        RE2::Options re;
        re.set_log_errors(false);
        auto compiled = std::make_unique<RE2>(s.text, re);
        if (!compiled->ok())
            throw script_error(fmt::format("{}:{}:{}: invalid regex: {} (RE2 syntax)", script_.name, s.line, s.column,
                                           escape_controls(compiled->error())));
        if (!s.capture.empty() && compiled->NumberOfCapturingGroups() > 1)
            throw script_error(fmt::format("{}:{}:{}: 'as {}' captures one group: the regex has {}", script_.name,
                                           s.line, s.column, s.capture, compiled->NumberOfCapturingGroups()));
        regexes_[i] = std::move(compiled);
    }
    // A script that does not start with connect connects to URL first.
    bool connects_first = !script_.statements.empty() && script_.statements.front().kind == Kind::connect;
    if (!connects_first) {
        if (options_.url.empty())
            throw script_error(fmt::format("{}: the script starts without connect: give a URL on the command line, "
                                           "or begin with 'connect URL'",
                                           script_.name));
        Statement c;
        c.kind = Kind::connect;
        c.source = "connect " + escape_controls(options_.url);
        script_.statements.insert(script_.statements.begin(), c);
        for (auto& s : script_.statements)
            if (s.kind == Kind::repeat || s.kind == Kind::end_repeat) ++s.jump;
        std::map<std::size_t, std::unique_ptr<re2::RE2>> shifted;
        for (auto& [i, re] : regexes_) shifted[i + 1] = std::move(re);
        regexes_ = std::move(shifted);
    }
    result_.name = script_.name;
}

Script read_script(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(ExitCode::usage, fmt::format("cannot read the script {}", escape_controls(path)));
    std::ostringstream text;
    text << in.rdbuf();
    try {
        return parse_script(text.str(), escape_controls(path));
    } catch (const Error& e) {
        throw script_error(e.what());
    }
}

ScriptRun::~ScriptRun() {
    if (timer_) loop_.cancel(timer_);
}

void ScriptRun::start(Done done) {
    done_ = std::move(done);
    started_ = std::chrono::steady_clock::now();
    step();
}

void ScriptRun::step() {
    while (!waiting_ && !finishing_ && pc_ < script_.statements.size()) {
        const auto& s = script_.statements[pc_];
        if (trace_) trace_(s.line ? fmt::format("{}:{}: {}", script_.name, s.line, s.source)
                                  : fmt::format("{}: {}", script_.name, s.source));
        ++result_.steps;
        if (!run_now(s)) return;
    }
    if (!waiting_ && !finishing_) finish();
}

// Runs a statement; false when it waits (the event that ends the wait calls
// step() again) or failed.
bool ScriptRun::run_now(const Statement& s) {
    switch (s.kind) {
        case Kind::connect: connect(s); return false;
        case Kind::repeat:
            if (s.number == 0) {
                pc_ = s.jump;
                return true;
            }
            repeats_left_[pc_] = s.number;
            ++pc_;
            return true;
        case Kind::end_repeat:
            if (--repeats_left_[s.jump] > 0)
                pc_ = s.jump + 1;
            else
                ++pc_;
            return true;
        case Kind::sleep:
            waiting_ = true;
            timer_ = loop_.after(*s.within, [this] {
                timer_ = 0;
                waiting_ = false;
                ++pc_;
                step();
            });
            return false;
        default: break;
    }
    if (!client_ || !open_ || closed_ || closed_by_script_) {
        if (s.kind == Kind::expect_close && (closed_ || closed_by_script_)) {
            if (try_expect(s)) return ++pc_, true;
            if (!finishing_) wait_for(s, s.within.value_or(options_.expect_timeout));
            return false;
        }
        fail(s, closed_by_script_ ? std::string("the script closed the connection")
                : closed_         ? fmt::format("the connection is closed (code {})", *closed_)
                                  : std::string("not connected"));
        return false;
    }
    if (is_expect(s.kind)) {
        if (try_expect(s)) {
            ++pc_;
            return true;
        }
        if (!finishing_) wait_for(s, s.within.value_or(options_.expect_timeout));
        return false;
    }
    auto text = expand(s, s.text);
    if (!text) return false;
    if (s.kind == Kind::send || s.kind == Kind::send_binary || s.kind == Kind::ping) {
        last_sent_ = std::chrono::steady_clock::now();
        if (meter_.sent) meter_.sent();
    }
    switch (s.kind) {
        case Kind::send: client_->send(Message{Opcode::text, *text}); break;
        case Kind::send_binary: client_->send(Message{Opcode::binary, *hex_decode(s.text)}); break;
        case Kind::ping: client_->send(Message{Opcode::ping, *text}); break;
        case Kind::close:
            client_->close(s.number ? static_cast<int>(s.number) : 1000, *text);
            closed_by_script_ = true;
            break;
        default: break;
    }
    ++pc_;
    return true;
}

void ScriptRun::connect(const Statement& s) {
    ClientOptions c = options_.client;
    auto url = options_.url.empty() ? expand(s, s.text) : std::optional<std::string>(options_.url);
    if (!url) return;
    try {
        c.url = parse_url(*url);
        for (const auto& h : s.headers) {
            auto value = expand(s, h);
            if (!value) return;
            c.headers.push_back(parse_header(*value));
        }
    } catch (const Error& e) {
        return fail(s, e.what());
    }
    c.subprotocols.insert(c.subprotocols.end(), s.subprotocols.begin(), s.subprotocols.end());
    inbox_.clear();
    pongs_.clear();
    recent_.clear();
    closed_.reset();
    closed_by_script_ = false;
    open_ = false;
    // The one open is closed and kept until the run ends: its handlers may
    // still be queued, and its events are no longer this run's.
    if (client_) {
        client_->close(1000, "");
        retired_.push_back(std::move(client_));
    }
    auto generation = ++generation_;
    client_ = std::make_unique<Client>(loop_, std::move(c), [this, generation](Event& e) {
        if (generation == generation_) on_event(e);
    });
    waiting_ = true;
    client_->connect();
}

void ScriptRun::on_event(Event& e) {
    const auto* s = pc_ < script_.statements.size() ? &script_.statements[pc_] : nullptr;
    switch (e.type) {
        case EventType::open:
            open_ = true;
            if (meter_.opened) meter_.opened();
            if (s && s->kind == Kind::connect && waiting_) {
                waiting_ = false;
                ++pc_;
                step();
            }
            return;
        case EventType::error:
            closed_ = 1006;
            return fail_connection();
        case EventType::message:
            if (meter_.received) meter_.received();
            remember(e.message);
            inbox_.push_back(std::move(e.message));
            break;
        case EventType::pong: pongs_.push_back(std::move(e.message.payload)); break;
        case EventType::close:
            closed_ = e.code;
            if (finishing_) return;
            break;
        case EventType::finished:
            if (open_ && meter_.ended) meter_.ended();
            if (finishing_) done();
            return;
        default: return;
    }
    if (!waiting_ || !s || !is_expect(s->kind)) {
        if (e.type == EventType::close && !finishing_ && pc_ >= script_.statements.size()) finish();
        return;
    }
    if (try_expect(*s)) {
        waiting_ = false;
        if (timer_) loop_.cancel(timer_);
        timer_ = 0;
        ++pc_;
        step();
    } else if (closed_ && !finishing_ && s->kind != Kind::expect_close) {
        fail(*s, fmt::format("the server closed the connection (code {}) first", *closed_));
    }
}

bool ScriptRun::try_expect(const Statement& s) {
    if (!match_expect(s)) return false;
    if (meter_.answered && last_sent_) meter_.answered(std::chrono::steady_clock::now() - *last_sent_);
    return true;
}

// Met: consumes what it expected and returns true. Not met by what is there
// yet: false. Contradicted by the next message: fails, and returns false.
bool ScriptRun::match_expect(const Statement& s) {
    std::size_t index = static_cast<std::size_t>(&s - script_.statements.data());
    switch (s.kind) {
        case Kind::expect_count:
            if (inbox_.size() < static_cast<std::size_t>(s.number)) return false;
            inbox_.erase(inbox_.begin(), inbox_.begin() + s.number);
            return true;
        case Kind::expect_pong: {
            if (pongs_.empty()) return false;
            auto got = std::move(pongs_.front());
            pongs_.pop_front();
            if (!s.has_text) return true;
            auto want = expand(s, s.text);
            if (!want) return false;
            if (got == *want) return true;
            fail(s, "a pong with another payload", {"expected: " + escape_controls(*want), "received: " + escape_controls(got)});
            return false;
        }
        case Kind::expect_close:
            if (!closed_) return false;
            if (!s.number || *closed_ == s.number) return true;
            fail(s, fmt::format("the server closed with {}", *closed_));
            return false;
        default: break;
    }
    if (inbox_.empty()) return false;
    std::string want;
    if (s.kind == Kind::expect_text) {
        auto expanded = expand(s, s.text);
        if (!expanded) return false;
        want = std::move(*expanded);
    }
    Message got = std::move(inbox_.front());
    inbox_.pop_front();
    auto it = regexes_.find(index);
    auto match = match_message(s, got, want, it == regexes_.end() ? nullptr : it->second.get());
    if (match.captured) captures_[s.capture] = std::move(*match.captured);
    if (match.ok) return true;
    fail(s, "the next message is another", {"expected: " + match.expected, "received: " + payload_summary(got.payload, got.opcode == Opcode::binary)});
    return false;
}

void ScriptRun::wait_for(const Statement& s, std::chrono::milliseconds limit) {
    waiting_ = true;
    timer_ = loop_.after(limit, [this, &s] {
        timer_ = 0;
        timed_out(s);
    });
}

void ScriptRun::timed_out(const Statement& s) {
    auto limit = s.within.value_or(options_.expect_timeout);
    std::string why = fmt::format("nothing that matches within {} ms", limit.count());
    if (s.kind == Kind::expect_count)
        why = fmt::format("{} of {} messages within {} ms", inbox_.size(), s.number, limit.count());
    fail(s, why);
}

std::optional<std::string> ScriptRun::expand(const Statement& s, const std::string& text) {
    std::string missing;
    auto out = substitute_variables(
        text,
        [this](const std::string& name) -> std::optional<std::string> {
            if (auto it = captures_.find(name); it != captures_.end()) return it->second;
            if (const char* value = std::getenv(name.c_str())) return std::string(value);
            return std::nullopt;
        },
        missing);
    if (missing.empty()) return out;
    fail(s, fmt::format("${} is not set (neither captured with 'as {}' nor in the environment)", missing, missing));
    return std::nullopt;
}

void ScriptRun::remember(const Message& m) {
    recent_.push_back(m);
    if (recent_.size() > recent_kept) recent_.pop_front();
}

std::vector<std::string> ScriptRun::last_messages() const {
    std::vector<std::string> out;
    for (const auto& m : recent_) out.push_back("  " + payload_summary(m.payload, m.opcode == Opcode::binary));
    return out;
}

void ScriptRun::fail(const Statement& s, std::string why, std::vector<std::string> details) {
    if (finishing_) return;
    result_.passed = false;
    result_.exit = to_int(ExitCode::runtime);
    // The connect a script without one starts with has no line.
    result_.failure = s.line ? fmt::format("{}:{}: {}: {}", script_.name, s.line, s.source, why)
                             : fmt::format("{}: {}: {}", script_.name, s.source, why);
    result_.details = std::move(details);
    if (!recent_.empty()) {
        result_.details.push_back(recent_.size() == 1 ? std::string("the last message received:")
                                                      : fmt::format("the last {} messages received:", recent_.size()));
        for (auto& line : last_messages()) result_.details.push_back(std::move(line));
    }
    waiting_ = false;
    finishing_ = true;
    if (timer_) loop_.cancel(timer_);
    timer_ = 0;
    if (client_ && client_->close(1000, "")) return;  // done when the client has finished
    loop_.post([this] { done(); });
}

// The connection could not be opened, or failed: its own exit status.
void ScriptRun::fail_connection() {
    const auto& s = script_.statements[std::min(pc_, script_.statements.size() - 1)];
    auto code = client_->exit_code();
    fail(s, client_->error_message());
    result_.exit = to_int(code == ExitCode::ok ? ExitCode::runtime : code);
}

void ScriptRun::finish() {
    result_.passed = true;
    finishing_ = true;
    if (client_ && !closed_ && client_->close(1000, "")) return;  // done once the close handshake is over
    if (client_ && !client_->finished()) return;
    loop_.post([this] { done(); });
}

void ScriptRun::done() {
    if (!done_) return;
    result_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    auto done = std::move(done_);
    done_ = nullptr;
    done(result_);
}

}  // namespace wskit::detail
