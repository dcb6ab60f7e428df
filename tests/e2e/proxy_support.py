"""Proxies nobody here wrote, for the tests of clients that go through one:
tinyproxy (HTTP CONNECT) and microsocks (SOCKS5), each started in the
foreground on a free port of 127.0.0.1 and stopped with the test."""
import os
import re
import shutil
import socket
import tempfile
import time

from harness import free_port


class Tinyproxy:
    def __init__(self, url, log):
        self.url = url
        self.log = log

    def text(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def connects(self):
        """The CONNECT requests in the log, as "host:port" strings."""
        return re.findall(r"Request \(file descriptor \d+\): CONNECT (\S+) HTTP/1\.[01]", self.text())


class Microsocks:
    def __init__(self, process, port):
        self.process = process
        self.port = port
        self.authority = f"127.0.0.1:{port}"

    def url(self, scheme="socks5", credentials=""):
        return f"{scheme}://{credentials}{self.authority}"

    def wait_connected(self, target):
        """Waits for microsocks's log line for a tunnel to `target` (host:port,
        as the client named it: an address for socks5, a name for socks5h)."""
        self.process.wait_line(rf"connected to {re.escape(target)}$")


def start_tinyproxy(test, connect_ports, basic_auth=None):
    """Starts tinyproxy in the foreground on a free port, allowing CONNECT
    only to `connect_ports`; returns a Tinyproxy once its port accepts."""
    if shutil.which("tinyproxy") is None:
        test.fail("tinyproxy is not installed (scripts/test.sh installs it)")
    for attempt in range(5):
        d = tempfile.mkdtemp(prefix="wskit-tinyproxy-")
        test.addCleanup(shutil.rmtree, d, True)
        port = free_port()
        conf = os.path.join(d, "tinyproxy.conf")
        log = os.path.join(d, "tinyproxy.log")
        lines = [f"Port {port}", "Listen 127.0.0.1", "Timeout 30",
                 f'LogFile "{log}"', f'PidFile "{os.path.join(d, "tinyproxy.pid")}"',
                 "LogLevel Info", "MaxClients 50", "Allow 127.0.0.1"]
        lines += [f"ConnectPort {p}" for p in connect_ports]
        if basic_auth:
            lines.append(f"BasicAuth {basic_auth[0]} {basic_auth[1]}")
        with open(conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        p = test.start(["tinyproxy", "-d", "-c", conf])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and p.proc.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return Tinyproxy(f"http://127.0.0.1:{port}", log)
            except OSError:
                time.sleep(0.02)
        p.stop()  # the port was taken in the meantime, or it did not start: try another
    test.fail(f"tinyproxy did not start; log: {open(log).read() if os.path.exists(log) else ''}")

def start_microsocks(test, user=None, password=None):
    """Starts microsocks on a free port of 127.0.0.1 (with a user and a
    password when given); returns a Microsocks once its port accepts."""
    if shutil.which("microsocks") is None:
        test.fail("microsocks is not installed (scripts/test.sh installs it)")
    for attempt in range(5):
        port = free_port()
        args = ["microsocks", "-i", "127.0.0.1", "-p", str(port)]
        if user is not None:
            args += ["-u", user, "-P", password]
        p = test.start(args)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and p.proc.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return Microsocks(p, port)
            except OSError:
                time.sleep(0.02)
        p.stop()  # the port was taken in the meantime: try another
    test.fail("microsocks did not start")
