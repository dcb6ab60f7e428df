// The interactive terminal of `wskit connect`: a libedit line editor with
// persistent history on its own thread, and a Sink that prints incoming
// messages above the prompt without disturbing the line being typed.
#pragma once

#include <wskit/export.hpp>
#include <wskit/loop.hpp>
#include <wskit/message.hpp>
#include <wskit/printer.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace wskit::detail {

class LineEditor {
public:
    // Both handlers run on the loop thread: each typed line as a text
    // message, and on_end at Ctrl-D (or a read error).
    using LineHandler = std::function<void(std::vector<Message>&)>;
    using EndHandler = std::function<void(std::optional<std::string> error)>;

    // With timestamps, each entered line is rewritten on screen with the
    // local time in front, as the printer does for the lines it prints. The
    // history is loaded from and saved to `history_file`; none: it lasts
    // the session only.
    LineEditor(EventLoop& loop, LineHandler on_line, EndHandler on_end, bool timestamps = false,
               std::optional<std::string> history_file = history_path());
    // Restores the terminal as it was.
    ~LineEditor();

    void start();
    // Output goes through here: buffered, and written above the prompt by
    // flush(). Loop thread only.
    Sink& sink();
    void flush();

    // Where the history is kept, from the environment (see history_file).
    static std::optional<std::string> history_path();

private:
    struct State;
    std::shared_ptr<State> state_;  // shared with the editing thread
};

// Where the interactive history is kept, from the environment's values
// (null when unset): WSKIT_HISTORY when set (empty: nowhere, the history
// lasts the session), else $XDG_STATE_HOME/wskit/history (an absolute
// XDG_STATE_HOME only, as the XDG spec says), else
// $HOME/.local/state/wskit/history.
WSKIT_API std::optional<std::string> history_file(const char* wskit_history, const char* xdg_state_home,
                                                  const char* home);

}  // namespace wskit::detail
