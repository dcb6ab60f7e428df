// -v: the TLS session as curl -v describes it.
#pragma once

#include <openssl/ssl.h>

#include <string>
#include <vector>

namespace wskit::detail {

// Version and cipher, ALPN, the server certificate's subject, issuer and
// validity, and the verification result; one line each, for "* ".
std::vector<std::string> describe_tls_session(SSL* ssl);

}  // namespace wskit::detail
