// --match: pairs a reply with its request by a JSON field the server copies
// from one to the other (a request id), at the same JSON Pointer in both.
#pragma once

#include <wskit/export.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace wskit::detail::bench {

class WSKIT_API MatchField {
public:
    // Throws Error(usage) for a pointer that is not one ("/id", "/meta/req").
    explicit MatchField(std::string_view pointer);
    ~MatchField();
    MatchField(MatchField&&) noexcept;
    MatchField& operator=(MatchField&&) noexcept;

    // The value at the pointer as compact JSON text ("7", "\"a1\""); nothing
    // when the message is not JSON or has no such field.
    std::optional<std::string> key_of(std::string_view message) const;

private:
    struct Pointer;
    std::unique_ptr<Pointer> pointer_;
};

}  // namespace wskit::detail::bench
