#include "term/console.hpp"

#include "term/line_editor.hpp"
#include "term/stdin_reader.hpp"

#include <wskit/diagnostics.hpp>

#include <fmt/format.h>

#include <unistd.h>

namespace wskit::detail {

struct Console::Impl {
    Impl(EventLoop& l, Options o, Handlers h) : loop(l), options(std::move(o)), handlers(std::move(h)) {
        if (options.interactive) {
            editor = std::make_unique<LineEditor>(
                loop, [this](std::vector<Message>& batch) { handlers.on_input(batch); },
                [this](std::optional<std::string> error) { handlers.on_input_end(std::move(error)); },
                options.output.timestamps && options.output.format == OutputFormat::human,
                options.history ? LineEditor::history_path() : std::nullopt);
            sink = &editor->sink();
        } else {
            out = std::make_unique<FdSink>(loop, STDOUT_FILENO, options.overflow, options.stdout_capacity);
            err = std::make_unique<FdSink>(loop, STDERR_FILENO, Overflow::drop, options.stderr_capacity);
            out->set_handlers({[this] { on_stdout_closed(); }, [this] { if (handlers.on_output_low) handlers.on_output_low(); },
                               [this](DropCount d) { report_dropped(d, "stdout"); }});
            err->set_handlers({{}, {}, [this](DropCount d) { report_dropped(d, "stderr"); }});
            sink = out.get();
        }
        printer = make_printer(options.output, *sink);
        // The library's warnings and traces share stderr with this
        // console's lines, in order, and never block the loop.
        previous_diagnostics = set_diagnostic_sink(
            [this](DiagnosticKind, std::string_view lines) { to_stderr("", lines, true); });
    }

    ~Impl() { set_diagnostic_sink(std::move(previous_diagnostics)); }

    void report_dropped(DropCount d, const char* stream) {
        err->submit(warning_line(fmt::format("output stalled: dropped {} {} ({} bytes) of {}; its reader was not keeping up\n",
                                            d.records, d.records == 1 ? "line" : "lines", d.bytes, stream)));
    }

    void on_stdout_closed() {
        // A server goes on without its log: say so once. A client decides
        // what a lost output means for its exit status.
        if (options.overflow == Overflow::drop && out->state() == FdSink::State::failed)
            err->submit(warning_line(fmt::format("cannot write to stdout ({}); events are no longer printed\n", out->error())));
        if (handlers.on_output_closed) handlers.on_output_closed();
    }

    // Output above the prompt is written once the loop has handled what is
    // ready, so that a burst of messages redraws the prompt once.
    void schedule_flush() {
        if (flush_scheduled) return;
        flush_scheduled = true;
        loop.post([this] {
            flush_scheduled = false;
            editor->flush();
        });
    }

    // One line on stderr, or above the prompt, where the typed line stays
    // intact. `now`: written at once rather than when the loop gets to it.
    void to_stderr(std::string_view prefix, std::string_view line, bool now) {
        if (editor) {
            editor->sink().write(fmt::format("{}{}\n", prefix, line));
            editor->flush();
            return;
        }
        err->write(prefix);
        err->write(line);
        err->submit("\n");
        if (now) err->flush();
    }

    void end_record() {
        if (editor) return schedule_flush();
        out->end_record();
    }

    EventLoop& loop;
    Options options;
    Handlers handlers;
    std::unique_ptr<LineEditor> editor;
    std::unique_ptr<FdSink> out;
    std::unique_ptr<FdSink> err;
    Sink* sink = nullptr;
    std::unique_ptr<Printer> printer;
    std::unique_ptr<InputReader> reader;
    bool flush_scheduled = false;
    DiagnosticSink previous_diagnostics;  // restored when this console goes
};

Console::Console(EventLoop& loop, Options options, Handlers handlers)
    : impl_(std::make_unique<Impl>(loop, std::move(options), std::move(handlers))) {}

Console::~Console() {
    impl_->reader.reset();
    if (impl_->editor) impl_->editor->flush();
}

void Console::start_input() {
    auto& i = *impl_;
    if (!i.options.execute.empty()) {
        // -x messages are input like any other: decoded, slash commands run.
        std::vector<Message> batch;
        for (const auto& text : i.options.execute) batch.push_back(decode_input(text, i.options.encoding));
        i.handlers.on_input(batch);
        i.handlers.on_input_end(std::nullopt);
    } else if (i.editor) {
        i.editor->start();
    } else {
        i.reader = std::make_unique<InputReader>(i.loop, STDIN_FILENO, i.options.framing, i.options.encoding,
                                                 i.handlers.on_input, i.handlers.on_input_end);
        i.reader->start();
    }
}

void Console::set_backlog(std::size_t bytes) {
    if (impl_->reader) impl_->reader->set_backlog(bytes);
}

std::size_t Console::input_high_water() { return InputReader::high_water; }

void Console::print(const Event& e) {
    if (is_flow_event(e.type)) return;
    if (e.type == EventType::error) diagnostic(e.text);
    impl_->printer->print(e);
    impl_->end_record();
}

void Console::print_record(std::string_view record) {
    impl_->sink->write(record);
    impl_->end_record();
}

void Console::info(std::string_view text) {
    while (!text.empty()) {
        auto nl = text.find('\n');
        Event e;
        e.type = EventType::info;
        e.text = std::string(text.substr(0, nl));
        print(e);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    }
}

void Console::diagnostic(std::string_view line) { impl_->to_stderr("", warning_line(line), false); }

void Console::status_line(std::string_view line) { impl_->to_stderr("", line, true); }

void Console::announce(const std::string& url) {
    status_line("listening on " + url);
    if (impl_->options.output.format != OutputFormat::json) return;
    Event e;
    e.type = EventType::listening;
    e.text = url;
    print(e);
}

bool Console::output_backed_up() const { return impl_->out && impl_->out->above_high_mark(); }

bool Console::output_failed() const { return impl_->out && impl_->out->state() == FdSink::State::failed; }

std::string Console::output_error() const { return impl_->out ? impl_->out->error() : std::string(); }

std::uint64_t Console::dropped_records() const { return impl_->out ? impl_->out->total_dropped().records : 0; }

bool Console::interactive() const { return impl_->editor != nullptr; }

FdSink::Drain Console::drain(std::optional<std::chrono::steady_clock::time_point> deadline, int* signo) {
    auto& i = *impl_;
    i.reader.reset();
    if (i.editor) {
        i.editor->flush();
        return FdSink::Drain::done;
    }
    auto result = i.out->drain(deadline, signo);
    if (auto d = i.out->take_dropped(); d.records > 0) i.report_dropped(d, "stdout");
    // Diagnostics are few and short: a moment more for them.
    i.err->drain(deadline ? std::optional(*deadline + std::chrono::milliseconds(100)) : std::nullopt);
    return result;
}

}  // namespace wskit::detail
