// Reading a TLS session for handshake-inspect: version, cipher, ALPN, SNI,
// the certificate chain as the server sent it and the stapled OCSP answer.
#pragma once

#include <wskit/inspection.hpp>

#include <openssl/ssl.h>

#include <ctime>
#include <functional>
#include <string>

namespace wskit::detail {

// What `ssl` knows, during or after its handshake: after a failed one, the
// chain that arrived. The verification verdict is the caller's (it knows
// whether verification was on). `now` decides days_left.
TlsInspection read_tls_session(SSL* ssl, std::time_t now);

// What `print` writes into a memory BIO, as a string; "?" when it fails.
std::string via_bio(const std::function<bool(BIO*)>& print);

// A certificate's subject or issuer in RFC 2253 form, "CN=localhost,O=Example",
// as one line; "?" when OpenSSL cannot print it.
std::string x509_name_text(const X509_NAME* name);

// Asks the server to staple an OCSP response (status_request), before the handshake.
void request_ocsp_stapling(SSL* ssl);

}  // namespace wskit::detail
