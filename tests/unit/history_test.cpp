#include "support.hpp"

#include "term/line_editor.hpp"

using wskit::detail::history_file;

TEST_CASE("history_file: WSKIT_HISTORY names the file, or turns it off when empty", "[history]") {
    CHECK(history_file("/tmp/h", "/state", "/home/u") == "/tmp/h");
    CHECK(history_file("relative/h", nullptr, nullptr) == "relative/h");
    CHECK(history_file("", "/state", "/home/u") == std::nullopt);
}

TEST_CASE("history_file: else under XDG_STATE_HOME, else under ~/.local/state", "[history]") {
    CHECK(history_file(nullptr, "/state", "/home/u") == "/state/wskit/history");
    // The XDG spec ignores a relative XDG_STATE_HOME.
    CHECK(history_file(nullptr, "state", "/home/u") == "/home/u/.local/state/wskit/history");
    CHECK(history_file(nullptr, "", "/home/u") == "/home/u/.local/state/wskit/history");
    CHECK(history_file(nullptr, nullptr, "/home/u") == "/home/u/.local/state/wskit/history");
    CHECK(history_file(nullptr, nullptr, nullptr) == "./.local/state/wskit/history");
}
