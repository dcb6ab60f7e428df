#include "net/tls_inspect.hpp"

#include <fmt/format.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>

#include <memory>

namespace wskit::detail {
namespace {

// "2026-01-02 00:00:00 UTC"
std::string time_text(const ASN1_TIME* t) {
    std::tm tm{};
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return "?";
    return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                       tm.tm_hour, tm.tm_min, tm.tm_sec);
}

long days_until(const ASN1_TIME* t, std::time_t now) {
    int days = 0, seconds = 0;
    std::unique_ptr<ASN1_TIME, decltype(&ASN1_TIME_free)> from(ASN1_TIME_set(nullptr, now), ASN1_TIME_free);
    if (!t || !from || ASN1_TIME_diff(&days, &seconds, from.get(), t) != 1) return 0;
    // A part of a day left is not a day; a part of a day past is one more past.
    return seconds < 0 ? days - 1 : days;
}

std::vector<std::string> subject_alt_names(X509* cert) {
    std::vector<std::string> out;
    auto* sans = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
    for (int i = 0; sans && i < sk_GENERAL_NAME_num(sans); ++i) {
        const GENERAL_NAME* name = sk_GENERAL_NAME_value(sans, i);
        if (name->type == GEN_DNS) {
            const ASN1_STRING* dns = name->d.dNSName;
            out.push_back("DNS:" + std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                                               static_cast<std::size_t>(ASN1_STRING_length(dns))));
        } else if (name->type == GEN_IPADD) {
            const ASN1_OCTET_STRING* ip = name->d.iPAddress;
            char buf[INET6_ADDRSTRLEN] = "";
            int len = ASN1_STRING_length(ip);
            int family = len == 4 ? AF_INET : len == 16 ? AF_INET6 : 0;
            if (family && inet_ntop(family, ASN1_STRING_get0_data(ip), buf, sizeof buf)) out.push_back(std::string("IP:") + buf);
        }
    }
    GENERAL_NAMES_free(sans);
    return out;
}

std::string serial_text(X509* cert) {
    std::unique_ptr<BIGNUM, decltype(&BN_free)> bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr), BN_free);
    if (!bn) return "?";
    char* hex = BN_bn2hex(bn.get());
    std::string out = hex ? hex : "?";
    OPENSSL_free(hex);
    return out;
}

// "good", "revoked", "unknown" for the server's certificate, with the
// response's own status when it is not successful.
std::string ocsp_text(SSL* ssl) {
    const unsigned char* data = nullptr;
    long len = SSL_get_tlsext_status_ocsp_resp(ssl, &data);
    if (len <= 0 || !data) return {};
    std::unique_ptr<OCSP_RESPONSE, decltype(&OCSP_RESPONSE_free)> resp(d2i_OCSP_RESPONSE(nullptr, &data, len),
                                                                       OCSP_RESPONSE_free);
    if (!resp) return fmt::format("stapled, {} bytes, unreadable", len);
    int status = OCSP_response_status(resp.get());
    if (status != OCSP_RESPONSE_STATUS_SUCCESSFUL)
        return fmt::format("stapled, response status {}", OCSP_response_status_str(status));
    std::unique_ptr<OCSP_BASICRESP, decltype(&OCSP_BASICRESP_free)> basic(OCSP_response_get1_basic(resp.get()),
                                                                          OCSP_BASICRESP_free);
    OCSP_SINGLERESP* single = basic ? OCSP_resp_get0(basic.get(), 0) : nullptr;
    if (!single) return "stapled, no certificate status";
    int reason = 0;
    ASN1_GENERALIZEDTIME *revoked = nullptr, *updated = nullptr, *next = nullptr;
    int cert_status = OCSP_single_get0_status(single, &reason, &revoked, &updated, &next);
    return fmt::format("stapled, certificate {} (this update {}{})", OCSP_cert_status_str(cert_status),
                       time_text(updated), next ? ", next update " + time_text(next) : std::string());
}

// One certificate, in the terms of CertificateInfo.
CertificateInfo read_certificate(X509* cert, std::time_t now) {
    CertificateInfo c;
    c.subject = x509_name_text(X509_get_subject_name(cert));
    c.issuer = x509_name_text(X509_get_issuer_name(cert));
    c.sans = subject_alt_names(cert);
    c.serial = serial_text(cert);
    c.not_before = time_text(X509_get0_notBefore(cert));
    c.not_after = time_text(X509_get0_notAfter(cert));
    c.days_left = days_until(X509_get0_notAfter(cert), now);
    if (EVP_PKEY* key = X509_get0_pubkey(cert)) {
        const char* type = EVP_PKEY_get0_type_name(key);
        c.key_type = type ? type : "?";
        c.key_bits = EVP_PKEY_get_bits(key);
    }
    c.signature_algorithm = OBJ_nid2ln(X509_get_signature_nid(cert));
    return c;
}

}  // namespace

std::string via_bio(const std::function<bool(BIO*)>& print) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    if (!bio || !print(bio.get())) return "?";
    char* data = nullptr;
    long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

std::string x509_name_text(const X509_NAME* name) {
    return via_bio([&](BIO* b) { return X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253) >= 0; });
}

void request_ocsp_stapling(SSL* ssl) { SSL_set_tlsext_status_type(ssl, TLSEXT_STATUSTYPE_ocsp); }

TlsInspection read_tls_session(SSL* ssl, std::time_t now) {
    TlsInspection t;
    if (!ssl) return t;
    t.handshake_done = SSL_is_init_finished(ssl);
    if (const char* sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name)) t.sni = sni;
    if (t.handshake_done) {
        t.version = SSL_get_version(ssl);
        t.cipher = SSL_get_cipher_name(ssl);
        const unsigned char* alpn = nullptr;
        unsigned alpn_len = 0;
        SSL_get0_alpn_selected(ssl, &alpn, &alpn_len);
        t.alpn.assign(reinterpret_cast<const char*>(alpn), alpn_len);
        t.ocsp = ocsp_text(ssl);
    }
    // The chain as sent, the server's own certificate first (client side).
    if (STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl)) {
        for (int i = 0; i < sk_X509_num(chain); ++i) t.chain.push_back(read_certificate(sk_X509_value(chain, i), now));
    }
    return t;
}

}  // namespace wskit::detail
