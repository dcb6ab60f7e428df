// HTML text for wskit bench --report: the one escaping function every
// string of the page that a user or a peer chose (URLs, templates, error
// messages, close reasons) goes through.
#pragma once

#include <wskit/encoding.hpp>

#include <string>
#include <string_view>

namespace wskit::detail {

// Text and attribute values: control characters, bytes that are not UTF-8
// and bidi controls as escape_controls shows them on a terminal (so the page
// and the summary read the same, and no text reorders its neighbours), then
// the five characters that could end an element or an attribute.
inline std::string html_escape(std::string_view text) {
    std::string out;
    for (char c : escape_controls(text)) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

}  // namespace wskit::detail
