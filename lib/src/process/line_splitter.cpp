#include "process/line_splitter.hpp"

#include <algorithm>
#include <utility>

namespace wskit::detail {
namespace {

// Where to cut a piece of at most `max` bytes from the front of `text`:
// before the UTF-8 character that `max` falls in, when that leaves something.
bool continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

std::size_t cut_point(std::string_view text, std::size_t max) {
    std::size_t cut = max;
    for (int back = 0; back < 3 && cut > 0 && continuation(text[cut]); ++back) --cut;
    return cut == 0 || continuation(text[cut]) ? max : cut;  // not UTF-8 there: any cut will do
}

}  // namespace

LineSplitter::LineSplitter(std::size_t max_line) : max_(std::max<std::size_t>(max_line, 4)) {}

void LineSplitter::feed(std::string_view data, const Emit& emit) {
    partial_.append(data);
    std::size_t start = 0;
    for (;;) {
        auto nl = partial_.find('\n', start);
        if (nl == std::string::npos) break;
        emit_line(partial_.substr(start, nl - start), emit);
        start = nl + 1;
    }
    partial_.erase(0, start);
    while (partial_.size() > max_) {
        auto cut = cut_point(partial_, max_);
        emit(partial_.substr(0, cut));
        partial_.erase(0, cut);
    }
}

void LineSplitter::finish(const Emit& emit) {
    if (!partial_.empty()) emit_line(std::exchange(partial_, {}), emit);
}

void LineSplitter::emit_line(std::string line, const Emit& emit) const {
    std::size_t start = 0;
    while (line.size() - start > max_) {
        auto cut = cut_point(std::string_view(line).substr(start), max_);
        emit(line.substr(start, cut));
        start += cut;
    }
    emit(start == 0 ? std::move(line) : line.substr(start));
}

}  // namespace wskit::detail
