// Whether the next message is what an expect of a `wskit run` script asks
// for, and how both read in a failure's report.
#pragma once

#include "proto/script.hpp"

#include <wskit/message.hpp>

#include <optional>
#include <string>

namespace re2 {
class RE2;
}

namespace wskit::detail {

struct MessageMatch {
    bool ok = false;
    std::string expected;                 // as a failure shows it
    std::optional<std::string> captured;  // expect /re/ as VAR: its group, or the whole message
};

// `want` is the statement's text with its variables replaced; `re` the
// statement's compiled regex (expect /re/ only).
MessageMatch match_message(const ScriptStatement& s, const Message& got, const std::string& want, const re2::RE2* re);

}  // namespace wskit::detail
