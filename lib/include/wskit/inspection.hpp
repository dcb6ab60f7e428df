// What a client records about how its connection was made, when asked to
// (ClientOptions::inspection): resolution, the addresses tried, the time
// each step took and the TLS session with the certificate chain. For
// handshake-inspect; plain values, filled in on the loop thread.
#pragma once

#include <string>
#include <vector>

namespace wskit {

struct CertificateInfo {
    std::string subject;              // RFC 2253 form; peer-controlled
    std::string issuer;
    std::vector<std::string> sans;    // "DNS:example.com", "IP:127.0.0.1"
    std::string serial;               // hex
    std::string not_before;           // "2026-01-02 00:00:00 UTC"
    std::string not_after;
    long days_left = 0;               // until not_after; negative once expired
    std::string key_type;             // "RSA", "EC", "ED25519"...
    int key_bits = 0;
    std::string signature_algorithm;  // "sha256WithRSAEncryption"
};

struct TlsInspection {
    bool handshake_done = false;      // false: the chain (if any) is what arrived before the failure
    std::string version;              // "TLSv1.3"
    std::string cipher;
    std::string alpn;                 // "" when none was negotiated
    std::string sni;                  // the server name sent, "" for an IP literal
    std::vector<CertificateInfo> chain;  // as the server sent it, its own certificate first
    bool verified = false;            // the chain and the host name were verified and are good
    bool verification_skipped = false;  // --insecure
    std::string verify_result;        // "ok", or why not: "certificate has expired (notAfter ...)"
    std::string ocsp;                 // the stapled OCSP response, in words; "" when none was stapled
};

// Durations in milliseconds; -1 for a step that did not happen.
struct Timings {
    double dns = -1;       // resolving the first hop's name
    double tcp = -1;       // from resolved to TCP connected (every address tried)
    double proxy = -1;     // the proxy tunnel (HTTP CONNECT or SOCKS5)
    double tls = -1;       // the TLS handshake
    double upgrade = -1;   // from the request written to the response read
    double total = -1;     // from the start to the response
};

struct AddressAttempt {
    std::string address;  // "127.0.0.1:9000", "[::1]:9000"
    std::string error;    // "" when the connection succeeded
};

struct ConnectionInspection {
    std::string resolved_host;             // the name resolved: the target's, or the proxy's
    std::vector<std::string> addresses;    // every address it resolved to, in order
    std::vector<AddressAttempt> attempts;  // each address tried, with its failure
    std::string connected_to;              // the address the connection went to
    Timings timings;
    bool secure = false;                   // wss: tls holds the session
    TlsInspection tls;
};

}  // namespace wskit
