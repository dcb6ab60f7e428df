#include "net/tls_context.hpp"

#include <wskit/encoding.hpp>
#include <wskit/error.hpp>

#include <arpa/inet.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <mutex>
#include <unistd.h>
#include <string>
#include <vector>

namespace wskit::detail {
namespace {

// SSLKEYLOGFILE (NSS key log format) lets Wireshark decrypt a capture.
void keylog_line(const SSL*, const char* line) {
    static std::mutex mutex;
    const char* path = std::getenv("SSLKEYLOGFILE");
    if (!path || !*path) return;
    std::lock_guard<std::mutex> lock(mutex);
    if (FILE* f = std::fopen(path, "a")) {
        std::fprintf(f, "%s\n", line);
        std::fclose(f);
    }
}

void apply_common(asio::ssl::context& ctx, const TlsOptions& options) {
    int min = options.min_version == "1.3" ? TLS1_3_VERSION : TLS1_2_VERSION;
    SSL_CTX_set_min_proto_version(ctx.native_handle(), min);
    SSL_CTX_set_keylog_callback(ctx.native_handle(), keylog_line);
    if (!options.passphrase.empty()) {
        ctx.set_password_callback(
            [pass = options.passphrase](std::size_t, asio::ssl::context::password_purpose) {
                return pass;
            });
    }
}

[[noreturn]] void file_error(const char* what, const std::string& path, const asio::error_code& ec) {
    throw Error(ExitCode::tls, fmt::format("cannot load {} from '{}': {}", what, path, ec.message()));
}

// The passphrase of an encrypted key typed at the terminal, asked once per
// run: a reconnect builds a new context and must not ask again.
std::string prompt_passphrase(const std::string& key) {
    static std::string typed;
    if (typed.empty()) {
        char buf[1024];
        std::string prompt = fmt::format("Enter the passphrase of {}: ", key);
        if (EVP_read_pw_string(buf, sizeof buf, prompt.c_str(), 0) == 0) typed = buf;
        OPENSSL_cleanse(buf, sizeof buf);
    }
    return typed;
}

void load_identity(asio::ssl::context& ctx, const TlsOptions& options) {
    asio::error_code ec;
    if (!options.cert_file.empty()) {
        ctx.use_certificate_chain_file(options.cert_file, ec);
        if (ec) file_error("certificate", options.cert_file, ec);
        const auto& key = options.key_file.empty() ? options.cert_file : options.key_file;
        // Without --passphrase, an encrypted key is asked for once on a
        // terminal; off a terminal (a script, a service), asking would mean
        // OpenSSL prompting on /dev/tty or reading nothing: it is a missing
        // option instead, reported before anything connects.
        auto asked = std::make_shared<bool>(false);  // the context keeps the callback
        const bool terminal = ::isatty(STDIN_FILENO) == 1;
        if (options.passphrase.empty()) {
            ctx.set_password_callback([asked, terminal, key](std::size_t, asio::ssl::context::password_purpose) {
                *asked = true;
                return terminal ? prompt_passphrase(key) : std::string();
            });
        }
        ctx.use_private_key_file(key, asio::ssl::context::pem, ec);
        if (ec && *asked && !terminal) {
            ERR_clear_error();
            throw Error(ExitCode::usage,
                        fmt::format("the private key '{}' is encrypted: give its passphrase with --passphrase", key));
        }
        if (ec) file_error(options.passphrase.empty() ? "private key" : "private key (wrong --passphrase?)", key, ec);
    }
}

// "2020-01-02 00:00:00 UTC"
std::string format_asn1_time(const ASN1_TIME* t) {
    std::tm tm{};
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return "?";
    return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                       tm.tm_hour, tm.tm_min, tm.tm_sec);
}

// The names a certificate is valid for: its DNS and IP SANs, or its CN when
// it has none (as OpenSSL's host check does). Escaped: the peer wrote them.
std::string certificate_names(X509* cert) {
    constexpr std::size_t max_shown = 8;
    std::vector<std::string> names;
    std::size_t total = 0;
    auto* sans = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
    for (int i = 0; sans && i < sk_GENERAL_NAME_num(sans); ++i) {
        const GENERAL_NAME* name = sk_GENERAL_NAME_value(sans, i);
        std::string text;
        if (name->type == GEN_DNS) {
            const ASN1_STRING* dns = name->d.dNSName;
            text.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                        static_cast<std::size_t>(ASN1_STRING_length(dns)));
        } else if (name->type == GEN_IPADD) {
            const ASN1_OCTET_STRING* ip = name->d.iPAddress;
            char buf[INET6_ADDRSTRLEN] = "";
            int len = ASN1_STRING_length(ip);
            int family = len == 4 ? AF_INET : len == 16 ? AF_INET6 : 0;
            if (!family || !inet_ntop(family, ASN1_STRING_get0_data(ip), buf, sizeof buf)) continue;
            text = buf;
        } else {
            continue;
        }
        if (++total <= max_shown) names.push_back(escape_controls(text));
    }
    GENERAL_NAMES_free(sans);
    if (names.empty()) {
        char cn[256] = "";
        if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn) > 0)
            return fmt::format("CN {}", escape_controls(cn));
        return "no names";
    }
    std::string out = fmt::format("{}", fmt::join(names, ", "));
    if (total > max_shown) out += fmt::format(" and {} more", total - max_shown);
    return out;
}

