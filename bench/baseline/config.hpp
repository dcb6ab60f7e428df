// Shared websocketpp configuration of the baseline programs: one io thread
// (concurrency::none), stub loggers, a 64 KiB read buffer, and for clients a
// fast seeded xorshift generator for masking keys.
#pragma once

#include <websocketpp/concurrency/none.hpp>
#include <websocketpp/config/asio_no_tls.hpp>
#include <websocketpp/config/asio_no_tls_client.hpp>
#include <websocketpp/logger/stub.hpp>

#include <chrono>
#include <cstdint>

namespace bench {

// websocketpp's default rng (std::random_device) executes RDSEED for every
// frame, which is very slow on virtual machines. Masking keys only need to be
// unpredictable to intermediaries, which a seeded xorshift is for a benchmark.
class FastRng {
public:
    using result_type = std::uint32_t;
    FastRng()
        : state_(static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) |
                 1u) {}
    std::uint32_t operator()() {
        state_ ^= state_ << 13;
        state_ ^= state_ >> 7;
        state_ ^= state_ << 17;
        return static_cast<std::uint32_t>(state_ >> 16);
    }

private:
    std::uint64_t state_;
};

template <class Base>
struct MinimalConfig : Base {
    using type = MinimalConfig;
    using base = Base;

    using concurrency_type = websocketpp::concurrency::none;
    using alog_type = websocketpp::log::stub;
    using elog_type = websocketpp::log::stub;
    using rng_type = FastRng;

    static const bool enable_multithreading = false;
    static const size_t connection_read_buffer_size = 65536;

    struct transport_config : Base::transport_config {
        using concurrency_type = websocketpp::concurrency::none;
        using alog_type = websocketpp::log::stub;
        using elog_type = websocketpp::log::stub;
        static const bool enable_multithreading = false;
    };
    using transport_type = websocketpp::transport::asio::endpoint<transport_config>;
};

using ServerConfig = MinimalConfig<websocketpp::config::asio>;
using ClientConfig = MinimalConfig<websocketpp::config::asio_client>;

}  // namespace bench
