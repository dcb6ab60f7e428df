#include <wskit/encoding.hpp>
#include <wskit/error.hpp>
#include <wskit/tool/input.hpp>

#include <fmt/format.h>

#include <cstring>

namespace wskit {
namespace {

void strip_cr(std::string& line) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
}

bool is_blank_line(std::string_view line) { return line.empty() || line == "\r"; }

}  // namespace

void InputSplitter::feed(std::string_view bytes, std::vector<std::string>& units) {
    if (framing_ == InputFraming::stream) {
        if (!bytes.empty()) units.emplace_back(bytes);
        return;
    }
    if (framing_ == InputFraming::whole) {
        pending_.append(bytes);
        return;
    }
    if (framing_ == InputFraming::paragraph) {
        pending_.append(bytes);
        feed_paragraphs(units);
        return;
    }
    const char separator = framing_ == InputFraming::null ? '\0' : '\n';
    // Cut straight from `bytes`, so that the common case (many whole lines per
    // read) copies each line once.
    while (!bytes.empty()) {
        const void* hit = std::memchr(bytes.data(), separator, bytes.size());
        if (!hit) {
            pending_.append(bytes);
            return;
        }
        auto len = static_cast<std::size_t>(static_cast<const char*>(hit) - bytes.data());
        if (pending_.empty()) {
            units.emplace_back(bytes.substr(0, len));
        } else {
            pending_.append(bytes.substr(0, len));
            units.push_back(std::move(pending_));
            pending_.clear();
        }
        if (separator == '\n') strip_cr(units.back());
        bytes.remove_prefix(len + 1);
    }
}

void InputSplitter::feed_paragraphs(std::vector<std::string>& units) {
    // A paragraph ends at a line that is empty (or only "\r"). Blank lines at
    // the start and repeated blank lines produce no empty units.
    std::size_t start = 0;
    std::size_t pos = scanned_;
    for (;;) {
        auto nl = pending_.find('\n', pos);
        if (nl == std::string::npos) break;
        std::string_view line(pending_.data() + pos, nl - pos);
        if (is_blank_line(line)) {
            if (pos > start) {
                // pending_[start, pos) ends with the paragraph's last newline.
                std::string unit = pending_.substr(start, pos - start - 1);
                strip_cr(unit);
                units.push_back(std::move(unit));
            }
            start = nl + 1;
        }
        pos = nl + 1;
    }
    pending_.erase(0, start);
    scanned_ = pos - start;
}

void InputSplitter::finish(std::vector<std::string>& units) {
    switch (framing_) {
        case InputFraming::whole:
            units.push_back(std::move(pending_));
            break;
        case InputFraming::paragraph: {
            // Trailing newlines of the last paragraph are not part of it.
            while (!pending_.empty() && (pending_.back() == '\n' || pending_.back() == '\r'))
                pending_.pop_back();
            if (!pending_.empty()) units.push_back(std::move(pending_));
            break;
        }
        case InputFraming::lines:
            strip_cr(pending_);
            [[fallthrough]];
        case InputFraming::null:
            if (!pending_.empty()) units.push_back(std::move(pending_));
            break;
        case InputFraming::stream:
            break;  // each read went as it came: nothing waits
    }
    pending_.clear();
    scanned_ = 0;
}

Message decode_input(std::string unit, InputEncoding encoding) {
    switch (encoding) {
        case InputEncoding::text: return {Opcode::text, std::move(unit)};
        case InputEncoding::binary: return {Opcode::binary, std::move(unit)};
        case InputEncoding::hex: {
            auto bytes = hex_decode(unit);
            if (!bytes)
                throw Error(ExitCode::runtime,
                            "input is not valid hex (expected pairs of hex digits, like '48 69')");
            return {Opcode::binary, std::move(*bytes)};
        }
        case InputEncoding::base64: {
            auto bytes = base64_decode(unit);
            if (!bytes) throw Error(ExitCode::runtime, "input is not valid base64");
            return {Opcode::binary, std::move(*bytes)};
        }
    }
    return {Opcode::text, std::move(unit)};
}

std::string text_input_problem(const Message& m, const std::string& unit) {
    if (m.opcode != Opcode::text || is_valid_utf8(m.payload)) return {};
    return fmt::format("{} is not valid UTF-8; nothing from it on was sent (send bytes with --binary, --hex or "
                       "--base64)",
                       unit);
}

}  // namespace wskit
