// Reading a TLS session for handshake-inspect: version, cipher, ALPN, SNI,
// the certificate chain as the server sent it and the stapled OCSP answer.
#pragma once

#include <wskit/inspection.hpp>

#include <openssl/ssl.h>

#include <ctime>

namespace wskit::detail {

// What `ssl` knows, during or after its handshake: after a failed one, the
// chain that arrived. The verification verdict is the caller's (it knows
// whether verification was on). `now` decides days_left.
TlsInspection read_tls_session(SSL* ssl, std::time_t now);

// Asks the server to staple an OCSP response (status_request), before the handshake.
void request_ocsp_stapling(SSL* ssl);

}  // namespace wskit::detail
