#include "bench/wire.hpp"
#include "proto/headers.hpp"
#include "proto/upgrade_request.hpp"

#include <wskit/handshake_check.hpp>

#include <algorithm>
#include <array>
#include <cstring>

namespace wskit::detail {

std::string upgrade_request(const ClientOptions& o, std::uint64_t& rng) {
    std::array<unsigned char, 16> nonce;
    for (std::size_t i = 0; i < nonce.size(); i += 8) {
        std::uint64_t r = next_random(rng);
        std::memcpy(nonce.data() + i, &r, 8);
    }
    return format_request_head(build_upgrade_request(o, websocket_key(nonce)));
}

UpgradeVerdict read_upgrade_response(std::string_view head) {
    auto parsed = parse_response_head(head);
    UpgradeVerdict v;
    v.status_line = std::string(head.substr(0, head.find("\r\n")));
    v.status = parsed.status;
    v.reason = parsed.reason;
    v.location = parsed.header("Location");
    v.switched = parsed.status == 101;
    // A header may come more than once (RFC 7230 3.2.2: the values join with commas).
    for (const auto& h : parsed.headers) {
        if (!detail::same_header_name(h.name, "Sec-WebSocket-Extensions") || h.value.empty()) continue;
        if (!v.extensions.empty()) v.extensions += ", ";
        v.extensions += h.value;
    }
    return v;
}

namespace {

// A client frame's header: FIN, masked with `key`.
std::size_t client_header(int op, std::uint64_t length, std::uint32_t key, unsigned char* out, bool rsv1 = false) {
    FrameHeader h;
    h.opcode = op;
    h.rsv1 = rsv1;
    h.length = length;
    h.masked = true;
    h.mask_key = key;
    return write_frame_header(h, out);
}

}  // namespace

std::string close_frame(std::uint64_t& rng) {
    unsigned char header[14];
    auto key = static_cast<std::uint32_t>(next_random(rng) >> 16);
    std::size_t n = client_header(opcode::close, 2, key, header);
    std::string frame(reinterpret_cast<const char*>(header), n);
    char code[2] = {static_cast<char>(1000 >> 8), static_cast<char>(1000 & 0xff)};
    mask_payload(code, 2, key);
    return frame.append(code, 2);
}

SharedPayloadFrame::SharedPayloadFrame(std::size_t size, bool binary) : wire_payload_(size, '\0'), binary_(binary) {
    for (std::size_t i = 0; i < size; ++i) wire_payload_[i] = static_cast<char>(0x40 | (i % 32));
}

std::size_t SharedPayloadFrame::write_header(std::uint64_t& rng, unsigned char* out) const {
    auto key = static_cast<std::uint32_t>(next_random(rng) >> 16);
    if (!binary_) key &= 0x1f1f1f1f;  // keeps the unmasked payload in '@'..'_'
    return client_header(binary_ ? opcode::binary : opcode::text, wire_payload_.size(), key, out);
}

std::size_t write_masked_frame(std::string_view payload, bool binary, std::uint64_t& rng, char* out, bool rsv1) {
    auto key = static_cast<std::uint32_t>(next_random(rng) >> 16);
    auto n = client_header(binary ? opcode::binary : opcode::text, payload.size(), key,
                           reinterpret_cast<unsigned char*>(out), rsv1);
    std::memcpy(out + n, payload.data(), payload.size());
    mask_payload(out + n, payload.size(), key);
    return n + payload.size();
}

std::size_t write_compressed_frame(const std::string& payload, bool binary, std::uint64_t& rng, char* out) {
    return write_masked_frame(payload, binary, rng, out, /*rsv1=*/true);  // RSV1: permessage-deflate
}

namespace {

void put_hex(std::uint64_t value, int digits, char* out) {
    static const char* hex = "0123456789abcdef";
    for (int i = digits - 1; i >= 0; --i, value >>= 4) out[i] = hex[value & 0xf];
}

std::optional<std::uint64_t> get_hex(std::string_view text) {
    std::uint64_t v = 0;
    for (char c : text) {
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0) return std::nullopt;
        v = (v << 4) | static_cast<std::uint64_t>(d);
    }
    return v;
}

}  // namespace

void write_fanout_stamp(const FanoutStamp& s, char* out) {
    put_hex(s.sender, 4, out);
    out[4] = ' ';
    put_hex(s.seq, 16, out + 5);
    out[21] = ' ';
    put_hex(s.sent_ns, 16, out + 22);
}

namespace {

std::optional<FanoutStamp> stamp_at(std::string_view head) {
    if (head.size() < fanout_stamp_size || head[4] != ' ' || head[21] != ' ') return std::nullopt;
    auto sender = get_hex(head.substr(0, 4));
    auto seq = get_hex(head.substr(5, 16));
    auto sent = get_hex(head.substr(22, 16));
    if (!sender || !seq || !sent) return std::nullopt;
    return FanoutStamp{static_cast<std::uint32_t>(*sender), *seq, *sent};
}

}  // namespace

