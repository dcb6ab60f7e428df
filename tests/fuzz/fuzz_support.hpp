// Helpers shared by the fuzz targets: a property check that libFuzzer reports
// as a finding, and the checks every parser's errors must pass.
#pragma once

#include <wskit/error.hpp>

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace wskit::fuzz {

// A property the code under test must keep. abort() is what libFuzzer records
// as a crash, saving the input that broke the property.
inline void require(bool ok, const char* what) {
    if (ok) return;
    std::fprintf(stderr, "property violated: %s\n", what);
    std::abort();
}

// True when `text` holds no control character (nor DEL): what reaches a
// terminal after escape_controls.
inline bool has_no_controls(std::string_view text) {
    for (unsigned char c : text)
        if (c < 0x20 || c == 0x7f) return false;
    return true;
}

// Error messages are one line that a terminal shows as is: the parsers escape
// the input they quote.
inline void require_one_line_error(const Error& e) {
    require(has_no_controls(e.what()), "an error message holds a control character or a line break");
}

}  // namespace wskit::fuzz
