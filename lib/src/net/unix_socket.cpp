#include "net/unix_socket.hpp"

#include <wskit/error.hpp>
#include <wskit/encoding.hpp>

#include <fmt/format.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace wskit::detail {
namespace {

using Local = asio::local::stream_protocol;

[[noreturn]] void cannot_listen(const std::string& path, const std::string& why) {
    throw Error(ExitCode::runtime, fmt::format("cannot listen on unix:{}: {}", escape_controls(path), why));
}

// Whether a server accepts on the socket file at `path`: a connect that is
// refused means nobody does any more.
bool someone_listens(const std::string& path) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, path.data(), path.size());
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address);
    int error = errno;
    ::close(fd);
    // EAGAIN: its backlog is full, so it is very much in use.
    return rc == 0 || error == EAGAIN;
}

// A file already at `path`: a dead server's socket goes; anything else stays.
void clear_stale(const std::string& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) return;  // nothing there
    if (!S_ISSOCK(st.st_mode)) cannot_listen(path, "a file that is not a socket is there (not replaced)");
    if (someone_listens(path)) cannot_listen(path, "another server listens on it");
    if (::unlink(path.c_str()) != 0 && errno != ENOENT)
        cannot_listen(path, fmt::format("cannot remove the stale socket file: {}", std::strerror(errno)));
}

}  // namespace

void UnixListener::open(const std::string& path, unsigned mode, int backlog) {
    if (path.empty() || path.size() >= sizeof(sockaddr_un::sun_path)) cannot_listen(path, "no such socket path");
    clear_stale(path);
    std::error_code ec;
    acceptor_.open(Local(), ec);
    if (!ec) {
        // bind() makes the file with 0777 less the umask: the umask is mode's
        // complement meanwhile, so that the file never exists with more.
        mode_t before = ::umask(static_cast<mode_t>(~mode & 0777));
        acceptor_.bind(Local::endpoint(path), ec);
        ::umask(before);
    }
    if (!ec) acceptor_.listen(backlog, ec);
    if (ec) {
        std::error_code ignored;
        acceptor_.close(ignored);
        cannot_listen(path, ec.message());
    }
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
        device_ = st.st_dev;
        inode_ = st.st_ino;
    }
    path_ = path;
}

void UnixListener::async_accept(TcpSocket& into, std::function<void(std::error_code)> done) {
    acceptor_.async_accept([&into, done = std::move(done)](std::error_code ec, Local::socket peer) {
        if (!ec) into.assign(asio::ip::tcp::v4(), peer.release(ec), ec);
        done(ec);
    });
}

void UnixListener::close() {
    std::error_code ignored;
    acceptor_.close(ignored);
    if (path_.empty()) return;
    // Another server may have replaced a file removed meanwhile: its socket
    // stays.
    struct stat st {};
    if (::lstat(path_.c_str(), &st) == 0 && st.st_dev == device_ && st.st_ino == inode_) ::unlink(path_.c_str());
    path_.clear();
}

void async_connect_unix(TcpSocket& into, const std::string& path,
                        std::function<void(std::error_code)> done) {
    auto socket = std::make_shared<Local::socket>(into.get_executor());
    socket->async_connect(Local::endpoint(path), [&into, socket, done = std::move(done)](std::error_code ec) {
        if (!ec) into.assign(asio::ip::tcp::v4(), socket->release(ec), ec);
        done(ec);
    });
}

UnixPeer unix_peer(int fd) {
    ucred credentials{};
    socklen_t size = sizeof credentials;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &size) != 0) return {"unix:?", "unix:?"};
    auto address = fmt::format("unix:uid={}", credentials.uid);
    return {fmt::format("{},pid={}", address, credentials.pid), address};
}

}  // namespace wskit::detail
