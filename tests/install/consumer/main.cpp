// Prints the canonical form of the URL given as the argument; a bad URL is
// reported with its exit code, which needs wskit::Error to cross the shared
// library's boundary.
#include <wskit/error.hpp>
#include <wskit/url.hpp>

#include <cstdio>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: consumer URL\n");
        return 64;
    }
    try {
        std::printf("%s\n", wskit::parse_url(argv[1]).str().c_str());
        return 0;
    } catch (const wskit::Error& e) {
        std::fprintf(stderr, "consumer: %s\n", e.what());
        return wskit::to_int(e.code());
    }
}
