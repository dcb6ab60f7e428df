// Secrets in what a handshake carries, masked before a person or a file sees
// them: header values (Authorization, cookies) and query parameters (a
// token in the URL). Pure functions.
#pragma once

#include <wskit/export.hpp>

#include <string>
#include <string_view>

namespace wskit {

// The value of a header that carries a secret, masked: the scheme of an
// Authorization kept ("Basic [hidden]"), cookie names kept
// ("a=[hidden]; b=[hidden]"). Other headers are returned as they are.
WSKIT_API std::string mask_secret(std::string_view name, std::string_view value);
// Every secret header of an HTTP head masked (see mask_secret).
WSKIT_API std::string mask_secrets(std::string_view head);
// A request target ("/feed?token=abc&x=1"), a URL, or a line of text that
// holds URLs, with the values of secret-looking query parameters masked
// ("/feed?token=[hidden]&x=1"): token, access_token, id_token, auth, key,
// apikey, api_key, password, secret, sig, signature, jwt, session (any case).
WSKIT_API std::string mask_query_secrets(std::string_view text);

}  // namespace wskit
