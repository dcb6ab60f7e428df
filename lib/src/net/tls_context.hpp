// Building OpenSSL contexts for clients and servers from TlsOptions.
#pragma once

#include "net/wspp/wspp.hpp"

#include <wskit/tls.hpp>

#include <memory>
#include <string>

namespace wskit::detail {

// Why a peer's certificate was refused, filled in by the verify callback so
// that the error message can say it (expired, self-signed, name mismatch...).
struct VerifyOutcome {
    std::string reason;
};

// A client context: TLS 1.2+ (or --tls-min), system trust store or --ca,
// optional client certificate, SSLKEYLOGFILE. Verification of the chain and of
// `host` happens unless options.insecure. Throws Error(ExitCode::tls) when a
// file cannot be loaded.
SslContextPtr make_client_tls_context(const TlsOptions& options,
                                      std::shared_ptr<VerifyOutcome> outcome);

// Verifies `host` (a DNS name or an IP literal) on this SSL object, which
// websocketpp does not (hook 33 in net/wspp/README.md).
void set_expected_host(SSL* ssl, const std::string& host);

// A server context with the certificate chain and key of options; when
// options.ca_file is set, client certificates are required and verified.
SslContextPtr make_server_tls_context(const TlsOptions& options);

// The last OpenSSL error as text, or an empty string.
std::string last_openssl_error();

}  // namespace wskit::detail
