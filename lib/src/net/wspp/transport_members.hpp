// The members of websocketpp's Asio transport that wskit's transports hide
// (hooks 15 and 21 to 27 in net/wspp/README.md), checked against their
// 0.8.2 signatures: websocketpp calls them by name on its config's transport
// types, which reaches wskit's members only while these are what they hide.
// A change upstream is then a compile error at the hook, not a hook that is
// no longer called. They are protected: a class of its own names them.
// Part of the websocketpp layer: included through wspp.hpp only.
#pragma once

#include <cstddef>
#include <system_error>
#include <type_traits>
#include <vector>

namespace wskit::detail {

template <class config>
class TransportConnectionMembers : websocketpp::transport::asio::connection<config> {
    using base = websocketpp::transport::asio::connection<config>;
    using Self = TransportConnectionMembers;
    using ReadAtLeast = void (base::*)(std::size_t, char*, std::size_t, websocketpp::transport::read_handler);
    using WriteBytes = void (base::*)(char const*, std::size_t, websocketpp::transport::write_handler);
    using WriteBuffers = void (base::*)(std::vector<websocketpp::transport::buffer> const&,
                                        websocketpp::transport::write_handler);
    using Shutdown = void (base::*)(websocketpp::transport::shutdown_handler);

public:
    // async_write is overloaded: a cast that finds no such overload fails to
    // compile.
    static constexpr bool same_read_at_least = std::is_same_v<decltype(&Self::async_read_at_least), ReadAtLeast>;
    static constexpr bool same_write_bytes =
        std::is_same_v<decltype(static_cast<WriteBytes>(&Self::async_write)), WriteBytes>;
    static constexpr bool same_write_buffers =
        std::is_same_v<decltype(static_cast<WriteBuffers>(&Self::async_write)), WriteBuffers>;
    static constexpr bool same_shutdown = std::is_same_v<decltype(&Self::async_shutdown), Shutdown>;
};

template <class config>
class TransportEndpointMembers : websocketpp::transport::asio::endpoint<config> {
    using base = websocketpp::transport::asio::endpoint<config>;
    using Self = TransportEndpointMembers;
    using ConnectionPtr = typename base::transport_con_ptr;

public:
    static constexpr bool same_async_connect =
        std::is_same_v<decltype(&Self::async_connect),
                       void (base::*)(ConnectionPtr, websocketpp::uri_ptr, websocketpp::transport::connect_handler)>;
    static constexpr bool same_init = std::is_same_v<decltype(&Self::init), std::error_code (base::*)(ConnectionPtr)>;
};

}  // namespace wskit::detail
