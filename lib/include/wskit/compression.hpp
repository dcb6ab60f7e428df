// permessage-deflate (RFC 7692) negotiation as values: what a client offers,
// what a server accepts, what was agreed. Pure functions, so that connect,
// the servers, handshake-inspect and bench build and read the same headers.
#pragma once

#include <wskit/export.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wskit {

// RFC 7692 7.1.2: LZ77 window sizes, as a power of two.
constexpr int min_window_bits = 8;
constexpr int max_window_bits = 15;

// A client's offer (one permessage-deflate element of Sec-WebSocket-Extensions).
struct DeflateOffer {
    bool server_no_context_takeover = false;
    bool client_no_context_takeover = false;
    std::optional<int> server_max_window_bits;  // the server's window must not exceed it
    // The client can honour a limit on its own window: present with no
    // value, or with the largest window it will use.
    bool client_max_window_bits = true;
    std::optional<int> client_max_window_bits_value;
};

// What both ends agreed: who resets its compressor after every message, and
// each direction's window. "server" is the server's sending side.
struct DeflateParams {
    bool server_no_context_takeover = false;
    bool client_no_context_takeover = false;
    int server_max_window_bits = max_window_bits;
    int client_max_window_bits = max_window_bits;
    bool operator==(const DeflateParams& o) const {
        return server_no_context_takeover == o.server_no_context_takeover &&
               client_no_context_takeover == o.client_no_context_takeover &&
               server_max_window_bits == o.server_max_window_bits &&
               client_max_window_bits == o.client_max_window_bits;
    }
};

// The Sec-WebSocket-Extensions value of an offer:
// "permessage-deflate; client_max_window_bits".
WSKIT_API std::string format_offer(const DeflateOffer& offer);

// --compress=PARAMS: RFC 7692 parameter names, separated by commas or
// semicolons ("server_no_context_takeover,client_max_window_bits=10"); ""
// is the default offer. Throws Error(usage) saying what is wrong.
WSKIT_API DeflateOffer parse_compress_option(std::string_view text);

// How a server answers offers. Sending without context takeover lets one
// compressor serve every connection (and a broadcast be compressed once).
struct DeflatePolicy {
    bool server_no_context_takeover = true;
};

// The server's side of RFC 7692 7.1: the first permessage-deflate offer in
// the request's Sec-WebSocket-Extensions it can meet, or none. Offers with
// unknown or repeated parameters or values out of range are declined, as is
// server_max_window_bits=8 (zlib cannot compress with a 256-byte window).
WSKIT_API std::optional<DeflateParams> choose_deflate(std::string_view extensions, const DeflatePolicy& policy);

// The response's Sec-WebSocket-Extensions value for accepted parameters.
WSKIT_API std::string format_response(const DeflateParams& params);

// The client's check of the server's answer (RFC 7692 5, 7.1): `params` set
// when compression was agreed, `problem` (words for an error message) when
// the answer breaks the offer; neither when the server declined.
struct DeflateAnswer {
    std::optional<DeflateParams> params;
    std::string problem;
};
WSKIT_API DeflateAnswer check_deflate_answer(const DeflateOffer& offer, std::string_view extensions);

// The parameters of a response already accepted (a server reading back its
// own answer, a client before its strict check): none if it holds no valid
// permessage-deflate element.
WSKIT_API std::optional<DeflateParams> read_deflate_response(std::string_view extensions);

// For humans (-v): "server_no_context_takeover, client window 2^15" style.
WSKIT_API std::string describe(const DeflateParams& params);

// Sec-WebSocket-Extensions parsed (RFC 6455 9.1, with RFC 7692 5's quoted
// values): elements in order, each a name and its parameters. nullopt when
// the value does not follow the grammar.
struct ExtensionParam {
    std::string name;
    std::optional<std::string> value;
};
struct ExtensionElement {
    std::string name;
    std::vector<ExtensionParam> params;
};
WSKIT_API std::optional<std::vector<ExtensionElement>> parse_extensions(std::string_view value);

}  // namespace wskit
