#include "net/wspp/wspp.hpp"

#include <openssl/rand.h>

#include <csignal>
#include <random>

namespace wskit {

void detail::MaskKeyGenerator::refill() {
    // RAND_bytes only fails when the system has no entropy source at all.
    if (RAND_bytes(reinterpret_cast<unsigned char*>(keys_.data()), sizeof keys_) != 1) {
        std::random_device rd;
        for (auto& k : keys_) k = rd();
    }
    next_ = 0;
}

EventLoop::EventLoop() : impl_(std::make_unique<Impl>()) {}
EventLoop::~EventLoop() = default;

void EventLoop::run() {
    impl_->io.run();
}

void EventLoop::stop() {
    impl_->io.stop();
}

void EventLoop::post(std::function<void()> fn) {
    asio::post(impl_->io, std::move(fn));
}

EventLoop::TimerId EventLoop::after(std::chrono::milliseconds delay, std::function<void()> fn) {
    auto id = impl_->next_timer++;
    auto timer = std::make_unique<asio::steady_timer>(impl_->io, delay);
    timer->async_wait([this, id, fn = std::move(fn)](const asio::error_code& ec) {
        // A timer cancelled once it had expired still completes without an
        // error (Asio had queued its handler already): only one still in
        // the table has not been cancelled, and its owner may be gone.
        auto it = impl_->timers.find(id);
        if (ec || it == impl_->timers.end()) return;
        impl_->timers.erase(it);
        fn();
    });
    impl_->timers.emplace(id, std::move(timer));
    return id;
}

void EventLoop::cancel(TimerId id) {
    auto it = impl_->timers.find(id);
    if (it == impl_->timers.end()) return;
    it->second->cancel();
    impl_->timers.erase(it);
}

void EventLoop::Impl::wait_signal() {
    signals->async_wait([this](const asio::error_code& ec, int signo) {
        if (ec) return;
        if (on_signal) on_signal(signo);
        wait_signal();
    });
}

void EventLoop::on_signals(std::function<void(int)> fn) {
    impl_->on_signal = std::move(fn);
    if (!impl_->signals) {
        impl_->signals = std::make_unique<asio::signal_set>(impl_->io, SIGINT, SIGTERM);
        impl_->wait_signal();
    }
}

}  // namespace wskit
