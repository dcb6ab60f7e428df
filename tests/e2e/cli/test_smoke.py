"""The basics, end to end: wskit connect against a Python websockets server."""
from harness import TestCase, main


class Smoke(TestCase):
    def test_lines_echoed_by_python_websockets(self):
        _, url = self.start_python_peer("py_echo_server.py")
        r = self.wskit("connect", "--count", "2", url, input="hello\nworld\n")
        self.assertExit(r, 0)
        self.assertEqual(r.stdout, b"hello\nworld\n")


if __name__ == "__main__":
    main()
