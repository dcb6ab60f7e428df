// permessage-deflate as websocketpp's processor sees it (its
// config::permessage_deflate_type), on wskit's codec. Negotiation is not
// here: websocketpp's extension sends a fixed offer, never checks the answer
// and cannot be switched off per endpoint, so wskit's specializations of the
// processor (wspp.hpp) negotiate with compression.hpp's functions and call
// enable() when both ends agreed. Until then this is two words of memory
// (hook 16 in net/wspp/README.md).
// Part of the websocketpp layer: included through wspp.hpp only.
#pragma once

#include "net/wspp/handoff.hpp"
#include "proto/deflate_codec.hpp"

#include <wskit/compression.hpp>

#include <optional>

namespace wskit::detail {

class DeflateExtension {
public:
    // What websocketpp's processor asks.
    bool is_implemented() const { return true; }
    bool is_enabled() const { return codec_ != nullptr; }
    std::string generate_offer() const { return {}; }  // a client's offer is set as a header by wskit

    void enable(const DeflateParams& p, bool is_server, std::size_t max_message_size) {
        int send_bits = is_server ? p.server_max_window_bits : p.client_max_window_bits;
        bool send_resets = is_server ? p.server_no_context_takeover : p.client_no_context_takeover;
        int receive_bits = is_server ? p.client_max_window_bits : p.server_max_window_bits;
        bool peer_resets = is_server ? p.client_no_context_takeover : p.server_no_context_takeover;
        codec_ = std::make_unique<Codec>(Codec{Deflater(send_bits, send_resets), Inflater(receive_bits, peer_resets),
                                               max_message_size});
    }

    // Called by websocketpp for an outgoing message with RSV1: the payload
    // then loses its last four bytes (00 00 ff ff).
    std::error_code compress(std::string const& in, std::string& out) {
        codec_->deflater.compress(in, out);
        return {};
    }
    // Called for each part of an incoming compressed message; the inflated
    // message never exceeds the connection's maximum message size.
    std::error_code decompress(std::uint8_t const* buf, std::size_t len, std::string& out) {
        return error_of(codec_->inflater.feed(buf, len, out, codec_->limit));
    }
    // The end of an incoming compressed message.
    std::error_code finish_message(std::string& out) { return error_of(codec_->inflater.finish(out, codec_->limit)); }

private:
    struct Codec {
        Deflater deflater;
        Inflater inflater;
        std::size_t limit;
    };
    static std::error_code error_of(InflateResult r) {
        namespace error = websocketpp::processor::error;
        switch (r) {
            case InflateResult::ok: return {};
            case InflateResult::too_big: return error::make_error_code(error::message_too_big);  // 1009
            case InflateResult::corrupt: return error::make_error_code(error::invalid_payload);  // 1007
        }
        return {};
    }
    std::unique_ptr<Codec> codec_;
};

// The server's per-connection setting, read by the processor when it
// negotiates: the connection's message manager carries it (the processor
// sees nothing else of the connection), set by ServerTransport::init right
// after websocketpp constructs the connection and its manager (hook 15 in
// net/wspp/README.md).
struct DeflateSetting {
    std::optional<DeflatePolicy> policy;  // a server's; none: --compress not given, offers are ignored
    std::optional<DeflateOffer> offer;    // a client's, sent as its Sec-WebSocket-Extensions
    static Handoff<DeflateSetting>& handoff() { return Handoff<DeflateSetting>::on_this_thread("the server connection's compression setting"); }
};

}  // namespace wskit::detail
