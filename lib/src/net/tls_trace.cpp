#include "net/tls_trace.hpp"

#include "net/tls_inspect.hpp"

#include <fmt/format.h>

#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace wskit::detail {
namespace {

// As curl -v prints it: "Dec  7 08:52:44 2026 GMT".
std::string printed_time(const ASN1_TIME* t) {
    return via_bio([&](BIO* b) { return t && ASN1_TIME_print(b, t) == 1; });
}

}  // namespace

std::vector<std::string> describe_tls_session(SSL* ssl) {
    std::vector<std::string> lines;
    if (!ssl) return lines;
    lines.push_back(fmt::format("SSL connection using {} / {}", SSL_get_version(ssl), SSL_get_cipher_name(ssl)));
    const unsigned char* alpn = nullptr;
    unsigned alpn_len = 0;
    SSL_get0_alpn_selected(ssl, &alpn, &alpn_len);
    lines.push_back(alpn_len ? fmt::format("ALPN: server accepted {}",
                                           std::string(reinterpret_cast<const char*>(alpn), alpn_len))
                             : "ALPN: no protocol negotiated");
    X509* cert = SSL_get1_peer_certificate(ssl);
    if (!cert) {
        lines.push_back("no server certificate");
        return lines;
    }
    lines.push_back("Server certificate:");
    lines.push_back(" subject: " + x509_name_text(X509_get_subject_name(cert)));
    lines.push_back(" start date: " + printed_time(X509_get0_notBefore(cert)));
    lines.push_back(" expire date: " + printed_time(X509_get0_notAfter(cert)));
    lines.push_back(" issuer: " + x509_name_text(X509_get_issuer_name(cert)));
    X509_free(cert);
    long verify = SSL_get_verify_result(ssl);
    lines.push_back(verify == X509_V_OK
                        ? "SSL certificate verify ok."
                        : fmt::format("SSL certificate verify result: {} ({}), continuing anyway.",
                                      X509_verify_cert_error_string(verify), verify));
    return lines;
}

}  // namespace wskit::detail
