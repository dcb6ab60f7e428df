#include "net/descriptor.hpp"
#include "net/loop_impl.hpp"

#include <asio/posix/stream_descriptor.hpp>
#include <asio/read.hpp>
#include <asio/write.hpp>

namespace wskit::detail {

struct Descriptor::Impl {
    explicit Impl(EventLoop& loop) : stream(loop.impl().io) {}
    asio::posix::stream_descriptor stream;
};

Descriptor::Descriptor(EventLoop& loop) : impl_(std::make_unique<Impl>(loop)) {}

Descriptor::Descriptor(EventLoop& loop, int fd) : Descriptor(loop) { impl_->stream.assign(fd); }

Descriptor::~Descriptor() = default;

bool Descriptor::assign(int fd) {
    asio::error_code ec;
    impl_->stream.assign(fd, ec);
    if (ec && impl_->stream.is_open()) impl_->stream.release();
    return !ec;
}

bool Descriptor::is_open() const { return impl_->stream.is_open(); }

void Descriptor::async_read_some(char* data, std::size_t size, IoHandler handler) {
    impl_->stream.async_read_some(asio::buffer(data, size), std::move(handler));
}

void Descriptor::async_write(const char* data, std::size_t size, IoHandler handler) {
    asio::async_write(impl_->stream, asio::buffer(data, size), std::move(handler));
}

void Descriptor::async_wait_writable(WaitHandler handler) {
    impl_->stream.async_wait(asio::posix::stream_descriptor::wait_write, std::move(handler));
}

void Descriptor::cancel() {
    asio::error_code ignored;
    impl_->stream.cancel(ignored);
}

void Descriptor::close() {
    asio::error_code ignored;
    impl_->stream.close(ignored);
}

int Descriptor::release() {
    if (!impl_->stream.is_open()) return -1;
    cancel();
    return impl_->stream.release();
}

bool is_eof(const std::error_code& ec) { return ec == asio::error::eof; }
bool is_aborted(const std::error_code& ec) { return ec == asio::error::operation_aborted; }
std::error_code eof_error() { return asio::error::eof; }

struct SignalWatch::Impl {
    Impl(EventLoop& loop, int signo) : signals(loop.impl().io, signo) {}
    asio::signal_set signals;
};

SignalWatch::SignalWatch(EventLoop& loop, int signo) : impl_(std::make_unique<Impl>(loop, signo)) {}
SignalWatch::~SignalWatch() = default;

void SignalWatch::async_wait(Handler handler) { impl_->signals.async_wait(std::move(handler)); }

void SignalWatch::cancel() {
    asio::error_code ignored;
    impl_->signals.cancel(ignored);
}

}  // namespace wskit::detail
