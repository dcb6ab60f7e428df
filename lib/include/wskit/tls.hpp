// TLS settings shared by clients and servers.
#pragma once

#include <string>

namespace wskit {

struct TlsOptions {
    std::string ca_file;      // PEM CAs to trust instead of the system store (--ca)
    std::string cert_file;    // PEM certificate chain: the client's, or the server's (--cert)
    std::string key_file;     // PEM private key for cert_file (--key)
    std::string passphrase;   // for an encrypted key_file (--passphrase)
    bool insecure = false;    // skip verification (-k); a warning is printed
    std::string min_version = "1.2";  // "1.2" or "1.3": older versions are broken
};

}  // namespace wskit
