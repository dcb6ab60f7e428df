#include "tls_context.hpp"

#include <wskit/error.hpp>

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>

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

void load_identity(asio::ssl::context& ctx, const TlsOptions& options) {
    asio::error_code ec;
    if (!options.cert_file.empty()) {
        ctx.use_certificate_chain_file(options.cert_file, ec);
        if (ec) file_error("certificate", options.cert_file, ec);
        const auto& key = options.key_file.empty() ? options.cert_file : options.key_file;
        ctx.use_private_key_file(key, asio::ssl::context::pem, ec);
        if (ec) file_error("private key (wrong --passphrase?)", key, ec);
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
        if (!preverified && outcome->reason.empty()) {
            X509_STORE_CTX* store = vc.native_handle();
            int err = X509_STORE_CTX_get_error(store);
            outcome->reason = X509_verify_cert_error_string(err);
            if (X509* cert = X509_STORE_CTX_get_current_cert(store)) {
                char subject[256];
                X509_NAME_oneline(X509_get_subject_name(cert), subject, sizeof subject);
                outcome->reason += fmt::format(" (certificate {})", subject);
            }
        }
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
