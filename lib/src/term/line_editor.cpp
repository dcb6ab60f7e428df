#include "term/line_editor.hpp"

#include <histedit.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <clocale>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <cwchar>
#include <fcntl.h>
#include <mutex>
#include <string>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <thread>
#include <unistd.h>

namespace wskit::detail {
namespace {

const char* prompt(EditLine*) { return "> "; }
constexpr std::size_t prompt_width = 2;

// Columns of the terminal, to know how many rows a wrapped line takes.
std::size_t terminal_columns() {
    winsize ws{};
    if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
    return 80;
}

// Columns libedit uses to show these characters: wide ones take two,
// control characters are shown as ^X, a tab reaches the next multiple of 8.
std::size_t display_width(const wchar_t* begin, const wchar_t* end, std::size_t column) {
    std::size_t start = column;
    for (const wchar_t* p = begin; p < end; ++p) {
        if (*p == L'\t') {
            column += 8 - column % 8;
            continue;
        }
        int w = ::wcwidth(*p);
        column += w < 0 ? 2 : static_cast<std::size_t>(w);
    }
    return column - start;
}

// The width of an entered line, shown after the prompt.
std::size_t display_width(const std::string& text) {
    std::wstring wide(text.size() + 1, L'\0');
    std::mbstate_t mb{};
    const char* src = text.c_str();
    std::size_t n = std::mbsrtowcs(wide.data(), &src, wide.size(), &mb);
    if (n == static_cast<std::size_t>(-1)) return text.size();
    return display_width(wide.data(), wide.data() + n, prompt_width);
}

// Moves from the row the cursor is on, `rows_up` rows below the prompt's
// first row, to that row's start, and clears from there to the end of the
// screen: the prompt and the line, however many rows they wrap over.
std::string clear_rows_above(std::size_t rows_up) {
    std::string out;
    if (rows_up > 0) out += "\x1b[" + std::to_string(rows_up) + "A";
    return out + "\r\x1b[J";
}

// "14:03:07.123 ", the printer's --timestamps prefix.
std::string clock_prefix() { return format_clock_time(std::chrono::system_clock::now()) + ' '; }

void make_parent_dirs(const std::string& path) {
    for (std::size_t slash = path.find('/', 1); slash != std::string::npos; slash = path.find('/', slash + 1))
        ::mkdir(path.substr(0, slash).c_str(), 0700);
}

// What is typed may be a secret (a token in a message): the history file is
// created readable by its owner only. libedit's save keeps an existing
// file's mode.
void create_private_file(const std::string& path) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) ::close(fd);
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
    bool timestamps;
    EditLine* el = nullptr;
    History* hist = nullptr;
    HistEvent event{};
    std::optional<std::string> history_file;  // none: the history lasts the session
    termios saved_termios{};
    bool have_termios = false;

    // Held by the editing thread while libedit works, released while it waits
    // for a key; the loop thread takes it to print above the prompt.
    std::mutex terminal;
    bool waiting_for_key = false;  // guarded by terminal: the prompt is on screen
    bool stopped = false;          // guarded by terminal: the owner is gone
    BufferSink sink;

