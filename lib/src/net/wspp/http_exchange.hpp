// Between a websocketpp connection's HTTP exchange and wskit's HttpRequest
// and HttpResponse (<wskit/http.hpp>): what a server's handlers see and
// answer. Needs wspp.hpp's includes first.
#pragma once

#include <wskit/http.hpp>

namespace wskit::detail {

// The request as the client sent it: headers in order, with their case and
// repeats (websocketpp keeps them in a map, and StrictVersionRequest has
// changed what it shows websocketpp).
// The client as people read it: "127.0.0.1:50312", "unix:uid=1000,pid=42".
template <class Con>
inline std::string peer_name(Con& con) {
    return con.unix_peer ? con.unix_peer->name : con.get_remote_endpoint();
}

// The request from its head, with websocketpp's resource (an absolute-form
// target reduced to its path; empty: the head's own) and the client's
// address from the connection's socket.
template <class Con>
inline HttpRequest http_request(Con& con, std::string_view head, std::string resource) {
    HttpRequest out = parse_request_head(head);
    if (!resource.empty()) out.resource = std::move(resource);
    out.remote = peer_name(con);
    if (con.unix_peer) {
        out.remote_address = con.unix_peer->address;
        return out;
    }
    asio::error_code ec;
    auto endpoint = con.get_raw_socket().remote_endpoint(ec);
    if (!ec) {
        auto address = endpoint.address();
        if (address.is_v6() && address.to_v6().is_v4_mapped())
            address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
        out.remote_address = address.to_string();
        out.remote_port = endpoint.port();
    }
    return out;
}

// While the connection opens: websocketpp has parsed the target once the
// head is in, not yet for an upgrade held (hook 36).
template <class Con>
inline HttpRequest to_http_request(Con& con) {
    return http_request(con, con.get_request().raw_head(), con.get_uri() ? con.get_resource() : std::string());
}

template <class Con>
inline void apply_response(Con& con, const HttpResponse& res) {
    con.set_status(static_cast<websocketpp::http::status_code::value>(res.status));
    for (const auto& h : res.headers) con.replace_header(h.name, h.value);
    con.set_body(res.body);
}

// websocketpp keeps the opening handshake's request and response (the raw
// head, header maps, buffers) and the URI it made of the request for the
// connection's life, and reads none of them once it is open. They are moved
// out and freed: an object moved from holds no memory, where assigning a
// fresh one (as this did first) allocated the fresh parser's buffer and
// kept the capacity of every string longer than 15 bytes. The URI becomes
// one that every connection shares. Returns the request's head, which the
// server keeps for what it reports later (hook 35 in net/wspp/README.md).
template <class Con>
inline std::string forget_handshake(Con& con) {
    using Request = typename Con::request_type;
    using Response = typename Con::response_type;
    static const auto no_uri = std::make_shared<websocketpp::uri>("ws://forgotten.invalid/");
    auto request = std::move(const_cast<Request&>(con.get_request()));
    auto response = std::move(const_cast<Response&>(con.get_response()));
    con.set_uri(no_uri);
    return request.take_raw_head();
}

}  // namespace wskit::detail
