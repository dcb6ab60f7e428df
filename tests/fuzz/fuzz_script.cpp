// wskit run's script parser on any text: a script or a one-line usage error
// naming a line of the text; blocks always jump inside the script.
#include "fuzz_support.hpp"

#include "proto/script.hpp"

#include <wskit/error.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

using wskit::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        auto script = wskit::detail::parse_script(text, "fuzz");
        const auto& st = script.statements;
        for (std::size_t i = 0; i < st.size(); ++i) {
            using Kind = wskit::detail::ScriptStatement::Kind;
            if (st[i].kind == Kind::repeat) require(st[i].jump > i && st[i].jump <= st.size(), "a repeat jumps out");
            if (st[i].kind == Kind::end_repeat)
                require(st[i].jump < i && st[st[i].jump].kind == Kind::repeat, "a } that is not its repeat's");
            require(st[i].line >= 1, "a statement without its line");
        }
    } catch (const wskit::Error& e) {
        require(e.code() == wskit::ExitCode::usage, "a failure that is not a usage error");
        wskit::fuzz::require_one_line_error(e);
    }
    return 0;
}