    State(EventLoop& l, LineHandler line, EndHandler end, bool stamp, std::optional<std::string> file)
        : loop(l), on_line(std::move(line)), on_end(std::move(end)), timestamps(stamp), history_file(std::move(file)) {
        std::setlocale(LC_CTYPE, "");
        have_termios = ::tcgetattr(STDIN_FILENO, &saved_termios) == 0;
        hist = history_init();
        ::history(hist, &event, H_SETSIZE, 1000);
        ::history(hist, &event, H_SETUNIQUE, 1);
        if (history_file) ::history(hist, &event, H_LOAD, history_file->c_str());
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
            // libedit shows the prompt first and makes the terminal raw only
            // when it reads the first key, and it makes it cooked again after
            // each line. A key typed in between is echoed by the terminal
            // itself (a copy of the line that libedit does not know about
            // and cannot erase) and a Ctrl-D there is an end of file that
            // libedit never sees. So the terminal is raw before the prompt.
            el_set(el, EL_PREP_TERM, 1);
            int count = 0;
            const char* line = el_gets(el, &count);
            if (stopped) return;
            if (!line) break;  // Ctrl-D on an empty line
            std::string text(line, static_cast<std::size_t>(count));
            while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
            if (timestamps) restamp(text);
            if (!text.empty()) {
                ::history(hist, &event, H_ENTER, text.c_str());
                if (history_file) save_history(*history_file);
            }
            auto batch = std::make_shared<std::vector<Message>>();
            batch->push_back({Opcode::text, std::move(text)});
            loop.post([self, batch] { self->on_line(*batch); });
        }
        std::fputs("\n", stdout);
        std::fflush(stdout);
        loop.post([self] { self->on_end(std::nullopt); });
    }

    void save_history(const std::string& path) {
        make_parent_dirs(path);
        create_private_file(path);
        ::history(hist, &event, H_SAVE, path.c_str());
    }

    // The entered line is on screen as libedit left it, the cursor on the
    // row below: write it again with the time in front. Editing thread,
    // terminal held.
    void restamp(const std::string& text) {
        // libedit wraps a line that fills its last row exactly onto a new,
        // empty row before the newline: hence the + 1 in any case.
        std::size_t rows = (prompt_width + display_width(text)) / terminal_columns() + 1;
        std::string out = clear_rows_above(rows) + clock_prefix() + "> " + text + "\n";
        std::fwrite(out.data(), 1, out.size(), stdout);
        std::fflush(stdout);
    }

    // Clears the prompt and the line being typed: the cursor may be on any
    // row of a line that wraps. Terminal held, editing thread waiting.
    void clear_prompt() {
        const LineInfoW* info = el_wline(el);
        std::size_t before = prompt_width;
        if (info) before += display_width(info->buffer, info->cursor, prompt_width);
        std::fputs(clear_rows_above(before / terminal_columns()).c_str(), stdout);
    }

    // Prints what the sink holds above the prompt and redraws the line.
    void flush() {
        if (sink.buffer.empty()) return;
        std::lock_guard<std::mutex> lock(terminal);
        if (waiting_for_key) clear_prompt();
        std::fwrite(sink.buffer.data(), 1, sink.buffer.size(), stdout);
        sink.buffer.clear();
        std::fflush(stdout);
        if (waiting_for_key) {
            el_resize(el);  // libedit does not follow SIGWINCH (EL_SIGNAL is off)
            el_set(el, EL_REFRESH);
        }
        std::fflush(stdout);
    }
};

LineEditor::LineEditor(EventLoop& loop, LineHandler on_line, EndHandler on_end, bool timestamps,
                       std::optional<std::string> history_file)
    : state_(std::make_shared<State>(loop, std::move(on_line), std::move(on_end), timestamps,
                                     std::move(history_file))) {}

LineEditor::~LineEditor() {
    std::lock_guard<std::mutex> lock(state_->terminal);
    state_->stopped = true;
    // The editing thread may be blocked in read(): leave it, but give the
    // terminal back in the state we found it, on a fresh line.
    if (state_->waiting_for_key) state_->clear_prompt();
    std::fflush(stdout);
    if (state_->have_termios) ::tcsetattr(STDIN_FILENO, TCSADRAIN, &state_->saved_termios);
}

void LineEditor::start() {
    std::thread([state = state_] { state->run(state); }).detach();
}

Sink& LineEditor::sink() { return state_->sink; }

void LineEditor::flush() { state_->flush(); }

std::optional<std::string> LineEditor::history_path() {
    return history_file(std::getenv("WSKIT_HISTORY"), std::getenv("XDG_STATE_HOME"), std::getenv("HOME"));
}

std::optional<std::string> history_file(const char* wskit_history, const char* xdg_state_home, const char* home) {
    if (wskit_history) {
        if (!*wskit_history) return std::nullopt;
        return std::string(wskit_history);
    }
    if (xdg_state_home && *xdg_state_home == '/') return std::string(xdg_state_home) + "/wskit/history";
    return std::string(home && *home ? home : ".") + "/.local/state/wskit/history";
}

}  // namespace wskit::detail
