#include "run/matching.hpp"

#include <wskit/encoding.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <re2/re2.h>

namespace wskit::detail {
namespace {

using Json = nlohmann::json;
using Kind = ScriptStatement::Kind;

// Every member of `expected` is in `received` with the same value (objects
// recursively, arrays element by element and of the same length).
bool subset(const Json& expected, const Json& received) {
    if (expected.is_object()) {
        if (!received.is_object()) return false;
        for (const auto& [key, value] : expected.items())
            if (!received.contains(key) || !subset(value, received[key])) return false;
        return true;
    }
    if (expected.is_array()) {
        if (!received.is_array() || received.size() != expected.size()) return false;
        for (std::size_t i = 0; i < expected.size(); ++i)
            if (!subset(expected[i], received[i])) return false;
        return true;
    }
    return expected == received;
}

}  // namespace

MessageMatch match_message(const ScriptStatement& s, const Message& got, const std::string& want, const re2::RE2* re) {
    MessageMatch m;
    bool text = got.opcode == Opcode::text;
    if (s.kind == Kind::expect_binary) {
        auto bytes = *hex_decode(s.text);
        m.ok = got.opcode == Opcode::binary && got.payload == bytes;
        m.expected = payload_summary(bytes, true);
    } else if (s.kind == Kind::expect_regex) {
        std::string group;
        bool grouped = re->NumberOfCapturingGroups() > 0;
        m.ok = text && (grouped ? RE2::PartialMatch(got.payload, *re, &group) : RE2::PartialMatch(got.payload, *re));
        if (m.ok && !s.capture.empty()) m.captured = grouped ? group : got.payload;
        m.expected = "/" + escape_controls(s.text) + "/";
    } else {
        m.expected = escape_controls(want);
        // A JSON value is a subset of the message; what only looks like one
        // is compared as text.
        auto expected = s.json ? Json::parse(want, nullptr, false) : Json(nullptr);
        if (text && s.json && !expected.is_discarded()) {
            auto received = Json::parse(got.payload, nullptr, false);
            m.ok = !received.is_discarded() && subset(expected, received);
        } else {
            m.ok = text && got.payload == want;
        }
    }
    return m;
}

}  // namespace wskit::detail
