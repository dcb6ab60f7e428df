"""HTTP/2 front ends that nobody here wrote, for the RFC 8441 tests: nghttpx
(Debian's nghttp2-proxy) and Apache httpd (apache2-bin: mod_http2 with
H2WebSockets, mod_proxy_wstunnel), each on 127.0.0.1 speaking cleartext
HTTP/2 with prior knowledge (h2c) and HTTP/1.1, in front of a WebSocket
server given by its ws:// URL. Both are stopped with the test."""
import os
import shutil
import tempfile

from harness import free_port


def host_port(url):
    return url.split("//")[1].split("/")[0].rsplit(":", 1)


def start_until_listening(test, command_for_port, ready):
    """Starts command_for_port(port) on a free port; tries another when the
    port was taken meanwhile. Returns the port."""
    for _ in range(5):
        port = free_port()
        p = test.start(command_for_port(port))
        if p.wait_line(ready + r"|FATAL|Failed|Address already in use|AH00072").group(0) == ready:
            return port
        p.stop()
    raise AssertionError("no free port for the front end")


def start_nghttpx(test, backend_url):
    host, port = host_port(backend_url)
    front = start_until_listening(
        test, lambda p: ["nghttpx", "--conf=/dev/null", f"-f127.0.0.1,{p};no-tls", f"-b{host},{port}",
                         "--workers=1", "--no-ocsp"], "Listening on")
    return f"ws://127.0.0.1:{front}/"


APACHE_CONFIG = """ServerRoot {root}
ServerName 127.0.0.1
PidFile {root}/httpd.pid
ErrorLog /dev/stderr
LogLevel notice
Listen 127.0.0.1:{port}
{user}
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule http2_module /usr/lib/apache2/modules/mod_http2.so
LoadModule proxy_module /usr/lib/apache2/modules/mod_proxy.so
LoadModule proxy_http_module /usr/lib/apache2/modules/mod_proxy_http.so
LoadModule proxy_wstunnel_module /usr/lib/apache2/modules/mod_proxy_wstunnel.so
Protocols h2c http/1.1
H2Direct on
H2WebSockets {websockets}
ProxyPass / {backend} upgrade=websocket
"""


def start_apache(test, backend_url, websockets=True):
    root = tempfile.mkdtemp(prefix="wskit-httpd-")
    test.addCleanup(shutil.rmtree, root, True)

    def command(port):
        config = os.path.join(root, "httpd.conf")
        with open(config, "w") as f:
            f.write(APACHE_CONFIG.format(root=root, port=port, backend=backend_url,
                                         websockets="on" if websockets else "off",
                                         user="User nobody\nGroup nogroup" if os.getuid() == 0 else ""))
        return ["/usr/sbin/apache2", "-f", config, "-DFOREGROUND"]
    front = start_until_listening(test, command, "resuming normal operations")
    return f"ws://127.0.0.1:{front}/"
