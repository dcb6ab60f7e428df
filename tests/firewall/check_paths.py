#!/usr/bin/env python3
"""The path rules of ARCHITECTURE.md, checked on every #include line of lib/
and apps/ (beside check_public_headers.cmake, which compiles the public
headers alone). Run as: check_paths.py SOURCE_DIR. Prints every violation as
FILE:LINE: rule: include, and exits 1 when there is any.

1. Only lib/src/net/ includes websocketpp (or net/wspp/) and nghttp2. Only
   net/ and the engines that own sockets (bench/, chat/redis/) include Asio
   (or net/loop_impl.hpp, the event loop's Asio inside).
2. lib/src/proto/ is pure: it includes only proto/, <wskit/...>, fmt, the
   standard library, zlib, OpenSSL's SHA-1, and the C headers that convert
   addresses.
3. apps/ reaches the library only through <wskit/...>.
4. The library API (lib/include/wskit/*.hpp) includes no engine header:
   nothing of wskit/tool/ or wskit/chat/.
5. The core library does not print: lib/src/net/ and lib/src/proto/ name
   neither stdout, stderr nor their streams; diagnostics go through the sink
   of <wskit/diagnostics.hpp> (its internal_error() for a broken invariant).
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)

# Headers of the C and C++ standard libraries have no extension, or are <cX>.
STANDARD = re.compile(r"^[a-z_]+$")
PROTO_EXTRA = {"zlib.h", "openssl/sha.h", "arpa/inet.h", "netinet/in.h", "sys/socket.h"}
ASIO_OWNERS = ("lib/src/net/", "lib/src/bench/", "lib/src/chat/redis/")
PRINTS = re.compile(r"\bstd::(cerr|cout|clog)\b|\b(stderr|stdout)\b|\b(printf|puts|perror)\s*\(")
SILENT = ("lib/src/net/", "lib/src/proto/")
THIRD_PARTY_IN_APPS = re.compile(r"^(websocketpp|asio|openssl|hiredis|re2|histedit|editline|nlohmann|nghttp2)\b")


def sources(root, top):
    for folder, _, files in os.walk(os.path.join(root, top)):
        for name in files:
            if name.endswith((".cpp", ".hpp", ".h")):
                path = os.path.join(folder, name)
                yield os.path.relpath(path, root), path


def check(root):
    problems = []

    def bad(rel, text, pos, rule, name):
        line = text.count("\n", 0, pos) + 1
        problems.append(f"{rel}:{line}: {rule}: {name}")

    for top in ("lib", "apps"):
        for rel, path in sources(root, top):
            with open(path, encoding="utf-8") as f:
                text = f.read()
            if rel.startswith(SILENT):
                code = re.sub(r"//[^\n]*", "", text)  # comments may name stderr
                for m in PRINTS.finditer(code):
                    line = code.count("\n", 0, m.start()) + 1
                    problems.append(f"{rel}:{line}: the core library does not print: {m.group(0)}")
            for m in INCLUDE.finditer(text):
                quote, name = m.groups()
                in_net = rel.startswith("lib/src/net/")
                if (name.startswith("websocketpp/") or name.startswith("net/wspp/")) and not in_net:
                    bad(rel, text, m.start(), "websocketpp outside lib/src/net/", name)
                if name.startswith("nghttp2/") and not in_net:
                    bad(rel, text, m.start(), "nghttp2 outside lib/src/net/", name)
                if (name == "asio.hpp" or name.startswith("asio/") or name == "net/loop_impl.hpp") and \
                        not rel.startswith(ASIO_OWNERS):
                    bad(rel, text, m.start(), "Asio outside net/ and the engines that own sockets", name)
                if rel.startswith("lib/src/proto/"):
                    allowed = (name.startswith("proto/") and quote == '"') or name.startswith("wskit/") or \
                        name.startswith("fmt/") or (quote == "<" and STANDARD.match(name)) or name in PROTO_EXTRA
                    if not allowed:
                        bad(rel, text, m.start(), "proto/ includes only proto/, <wskit/...>, fmt and the standard "
                                                  "library", name)
                if rel.startswith("apps/"):
                    into_library = quote == '"' and os.path.normpath(
                        os.path.join(os.path.dirname(rel), name)).startswith("lib/")
                    if into_library or THIRD_PARTY_IN_APPS.match(name) or re.match(r"^(net|proto|term|process)/", name):
                        bad(rel, text, m.start(), "apps/ includes only <wskit/...> of the library", name)
                if re.match(r"^lib/include/wskit/[^/]+\.hpp$", rel) and re.match(r"^wskit/(tool|chat)/", name):
                    bad(rel, text, m.start(), "the library API includes no engine header", name)
    return problems


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
    problems = check(os.path.abspath(root))
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} include(s) break the path rules of ARCHITECTURE.md")
        return 1
    print("the path rules hold")
    return 0


if __name__ == "__main__":
    sys.exit(main())
