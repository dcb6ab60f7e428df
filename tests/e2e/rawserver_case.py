"""A TestCase for `wskit connect` against a raw TCP server that answers the
handshake and sends frames byte by byte (rawws.RawServer): the client's
conformance tests and every test that needs a server misbehaving at the
frame level."""
import socket
import subprocess

import rawws
from rawws import CLOSE, PONG, close_frame
from harness import WSKIT, TestCase

HANDSHAKE = 5
ABNORMAL = 6


class RawServerTest(TestCase):
    def setUp(self):
        self.server = rawws.RawServer()
        self.addCleanup(self.server.close)

    def client(self, *args, stdin=b"", keep_stdin_open=False):
        """Starts wskit connect against the raw server. stdin gets `stdin`,
        then EOF unless `keep_stdin_open`."""
        p = self.start([WSKIT, "connect", *args, self.server.url], stdin=subprocess.PIPE)
        self.addCleanup(p.proc.stdin.close)
        if stdin:
            p.proc.stdin.write(stdin)
            p.proc.stdin.flush()
        if not keep_stdin_open:
            p.proc.stdin.close()
        return p

    def finish(self, p, timeout=rawws.TIMEOUT + 2):
        """Waits for wskit to exit; returns (exit status, stdout lines, stderr lines)."""
        try:
            rc = p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.fail(f"wskit did not exit within {timeout}s; stderr={p.seen['stderr'][-10:]!r}")
        for t in p._threads:
            t.join(timeout=2)
        return rc, p.seen["stdout"], p.seen["stderr"]

    def assertExitStatus(self, p, code):
        rc, out, err = self.finish(p)
        self.assertEqual(rc, code, f"exit {rc}, expected {code}; stdout={out[-10:]!r} stderr={err[-10:]!r}")
        return out, err

    def assertClientFrame(self, f):
        self.assertTrue(f.masked, f"the client sent an unmasked frame: {f!r}")
        self.assertEqual(f.rsv, 0, f"the client set reserved bits: {f!r}")

    def read_client_close(self, conn, p=None):
        """Reads what the client sends up to its close frame; returns (frames
        before, close frame). Fails if it hangs up without one."""
        frames = []
        try:
            conn.read_frames_until_close(frames)
        except socket.timeout:
            seen = f"; stdout={p.seen['stdout'][-5:]!r} stderr={p.seen['stderr'][-5:]!r}" if p else ""
            self.fail(f"no close frame from wskit within {rawws.TIMEOUT}s; it sent {frames!r}{seen}")
        self.assertTrue(frames and frames[-1].opcode == CLOSE,
                        f"wskit hung up without a close frame; frames: {frames!r}")
        for f in frames:
            self.assertClientFrame(f)
        return frames[:-1], frames[-1]

    def finish_close(self, conn, code):
        """Answers the client's close with `code`, ends the TCP connection
        from the server side, and returns any frames the client still sends."""
        try:
            conn.send(close_frame(code, mask=False))
            conn.shutdown_write()
        except OSError:
            return []
        extra = []
        try:
            while True:
                f = conn.read_frame()
                if f is None:
                    break
                extra.append(f)
        except socket.timeout:
            self.fail("wskit did not close the TCP connection after the close handshake")
        return extra

    def assertClientFails(self, data, code, *args, status=ABNORMAL):
        """After a good handshake, the server sends `data`; wskit must fail the
        connection with a masked close frame carrying `code`, send nothing
        else, and exit with `status`."""
        p = self.client(*args, keep_stdin_open=True)
        conn, _ = self.server.accept_ws()
        self.addCleanup(conn.close)
        conn.send(data if isinstance(data, bytes) else b"".join(data))
        before, close = self.read_client_close(conn, p)
        self.assertEqual(close.close_code, code, f"close frame {close!r}; stderr={p.seen['stderr'][-5:]!r}")
        self.assertEqual([f for f in before if f.opcode != PONG], [], "wskit sent data before its close")
        extra = self.finish_close(conn, code)
        self.assertEqual(extra, [], "wskit sent frames after its close frame")
        out, err = self.assertExitStatus(p, status)
        self.assertTrue(any(line.startswith("wskit: ") for line in err), f"no error message: {err!r}")
        return out, err
