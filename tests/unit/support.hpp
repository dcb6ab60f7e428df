// Helpers shared by the unit tests.
#pragma once

#include <wskit/error.hpp>
#include <wskit/printer.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <string_view>

namespace wskit::test {

// A Sink that keeps everything written to it.
class StringSink : public Sink {
public:
    void write(std::string_view bytes) override { data.append(bytes); }
    std::string data;
};

// Runs f, which must throw wskit::Error with `code`; returns its message.
template <class F>
std::string error_message(F&& f, ExitCode code) {
    try {
        f();
    } catch (const Error& e) {
        CHECK(to_int(e.code()) == to_int(code));
        return e.what();
    }
    FAIL("no wskit::Error was thrown");
    return {};
}

inline std::string bytes(std::initializer_list<int> values) {
    std::string out;
    for (int v : values) out.push_back(static_cast<char>(v));
    return out;
}

}  // namespace wskit::test
