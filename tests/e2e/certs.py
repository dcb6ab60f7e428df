"""Test certificates made with the `openssl` command at test time: a test CA,
a server certificate for localhost and 127.0.0.1, one for another name, an
expired one, a client certificate, and a self-signed one (no CA). Used by
the TLS and proxy end-to-end tests."""
import os
import subprocess

CA_CONFIG = """\
[ ca ]
default_ca = test_ca

[ test_ca ]
dir = {dir}
database = {dir}/index.txt
new_certs_dir = {dir}/issued
serial = {dir}/serial
certificate = {dir}/ca.pem
private_key = {dir}/ca.key
default_md = sha256
policy = any_policy
unique_subject = no
copy_extensions = none
email_in_dn = no

[ any_policy ]
commonName = supplied

[ server_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = $ENV::SAN

[ client_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
"""


def _openssl(*args, cwd, env=None):
    r = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, env=env, timeout=60)
    if r.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args)} failed: {r.stderr.decode(errors='replace')}")


class Certs:
    """Makes every fixture in `directory`; attributes are file paths:
    ca, server_cert/server_key (localhost, 127.0.0.1, ::1), other_cert/other_key
    (only other.example), expired_cert/expired_key (localhost, 127.0.0.1; valid in 2020),
    client_cert/client_key, self_cert/self_key (self-signed for localhost, 127.0.0.1)."""

    def __init__(self, directory):
        self.dir = directory
        os.makedirs(os.path.join(directory, "issued"), exist_ok=True)
        open(os.path.join(directory, "index.txt"), "w").close()
        with open(os.path.join(directory, "serial"), "w") as f:
            f.write("1000\n")
        self.config = os.path.join(directory, "ca.cnf")
        with open(self.config, "w") as f:
            f.write(CA_CONFIG.format(dir=directory))
        self.ca = self.path("ca.pem")
        _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                 "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
                 "-subj", "/CN=wskit test CA",
                 "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=directory)
        localhost = "DNS:localhost,IP:127.0.0.1,IP:::1"
        self.server_cert, self.server_key = self._issue("server", "localhost", "server_ext", localhost)
        self.other_cert, self.other_key = self._issue("other", "other.example", "server_ext",
                                                      "DNS:other.example")
        self.expired_cert, self.expired_key = self._issue(
            "expired", "localhost", "server_ext", localhost,
            dates=("20200101000000Z", "20200102000000Z"))
        self.client_cert, self.client_key = self._issue("client", "wskit test client", "client_ext",
                                                        localhost)
        self.self_cert, self.self_key = self.path("self.pem"), self.path("self.key")
        _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                 "-nodes", "-keyout", "self.key", "-out", "self.pem", "-days", "2",
                 "-subj", "/CN=localhost", "-addext", f"subjectAltName={localhost}", cwd=directory)

    def path(self, name):
        return os.path.join(self.dir, name)

    def _issue(self, name, cn, extensions, san, dates=None):
        key, csr, cert = f"{name}.key", f"{name}.csr", f"{name}.pem"
        _openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                 "-nodes", "-keyout", key, "-out", csr, "-subj", f"/CN={cn}", cwd=self.dir)
        validity = (["-startdate", dates[0], "-enddate", dates[1]] if dates else ["-days", "2"])
        env = dict(os.environ, SAN=san)
        _openssl("ca", "-batch", "-config", self.config, "-extensions", extensions,
                 "-in", csr, "-out", cert, "-notext", *validity, cwd=self.dir, env=env)
        return self.path(cert), self.path(key)
