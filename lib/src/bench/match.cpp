#include "bench/match.hpp"

#include <wskit/encoding.hpp>
#include <wskit/error.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace wskit::detail::bench {

struct MatchField::Pointer {
    nlohmann::json::json_pointer at;
};

MatchField::MatchField(std::string_view pointer) {
    try {
        pointer_ = std::make_unique<Pointer>(Pointer{nlohmann::json::json_pointer(std::string(pointer))});
    } catch (const nlohmann::json::exception&) {
        throw Error(ExitCode::usage, fmt::format("--match takes a JSON Pointer like /id or /meta/request_id, not '{}'",
                                                 escape_controls(pointer)));
    }
    if (pointer.empty()) throw Error(ExitCode::usage, "--match takes a JSON Pointer to a field, like /id, not the whole message");
}

MatchField::~MatchField() = default;
MatchField::MatchField(MatchField&&) noexcept = default;
MatchField& MatchField::operator=(MatchField&&) noexcept = default;

std::optional<std::string> MatchField::key_of(std::string_view message) const {
    auto json = nlohmann::json::parse(message, nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded()) return std::nullopt;
    try {
        if (!json.contains(pointer_->at)) return std::nullopt;
        return json.at(pointer_->at).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    } catch (const nlohmann::json::exception&) {  // a pointer through an array with a non-number key
        return std::nullopt;
    }
}

}  // namespace wskit::detail::bench
