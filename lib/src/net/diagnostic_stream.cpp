#include "net/diagnostic_stream.hpp"

#include <wskit/diagnostics.hpp>

#include <streambuf>
#include <string>

namespace wskit::detail {
namespace {

// Gathers characters into lines; websocketpp ends each entry with "\n".
class LineBuffer final : public std::streambuf {
protected:
    int_type overflow(int_type ch) override {
        if (traits_type::eq_int_type(ch, traits_type::eof())) return traits_type::not_eof(ch);
        if (traits_type::to_char_type(ch) == '\n') {
            diagnose(DiagnosticKind::trace, line_);
            line_.clear();
        } else {
            line_ += traits_type::to_char_type(ch);
        }
        return ch;
    }

private:
    std::string line_;
};

}  // namespace

std::ostream& diagnostic_stream() {
    thread_local LineBuffer buffer;
    thread_local std::ostream stream(&buffer);
    return stream;
}

}  // namespace wskit::detail
