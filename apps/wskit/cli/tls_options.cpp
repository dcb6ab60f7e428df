// TLS options: a certificate and key (a client's or a server's), and what a
// client trusts.
#include "cli.hpp"
#include "cli/shared.hpp"

#include <fstream>

namespace wskit::cli {

namespace {

// --cert and --key, for a client's certificate or a server's.
std::string read_start_of_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::string text(1u << 20, '\0');  // a PEM bundle is far smaller
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    return text;
}

}  // namespace

void add_tls_identity(Context& ctx, CLI::App& app, TlsOptions& tls, const std::string& cert_help) {
    add_option(ctx, app, "--cert", tls.cert_file, cert_help,
               cert_help + ". Without --key, the private key is read from the same file, which must then "
               "hold it too.", Complete::file)->option_text("FILE");
    add_option(ctx, app, "--key", tls.key_file, "PEM private key for --cert", {}, Complete::file)->option_text("FILE");
    ctx.checks.emplace_back(&app, [&tls] {
        bool key_in_cert = !tls.cert_file.empty() && tls.key_file.empty();
        auto problem = tls_identity_problem(tls, key_in_cert ? read_start_of_file(tls.cert_file) : "");
        if (!problem.empty()) throw CLI::ValidationError(problem);
    });
}

std::string tls_identity_problem(const TlsOptions& tls, const std::string& cert_pem) {
    if (!tls.key_file.empty() && tls.cert_file.empty()) return "--key needs --cert, the certificate the key belongs to";
    // Matches "BEGIN PRIVATE KEY", "BEGIN RSA PRIVATE KEY", "BEGIN ENCRYPTED PRIVATE KEY"...
    if (!tls.cert_file.empty() && tls.key_file.empty() && !cert_pem.empty() &&
        cert_pem.find("PRIVATE KEY-----") == std::string::npos) {
        return "--cert needs --key: " + in_quotes(tls.cert_file) + " holds no private key";
    }
    return {};
}

void add_client_trust_options(Context& ctx, CLI::App& app, ClientFlags& f, bool short_n_alias) {
    add_option(ctx, app, "--ca,--cacert", f.tls.ca_file, "Trust the CA certificates in this PEM file", {},
               Complete::file)->option_text("FILE");
    add_flag(ctx, app, short_n_alias ? "-k,--insecure,-n,--no-check" : "-k,--insecure,--no-check", f.tls.insecure,
             "Do not verify the server's certificate (a warning is printed)");
    add_option(ctx, app, "--tls-min", f.tls.min_version, "Lowest TLS version: 1.2 (default) or 1.3", {},
               Complete::choices, {"1.2", "1.3"});
}

void add_client_tls_options(Context& ctx, CLI::App& app, ClientFlags& f, bool short_n_alias) {
    add_client_trust_options(ctx, app, f, short_n_alias);
    add_tls_identity(ctx, app, f.tls, "PEM certificate chain (client certificate)");
    add_option(ctx, app, "--passphrase", f.tls.passphrase, "Passphrase of an encrypted --key", {}, Complete::text)->option_text("TEXT");
}

}  // namespace wskit::cli