// Why verification failed, with what the user needs to see to understand
// it: the names for a mismatch, the dates for a certificate out of its
// validity period, else the subject.
std::string verify_failure(X509_STORE_CTX* store) {
    int err = X509_STORE_CTX_get_error(store);
    std::string reason = X509_verify_cert_error_string(err);
    X509* cert = X509_STORE_CTX_get_current_cert(store);
    if (!cert) return reason;
    switch (err) {
        case X509_V_ERR_HOSTNAME_MISMATCH:
        case X509_V_ERR_IP_ADDRESS_MISMATCH:
            return fmt::format("{} (the certificate is for {})", reason, certificate_names(cert));
        case X509_V_ERR_CERT_HAS_EXPIRED:
        case X509_V_ERR_CRL_HAS_EXPIRED:
            return fmt::format("{} (notAfter {}, valid since {})", reason, format_asn1_time(X509_get0_notAfter(cert)),
                               format_asn1_time(X509_get0_notBefore(cert)));
        case X509_V_ERR_CERT_NOT_YET_VALID:
            return fmt::format("{} (notBefore {}, notAfter {})", reason, format_asn1_time(X509_get0_notBefore(cert)),
                               format_asn1_time(X509_get0_notAfter(cert)));
        default: {
            char subject[256];
            X509_NAME_oneline(X509_get_subject_name(cert), subject, sizeof subject);
            return fmt::format("{} (certificate {})", reason, escape_controls(subject));
        }
    }
}

}  // namespace

std::string last_openssl_error() {
    unsigned long err = ERR_peek_last_error();
    if (!err) return {};
    char buf[256];
    ERR_error_string_n(err, buf, sizeof buf);
    ERR_clear_error();
    return buf;
}

SslContextPtr make_client_tls_context(const TlsOptions& options,
                                      std::shared_ptr<VerifyOutcome> outcome) {
    auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
    apply_common(*ctx, options);
    load_identity(*ctx, options);
    if (options.insecure) {
        ctx->set_verify_mode(asio::ssl::verify_none);
        return ctx;
    }
    asio::error_code ec;
    if (options.ca_file.empty()) {
        ctx->set_default_verify_paths(ec);
    } else {
        ctx->load_verify_file(options.ca_file, ec);
        if (ec) file_error("CA certificates", options.ca_file, ec);
    }
    ctx->set_verify_mode(asio::ssl::verify_peer);
    ctx->set_verify_callback([outcome](bool preverified, asio::ssl::verify_context& vc) {
        if (!preverified && outcome->reason.empty()) outcome->reason = verify_failure(vc.native_handle());
        return preverified;
    });
    return ctx;
}

void set_expected_host(SSL* ssl, const std::string& host) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    // An IP literal is checked against the certificate's IP SANs, a name
    // against its DNS SANs.
    if (X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) != 1) {
        X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
    }
}

SslContextPtr make_server_tls_context(const TlsOptions& options) {
    auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
    apply_common(*ctx, options);
    ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::single_dh_use);
    load_identity(*ctx, options);
    if (!options.ca_file.empty()) {
        asio::error_code ec;
        ctx->load_verify_file(options.ca_file, ec);
        if (ec) file_error("CA certificates", options.ca_file, ec);
        ctx->set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
    }
    return ctx;
}

}  // namespace wskit::detail
