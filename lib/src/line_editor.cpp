#include "line_editor.hpp"

#include <histedit.h>

#include <cerrno>
#include <climits>
#include <clocale>
#include <cstdlib>
#include <cwchar>
#include <mutex>
#include <sys/stat.h>
#include <termios.h>
#include <thread>
#include <unistd.h>

namespace wskit::detail {
namespace {

const char* prompt(EditLine*) { return "> "; }

void make_parent_dirs(const std::string& path) {
    for (std::size_t slash = path.find('/', 1); slash != std::string::npos; slash = path.find('/', slash + 1))
        ::mkdir(path.substr(0, slash).c_str(), 0700);
}

class BufferSink final : public Sink {
public:
    void write(std::string_view bytes) override { buffer.append(bytes); }
    std::string buffer;
};

}  // namespace

struct LineEditor::State {
    EventLoop& loop;
    LineHandler on_line;
    EndHandler on_end;
    EditLine* el = nullptr;
    History* hist = nullptr;
    HistEvent event{};
    std::string history_file = history_path();
    termios saved_termios{};
    bool have_termios = false;

    // Held by the editing thread while libedit works, released while it waits
    // for a key; the loop thread takes it to print above the prompt.
    std::mutex terminal;
    bool waiting_for_key = false;  // guarded by terminal: the prompt is on screen
    bool stopped = false;          // guarded by terminal: the owner is gone
    BufferSink sink;

    State(EventLoop& l, LineHandler line, EndHandler end)
        : loop(l), on_line(std::move(line)), on_end(std::move(end)) {
        std::setlocale(LC_CTYPE, "");
        have_termios = ::tcgetattr(STDIN_FILENO, &saved_termios) == 0;
        hist = history_init();
        ::history(hist, &event, H_SETSIZE, 1000);
        ::history(hist, &event, H_SETUNIQUE, 1);
        ::history(hist, &event, H_LOAD, history_file.c_str());
        el = el_init("wskit", stdin, stdout, stderr);
        el_set(el, EL_CLIENTDATA, this);
        el_set(el, EL_EDITOR, "emacs");
        el_set(el, EL_SIGNAL, 0);  // SIGINT/SIGTERM belong to the event loop
        el_set(el, EL_PROMPT, prompt);
        el_set(el, EL_HIST, ::history, hist);
        el_set(el, EL_GETCFN, read_key);
        el_source(el, nullptr);  // ~/.editrc
    }

    // libedit's key reader: waits for one character without holding the
    // terminal, so that messages can be printed meanwhile.
    static int read_key(EditLine* el, wchar_t* out) {
        State* self = nullptr;
        el_get(el, EL_CLIENTDATA, &self);
        self->waiting_for_key = true;
        self->terminal.unlock();
        std::mbstate_t mb{};
        int result = 0;
        for (;;) {
            char c;
            ssize_t n = ::read(STDIN_FILENO, &c, 1);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                result = n == 0 ? 0 : -1;
                break;
            }
            std::size_t r = std::mbrtowc(out, &c, 1, &mb);
            if (r == static_cast<std::size_t>(-2)) continue;  // more bytes of this character
            if (r == static_cast<std::size_t>(-1)) *out = static_cast<unsigned char>(c);
            result = 1;
            break;
        }
        self->terminal.lock();
        self->waiting_for_key = false;
        if (self->stopped) return 0;
        return result;
    }

    void run(const std::shared_ptr<State>& self) {
        std::unique_lock<std::mutex> lock(terminal);
        for (;;) {
            int count = 0;
            const char* line = el_gets(el, &count);
            if (stopped) return;
            if (!line) break;  // Ctrl-D on an empty line
            std::string text(line, static_cast<std::size_t>(count));
            while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
            if (!text.empty()) {
                ::history(hist, &event, H_ENTER, text.c_str());
                make_parent_dirs(history_file);
                ::history(hist, &event, H_SAVE, history_file.c_str());
            }
            auto batch = std::make_shared<std::vector<Message>>();
            batch->push_back({Opcode::text, std::move(text)});
            loop.post([self, batch] { self->on_line(*batch); });
        }
        std::fputs("\n", stdout);
        std::fflush(stdout);
        loop.post([self] { self->on_end(std::nullopt); });
    }

    // Prints what the sink holds above the prompt and redraws the line.
    void flush() {
        if (sink.buffer.empty()) return;
        std::lock_guard<std::mutex> lock(terminal);
        if (waiting_for_key) std::fputs("\r\x1b[K", stdout);
        std::fwrite(sink.buffer.data(), 1, sink.buffer.size(), stdout);
        sink.buffer.clear();
        std::fflush(stdout);
        if (waiting_for_key) el_set(el, EL_REFRESH);
        std::fflush(stdout);
    }
};

LineEditor::LineEditor(EventLoop& loop, LineHandler on_line, EndHandler on_end)
    : state_(std::make_shared<State>(loop, std::move(on_line), std::move(on_end))) {}

LineEditor::~LineEditor() {
    std::lock_guard<std::mutex> lock(state_->terminal);
    state_->stopped = true;
    // The editing thread may be blocked in read(): leave it, but give the
    // terminal back in the state we found it, on a fresh line.
    if (state_->waiting_for_key) std::fputs("\r\x1b[K", stdout);
    std::fflush(stdout);
    if (state_->have_termios) ::tcsetattr(STDIN_FILENO, TCSADRAIN, &state_->saved_termios);
}

void LineEditor::start() {
    std::thread([state = state_] { state->run(state); }).detach();
}

Sink& LineEditor::sink() { return state_->sink; }

void LineEditor::flush() { state_->flush(); }

std::string LineEditor::history_path() {
    const char* state = std::getenv("XDG_STATE_HOME");
    if (state && *state == '/') return std::string(state) + "/wskit/history";
    const char* home = std::getenv("HOME");
    return std::string(home && *home ? home : ".") + "/.local/state/wskit/history";
}

}  // namespace wskit::detail
