// A chat name from any bytes (?name= or /nick): clean_name gives a name with
// nothing invisible or reordering in it, within its cap, and is stable
// (cleaning a clean name changes nothing); name_key never fails and has no
// white space (Redis keeps claims under "ROOM KEY"); a name name_refusal
// accepts does not start like the server's lines nor holds a ':'.
#include "fuzz_support.hpp"

#include <wskit/chat/rules.hpp>
#include <wskit/encoding.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

using wskit::fuzz::require;

namespace {

std::size_t code_points(std::string_view s) {
    std::size_t n = 0;
    for (unsigned char c : s) n += (c & 0xc0) != 0x80;
    return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view raw(reinterpret_cast<const char*>(data), size);
    constexpr std::size_t cap = 32;
    const std::string name = wskit::chat::clean_name(raw, cap);
    require(wskit::is_valid_utf8(name), "a cleaned name is not UTF-8");
    require(code_points(name) <= cap, "a cleaned name is over its cap");
    // Nothing a terminal would act on, no bidi control: escaping changes nothing.
    require(wskit::escape_controls(name) == name, "a cleaned name holds a control or bidi character");
    require(name.find_first_of(" \t\n\r") == std::string::npos, "a cleaned name holds white space");
    require(wskit::chat::clean_name(name, cap) == name, "cleaning a clean name changes it");

    const std::string key = wskit::chat::name_key(raw);
    require(key.find_first_of(" \t\n") == std::string::npos, "a name key holds white space");
    require(wskit::chat::same_name(name, name), "a name is not the same as itself");

    if (!name.empty() && wskit::chat::name_refusal(name).empty()) {
        require(std::string_view("*[#/").find(name[0]) == std::string_view::npos,
                "an accepted name starts like a line of the server");
        require(name.find(':') == std::string::npos, "an accepted name holds a ':'");
    }
    return 0;
}
