// Unix-domain sockets where websocketpp knows only TCP. websocketpp's
// connections read and write an asio::ip::tcp::socket; a Unix socket's
// descriptor assigned to one works the same for everything they do with it
// (read, write, shutdown, cancel, close), so a server accepts, and a client
// connects, on a Unix socket, then hands the descriptor over (hook 37 in
// net/wspp/README.md). Only the peer's address means nothing there: its
// credentials name it instead (unix_peer).
#pragma once

// The standard library's headers come first: Asio's config reads
// libstdc++'s (_GLIBCXX_HAVE_ALIGNED_ALLOC) to choose how it allocates
// handlers, and a file where Asio came first would free with free() what
// another allocated with operator new (AddressSanitizer's
// alloc-dealloc-mismatch).
#include <functional>
#include <string>
#include <system_error>

#include <sys/types.h>

#include <asio/ip/tcp.hpp>
#include <asio/local/stream_protocol.hpp>

namespace wskit::detail {

// What websocketpp's connections give as their raw socket (a TLS stream's
// lowest layer is typed as the base).
using TcpSocket = asio::basic_socket<asio::ip::tcp>;

// A listening socket at a path, owned: the file is made with exactly `mode`
// (the umask cannot widen it) and removed on close, if it is still the one
// this listener made.
class UnixListener {
public:
    explicit UnixListener(asio::io_context& io) : acceptor_(io) {}
    ~UnixListener() { close(); }
    UnixListener(const UnixListener&) = delete;
    UnixListener& operator=(const UnixListener&) = delete;

    // A socket file that nobody accepts on any more (its server died) is
    // replaced; one that is in use, or a file that is not a socket, is an
    // error. Throws Error(ExitCode::runtime) naming the path.
    void open(const std::string& path, unsigned mode, int backlog);
    bool is_open() const { return acceptor_.is_open(); }
    // Accepts one connection; `into` (closed) then holds its descriptor.
    void async_accept(TcpSocket& into, std::function<void(std::error_code)> done);
    void close();

private:
    asio::local::stream_protocol::acceptor acceptor_;
    std::string path_;
    dev_t device_ = 0;
    ino_t inode_ = 0;
};

// Connects `into` (closed) to the Unix socket at `path`.
void async_connect_unix(TcpSocket& into, const std::string& path,
                        std::function<void(std::error_code)> done);

// Who is at the other end of a connected Unix socket (SO_PEERCRED):
// "unix:uid=1000,pid=4242", and as an address, the same without the pid
// (what access throttling counts by).
struct UnixPeer {
    std::string name;
    std::string address;
};
UnixPeer unix_peer(int fd);

}  // namespace wskit::detail
