#include "proto/frame_trace.hpp"

#include <wskit/encoding.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace wskit::detail {
namespace {

std::string opcode_name(int op) {
    switch (op) {
        case 0x0: return "cont";
        case 0x1: return "text";
        case 0x2: return "binary";
        case 0x8: return "close";
        case 0x9: return "ping";
        case 0xa: return "pong";
        default: return fmt::format("opcode=0x{:x}", op);
    }
}

std::string quoted_text(std::string_view bytes, bool truncated) {
    // A cut in the middle of a character would print as garbage.
    while (truncated && !bytes.empty() && ends_mid_character(bytes)) bytes.remove_suffix(1);
    return fmt::format("\"{}\"{}", escape_controls(bytes), truncated ? "..." : "");
}

}  // namespace

std::string describe_frame(const FrameHeader& h, std::string_view preview) {
    std::string out = fmt::format("frame {} fin={} rsv={}{}{} mask={} len={}", opcode_name(h.opcode), h.fin ? 1 : 0,
                                  h.rsv1 ? 1 : 0, h.rsv2 ? 1 : 0, h.rsv3 ? 1 : 0, h.masked ? 1 : 0, h.length);
    bool truncated = preview.size() < h.length;
    if (h.opcode == 0x8) {
        if (preview.size() >= 2) {
            int code = static_cast<unsigned char>(preview[0]) << 8 | static_cast<unsigned char>(preview[1]);
            out += fmt::format(" code={}", code);
            if (preview.size() > 2) out += " reason=" + quoted_text(preview.substr(2), truncated);
        }
    } else if (h.opcode == 0x2 || (h.opcode == 0x0 && !is_valid_utf8(preview) && !ends_mid_character(preview))) {
        if (!preview.empty()) {
            auto shown = preview.substr(0, 16);
            std::string hex;
            for (unsigned char c : shown) hex += fmt::format("{}{:02x}", hex.empty() ? "" : " ", c);
            out += fmt::format(" [{}{}]", hex, shown.size() < h.length ? " ..." : "");
        }
    } else if (!preview.empty()) {
        out += " " + quoted_text(preview, truncated);
    }
    return out;
}

std::vector<std::string> FrameTracer::feed(std::string_view in) {
    std::vector<std::string> lines;
    while (!in.empty()) {
        switch (state_) {
            case State::http: {
                // Only the last 3 bytes of earlier reads can start the blank line.
                auto take = std::min<std::size_t>(in.size(), 4096);
                std::string window = http_tail_ + std::string(in.substr(0, take));
                auto end = window.find("\r\n\r\n");
                if (end == std::string::npos) {
                    http_tail_ = window.substr(window.size() - std::min<std::size_t>(3, window.size()));
                    in.remove_prefix(take);
                    break;
                }
                in.remove_prefix(end + 4 - http_tail_.size());
                http_tail_.clear();
                state_ = State::header;
                break;
            }
            case State::header: {
                auto size = [this] { return frame_header_size(static_cast<unsigned char>(header_[1])); };
                std::size_t want = header_.size() < 2 ? 2 : size();
                auto take = std::min(in.size(), want - header_.size());
                header_.append(in.substr(0, take));
                in.remove_prefix(take);
                if (header_.size() < 2 || header_.size() < size()) break;
                frame_ = read_frame_header(reinterpret_cast<const unsigned char*>(header_.data()));
                header_.clear();
                payload_seen_ = 0;
                preview_.clear();
                described_ = false;
                state_ = State::payload;
                break;
            }
            case State::payload: {
                auto left = frame_.length - payload_seen_;
                auto take = static_cast<std::size_t>(std::min<std::uint64_t>(in.size(), left));
                auto shown = std::min(take, preview_limit - preview_.size());
                if (shown > 0) {
                    std::string bytes(in.substr(0, shown));
                    if (frame_.masked) mask_payload(bytes.data(), bytes.size(), frame_.mask_key, payload_seen_);
                    preview_ += bytes;
                }
                payload_seen_ += take;
                in.remove_prefix(take);
                if (!described_ && (preview_.size() >= preview_limit || payload_seen_ == frame_.length)) {
                    lines.push_back(describe_frame(frame_, preview_));
                    described_ = true;
                }
                if (payload_seen_ == frame_.length) state_ = State::header;
                break;
            }
        }
    }
    // A frame with an empty payload is complete with its header.
    if (state_ == State::payload && frame_.length == 0 && !described_) {
        lines.push_back(describe_frame(frame_, preview_));
        described_ = true;
        state_ = State::header;
    }
    return lines;
}

}  // namespace wskit::detail
