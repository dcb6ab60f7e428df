#include <wskit/diagnostics.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

using namespace wskit;

namespace {

// Installs a sink that records, and puts the previous one back.
struct RecordingSink {
    std::vector<std::pair<DiagnosticKind, std::string>> lines;
    DiagnosticSink previous;
    RecordingSink() {
        previous = set_diagnostic_sink(
            [this](DiagnosticKind kind, std::string_view text) { lines.emplace_back(kind, std::string(text)); });
    }
    ~RecordingSink() { set_diagnostic_sink(std::move(previous)); }
};

}  // namespace

TEST_CASE("a warning reaches the sink once, with the wskit prefix", "[diagnostics]") {
    RecordingSink sink;
    diagnose(DiagnosticKind::warning, "out of file descriptors\n");
    REQUIRE(sink.lines.size() == 1);
    CHECK(sink.lines[0].first == DiagnosticKind::warning);
    CHECK(sink.lines[0].second == "wskit: out of file descriptors");
}

TEST_CASE("a trace reaches the sink as its producer wrote it", "[diagnostics]") {
    RecordingSink sink;
    diagnose(DiagnosticKind::trace, "> GET / HTTP/1.1\n> Host: a\n");
    REQUIRE(sink.lines.size() == 1);
    CHECK(sink.lines[0].first == DiagnosticKind::trace);
    CHECK(sink.lines[0].second == "> GET / HTTP/1.1\n> Host: a");
}

TEST_CASE("installing a sink returns the one it replaces", "[diagnostics]") {
    std::vector<std::string> first;
    auto original = set_diagnostic_sink([&first](DiagnosticKind, std::string_view text) { first.emplace_back(text); });
    {
        RecordingSink nested;
        diagnose(DiagnosticKind::warning, "inner");
        CHECK(nested.lines.size() == 1);
    }
    diagnose(DiagnosticKind::warning, "outer");
    set_diagnostic_sink(std::move(original));
    CHECK(first == std::vector<std::string>{"wskit: outer"});
}
