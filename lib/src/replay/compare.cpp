// Whether a server's message is the one it sent in the recording: the same
// type and payload, JSON fields that always change left out (--ignore), or
// only the type (--loose).
#include <wskit/tool/replay.hpp>

#include <nlohmann/json.hpp>

namespace wskit {
namespace {

using Json = nlohmann::json;

// The JSON document with every pointer that names something removed.
void remove_ignored(Json& doc, const std::vector<std::string>& pointers) {
    for (const auto& text : pointers) {
        try {
            Json::json_pointer pointer(text);
            if (pointer.empty() || !doc.contains(pointer)) continue;
            auto& parent = doc.at(pointer.parent_pointer());
            if (parent.is_object())
                parent.erase(pointer.back());
            else if (parent.is_array())
                parent.erase(static_cast<std::size_t>(std::stoul(pointer.back())));
        } catch (const std::exception&) {
            // A pointer that does not fit this document's shape names nothing in it.
        }
    }
}

}  // namespace

std::string json_pointer_problem(const std::string& pointer) {
    try {
        Json::json_pointer parsed(pointer);
        return {};
    } catch (const std::exception&) {
        return "not a JSON Pointer: it starts with '/', like /id or /data/0/ts";
    }
}

bool same_message(const Message& recorded, const Message& received, const ReplayComparison& how) {
    if (recorded.opcode != received.opcode) return false;
    if (how.loose) return true;
    if (recorded.payload == received.payload) return true;
    if (how.ignore.empty() || recorded.opcode != Opcode::text) return false;
    auto a = Json::parse(recorded.payload, nullptr, false);
    auto b = Json::parse(received.payload, nullptr, false);
    if (a.is_discarded() || b.is_discarded()) return false;
    remove_ignored(a, how.ignore);
    remove_ignored(b, how.ignore);
    return a == b;
}

}  // namespace wskit