std::optional<FanoutStamp> read_fanout_stamp(std::string_view head) {
    for (std::size_t at = 0; at + fanout_stamp_size <= head.size(); ++at) {
        if (auto stamp = stamp_at(head.substr(at))) return stamp;
    }
    return std::nullopt;
}

std::size_t build_stamped_frames(std::vector<char>& out, std::uint64_t count, std::size_t size, bool binary,
                                 FanoutStamp first, const std::function<std::uint64_t(std::uint64_t)>& sent_at,
                                 std::uint64_t& rng) {
    out.resize(count * (size + SharedPayloadFrame::max_header));
    std::size_t at = 0;
    for (std::uint64_t i = 0; i < count; ++i) {
        auto key = static_cast<std::uint32_t>(next_random(rng) >> 16);
        at += client_header(binary ? opcode::binary : opcode::text, size, key, reinterpret_cast<unsigned char*>(&out[at]));
        std::memset(&out[at], 'x', size);
        write_fanout_stamp({first.sender, first.seq + i, sent_at(first.seq + i)}, &out[at]);
        mask_payload(&out[at], size, key);
        at += size;
    }
    return at;
}

int FrameReader::close_code() const {
    if (close_payload_.size() < 2) return 1005;  // no status code (RFC 6455 7.4.1)
    return (static_cast<unsigned char>(close_payload_[0]) << 8) | static_cast<unsigned char>(close_payload_[1]);
}

std::string_view FrameReader::close_reason() const {
    return close_payload_.size() > 2 ? std::string_view(close_payload_).substr(2) : std::string_view();
}

void FrameReader::inflate_with(int window_bits, bool peer_resets, std::size_t limit) {
    inflate_.emplace(window_bits, peer_resets, limit, capture_);
}

// RFC 7692 6: RSV1 marks the first frame of a compressed message, and only
// when compression was agreed.
const char* FrameReader::admit(bool rsv1) {
    if (opcode_ != 0 && in_message_) return "the server sent a new message inside one";
    if (opcode_ == 0 && !in_message_) return "the server sent a continuation without a message";
    if (opcode_ > 0x2) return "the server sent a frame of an unknown type";
    if (rsv1 && opcode_ == 0) return "the server set RSV1 on a continuation frame";
    if (rsv1 && !inflate_) return "the server sent a compressed message without agreeing to compression";
    if (!in_message_) {
        in_message_ = true;
        message_opcode_ = opcode_;
        accumulating_ = 0;
        head_.clear();
        compressed_ = rsv1;
        if (compressed_) inflate_->start();
    }
    return nullptr;
}

FrameReader::Step FrameReader::feed(const unsigned char* data, std::size_t n) {
    std::size_t pos = 0;
    while (pos < n) {
        if (!in_frame_) {
            // Gather the header: 2 bytes, then the extended length and a
            // key (a masked server frame: wrong, but skipped correctly).
            header_[header_len_++] = data[pos++];
            if (header_len_ < 2 || header_len_ < frame_header_size(header_[1])) continue;
            auto h = read_frame_header(header_);
            fin_ = h.fin;
            opcode_ = static_cast<unsigned>(h.opcode);
            header_len_ = 0;
            remaining_ = h.length;
            in_frame_ = true;
            bool rsv1 = h.rsv1;
            if (opcode_ < 0x8) {
                if (auto why = admit(rsv1)) return bad(pos, why);
            } else if (opcode_ > 0xA) {
                return bad(pos, "the server sent a frame of an unknown type");
            } else if (rsv1) {
                return bad(pos, "the server set RSV1 on a control frame");
            }
            if (opcode_ == 0x8) close_payload_.clear();
        }
        std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, n - pos));
        if (opcode_ == 0x8) {
            // A control frame holds at most 125 bytes (RFC 6455 5.5); more is kept out.
            close_payload_.append(reinterpret_cast<const char*>(data + pos),
                                  std::min(take, std::size_t{125} - std::min<std::size_t>(125, close_payload_.size())));
        } else if (opcode_ < 0x8 && compressed_) {
            if (auto r = inflate_->feed(data + pos, take); r != InflateResult::ok) return inflate_failed(r, pos + take);
        } else if (opcode_ < 0x8) {
            std::size_t copy = std::min(take, capture_ - std::min(head_.size(), capture_));
            head_.append(reinterpret_cast<const char*>(data + pos), copy);
            accumulating_ += take;
        }
        pos += take;
        remaining_ -= take;
        if (remaining_ > 0) break;
        in_frame_ = false;
        if (opcode_ == 0x8) return {Event::close, pos};
        if (opcode_ >= 0x8) continue;  // ping and pong: not counted
        if (fin_) {
            in_message_ = false;
            message_size_ = accumulating_;
            if (compressed_) {
                if (auto r = inflate_->finish(); r != InflateResult::ok) return inflate_failed(r, pos);
                message_size_ = inflate_->size();
                head_.assign(inflate_->head(), 0, capture_);
            }
            return {Event::message, pos};
        }
    }
    return {Event::none, pos};
}

}  // namespace wskit::detail
