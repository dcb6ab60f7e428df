#include "proto/message_reader.hpp"

#include <wskit/encoding.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace wskit::detail {
namespace {

constexpr int protocol_error = 1002, bad_data = 1007, too_big = 1009;

// RFC 6455 7.4: the codes a close frame may carry. 1004-1006 and 1015 are
// reserved for reports and never sent; 1012-1014 are registered by IANA.
bool sendable_close_code(int code) {
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

bool is_control(int op) { return op >= 0x8; }

}  // namespace

MessageReader::MessageReader(bool peer_masks, std::size_t max_message_size)
    : peer_masks_(peer_masks), max_size_(max_message_size) {}

void MessageReader::inflate_with(int window_bits, bool peer_resets) { inflater_.emplace(window_bits, peer_resets); }

Message MessageReader::take_message() { return std::move(ready_); }

bool MessageReader::refuse(int code, std::string why) {
    failure_code_ = code;
    failure_ = std::move(why);
    return false;
}

MessageReader::Kind MessageReader::failed(int code, std::string why) {
    refuse(code, std::move(why));
    return Kind::failed;
}

MessageReader::Step MessageReader::feed(const char* data, std::size_t n) {
    if (failure_code_) return {Kind::failed, 0};
    std::size_t pos = 0;
    while (pos < n) {
        if (!in_payload_) {
            std::size_t need = header_len_ < 2 ? 2 : frame_header_size(header_[1]);
            std::size_t take = std::min(need - header_len_, n - pos);
            std::copy_n(data + pos, take, header_ + header_len_);
            header_len_ += take;
            pos += take;
            if (header_len_ < 2 || header_len_ < frame_header_size(header_[1])) continue;
            frame_ = read_frame_header(header_);
            header_len_ = 0;
            if (!admit(frame_)) return {Kind::failed, pos};
            in_payload_ = true;
            payload_read_ = 0;
            control_.clear();
        } else {
            auto take = static_cast<std::size_t>(std::min<std::uint64_t>(frame_.length - payload_read_, n - pos));
            const char* chunk = data + pos;
            std::string unmasked;
            if (frame_.masked) {
                unmasked.assign(chunk, take);
                mask_payload(unmasked.data(), take, frame_.mask_key, payload_read_);
                chunk = unmasked.data();
            }
            if (is_control(frame_.opcode)) {
                control_.append(chunk, take);
            } else if (compressed_) {
                auto r = inflater_->feed(reinterpret_cast<const std::uint8_t*>(chunk), take, message_, max_size_);
                if (r != InflateResult::ok) return {inflate_failed(r), pos};
            } else {
                message_.append(chunk, take);
            }
            payload_read_ += take;
            pos += take;
        }
        if (in_payload_ && payload_read_ == frame_.length) {
            in_payload_ = false;
            auto kind = complete_frame();
            if (kind != Kind::none) return {kind, pos};
        }
    }
    return {Kind::none, pos};
}

bool MessageReader::admit(const FrameHeader& h) {
    auto broken = [this](std::string why) { return refuse(protocol_error, std::move(why)); };
    if (h.rsv2 || h.rsv3) return broken("a frame has a reserved bit set (RSV2 or RSV3)");
    if (h.masked != peer_masks_)
        return broken(peer_masks_ ? "a frame from the client is not masked" : "a frame from the server is masked");
    if (is_control(h.opcode)) {
        if (h.opcode != opcode::close && h.opcode != opcode::ping && h.opcode != opcode::pong)
            return broken(fmt::format("a frame has the unknown opcode 0x{:x}", h.opcode));
        if (!h.fin) return broken("a control frame is fragmented");
        if (h.length > 125) return broken(fmt::format("a control frame carries {} bytes (at most 125)", h.length));
        if (h.rsv1) return broken("a control frame has RSV1 set");
        return true;
    }
    if (h.opcode != opcode::continuation && h.opcode != opcode::text && h.opcode != opcode::binary)
        return broken(fmt::format("a frame has the unknown opcode 0x{:x}", h.opcode));
    if (h.opcode == opcode::continuation && !in_message_) return broken("a continuation frame starts no message");
    if (h.opcode != opcode::continuation && in_message_)
        return broken("a new message starts before the last one's final frame");
    if (h.rsv1 && !inflater_) return broken("RSV1 is set but no compression was agreed");
    if (h.rsv1 && h.opcode == opcode::continuation) return broken("a continuation frame has RSV1 set");
    if (h.opcode != opcode::continuation) {
        in_message_ = true;
        message_.clear();
        message_opcode_ = h.opcode == opcode::text ? Opcode::text : Opcode::binary;
        compressed_ = h.rsv1;
    }
    if (!compressed_ && h.length > max_size_ - std::min(message_.size(), max_size_))
        return refuse(too_big, fmt::format("a message is larger than the limit of {} bytes", max_size_));
    return true;
}

MessageReader::Kind MessageReader::inflate_failed(InflateResult r) {
    return r == InflateResult::too_big ? failed(too_big, "a message inflates past the size limit")
                                       : failed(bad_data, "a compressed message does not inflate");
}

MessageReader::Kind MessageReader::complete_frame() {
    switch (frame_.opcode) {
        case opcode::ping: ready_ = {Opcode::ping, std::move(control_)}; return Kind::ping;
        case opcode::pong: ready_ = {Opcode::pong, std::move(control_)}; return Kind::pong;
        case opcode::close: return complete_close();
        default: break;
    }
    if (!frame_.fin) return Kind::none;
    in_message_ = false;
    if (compressed_) {
        auto r = inflater_->finish(message_, max_size_);
        if (r != InflateResult::ok) return inflate_failed(r);
    }
    if (message_opcode_ == Opcode::text && !is_valid_utf8(message_))
        return failed(bad_data, "a text message is not valid UTF-8");
    ready_ = {message_opcode_, std::move(message_)};
    message_.clear();
    return Kind::message;
}

MessageReader::Kind MessageReader::complete_close() {
    if (control_.empty()) {
        close_code_ = 1005;
        close_reason_.clear();
        return Kind::close;
    }
    if (control_.size() == 1) return failed(protocol_error, "a close frame carries a single byte");
    int received = static_cast<unsigned char>(control_[0]) << 8 | static_cast<unsigned char>(control_[1]);
    if (!sendable_close_code(received))
        return failed(protocol_error, fmt::format("a close frame carries the code {}, which may not be sent", received));
    auto reason = std::string_view(control_).substr(2);
    if (!is_valid_utf8(reason)) return failed(bad_data, "a close frame's reason is not valid UTF-8");
    close_code_ = received;
    close_reason_ = std::string(reason);
    return Kind::close;
}

}  // namespace wskit::detail
