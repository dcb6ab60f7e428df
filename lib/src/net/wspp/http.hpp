// Request and response types: what wskit changes in websocketpp's HTTP
// parsing of the opening handshake. websocketpp calls their members by name
// on its config's request and response types, which reaches the ones here
// that hide its own; each static_assert pins the signature of the member
// hidden, so that a change upstream is a compile error rather than a hook
// no longer called (hooks 1 to 7 in net/wspp/README.md).
// Part of the websocketpp layer: included through wspp.hpp only.
#pragma once

#include "proto/headers.hpp"
#include "proto/upgrade_request.hpp"

#include <wskit/http.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace wskit::detail {

// websocketpp checks a handshake request itself before any handler runs, and
// answers what it dislikes with a bare 400 (a method other than GET, HTTP/1.0,
// no key, no Host) or with "0,7,8,13" (an unknown version), and takes a request
// without Sec-WebSocket-Version as the 2010 draft (hybi00), failing it with a
// 500. A server here speaks RFC 6455 only and runs its own checks
// (check_request) so that every problem is answered the same way, and an
// inspector sees every request: this request type hands websocketpp a
// request it lets through, and keeps the head exactly as received
// (raw_head()), which is what the handlers are shown.
class StrictVersionRequest : public websocketpp::http::parser::request {
public:
    // Hook 1 in net/wspp/README.md.
    static_assert(std::is_same_v<decltype(&request::consume), size_t (request::*)(char const*, size_t)>,
                  "websocketpp's request::consume changed: see hook 1 in net/wspp/README.md");
    size_t consume(char const* buf, size_t len) {
        size_t used = request::consume(buf, len);
        if (!checked_ && raw_.size() < max_raw) raw_.append(buf, std::min(used, max_raw - raw_.size()));
        if (request::ready() && !checked_) {
            checked_ = true;
            if (auto end = raw_.find("\r\n\r\n"); end != std::string::npos) raw_.resize(end + 4);
            if (!get_header("Upgrade").empty()) {
                if (get_method() != "GET") set_method("GET");
                if (get_version() != "HTTP/1.1") set_version("HTTP/1.1");
                if (get_header("Sec-WebSocket-Key").empty()) replace_header("Sec-WebSocket-Key", "(none)");
                // websocketpp builds the URI from Host and refuses the request without one.
                if (get_header("Host").empty()) replace_header("Host", "host.invalid");
                if (get_header("Sec-WebSocket-Version") != "13") replace_header("Sec-WebSocket-Version", "13");
            }
            // Hook 36: the application may hold the upgrade here (and
            // answer it at once, from inside: release() before this returns).
            if (hold_when_ready) {
                auto hold = std::move(hold_when_ready);
                hold_when_ready = nullptr;
                held_ = true;
                held_ = hold() && held_;
            }
        }
        return used;
    }

    // Hook 36 in net/wspp/README.md: an upgrade held until the application
    // has its answer (a proxy asks its upstream first). websocketpp processes
    // the request as soon as ready() says the head is in, and until then asks
    // the transport for more bytes: while held, that read is held too
    // (ServerTransportConnection::hold_reads), and release() followed by an
    // empty read (deliver_empty_read) makes websocketpp process it then.
    static_assert(std::is_same_v<decltype(&request::ready), bool (request::*)() const>,
                  "websocketpp's request::ready changed: see hook 36 in net/wspp/README.md");
    bool ready() const { return request::ready() && !held_; }
    void release() { held_ = false; }
    // Called once, when the head is in; returns whether to hold the upgrade.
    std::function<bool()> hold_when_ready;

    // The request line and headers as received, up to the blank line.
    const std::string& raw_head() const { return raw_; }
    std::string take_raw_head() { return std::move(raw_); }

private:
    static constexpr std::size_t max_raw = 64 * 1024;
    bool checked_ = false;
    bool held_ = false;
    std::string raw_;
};

// The client's request: the one wskit built (proto/upgrade_request.hpp),
// sent as built.
// - websocketpp's processor writes its own headers into the request just
//   before sending it (Host from the URL, Upgrade, Connection, a key, the
//   version, User-Agent): the built request has them already, with the
//   user's choices (--host, -H) applied, so once it is pinned those writes
//   change nothing.
// - websocketpp keeps headers in a map (one line per name, sorted), so a
//   header given twice (-H 'Cookie: a=1' -H 'Cookie: b=2') would keep only
//   the last. The built lines are kept here, in order, repeats included;
//   the map holds the last value of each, for websocketpp's own checks (the
//   key it checks Sec-WebSocket-Accept against). websocketpp writes the
//   request with raw(), hidden here.
class PinnedRequest : public websocketpp::http::parser::request {
    using parser = websocketpp::http::parser::parser;
    using SetHeader = void (parser::*)(std::string const&, std::string const&);

public:
    void pin(HttpRequest built) {
        set_method(built.method);
        set_uri(built.resource);
        set_version(built.version);
        for (const auto& h : built.headers) request::replace_header(h.name, h.value);
        built_ = std::move(built);
    }

    // Hook 2 in net/wspp/README.md.
    static_assert(std::is_same_v<decltype(&request::replace_header), SetHeader>,
                  "websocketpp's parser::replace_header changed: see hook 2 in net/wspp/README.md");
    void replace_header(std::string const& key, std::string const& value) {
        if (!built_) request::replace_header(key, value);
    }
    // Hook 3 in net/wspp/README.md.
    static_assert(std::is_same_v<decltype(&request::append_header), SetHeader>,
                  "websocketpp's parser::append_header changed: see hook 3 in net/wspp/README.md");
    void append_header(std::string const& key, std::string const& value) {
        if (!built_) request::append_header(key, value);
    }
    // Hook 4 in net/wspp/README.md.
    static_assert(std::is_same_v<decltype(&request::remove_header), void (parser::*)(std::string const&)>,
                  "websocketpp's parser::remove_header changed: see hook 4 in net/wspp/README.md");
    void remove_header(std::string const& key) {
        if (!built_) request::remove_header(key);
    }

    // Hook 5 in net/wspp/README.md.
    static_assert(std::is_same_v<decltype(&request::raw), std::string (request::*)() const>,
                  "websocketpp's request::raw changed: see hook 5 in net/wspp/README.md");
    std::string raw() const { return built_ ? format_request_head(*built_) + m_body : request::raw(); }

private:
    std::optional<HttpRequest> built_;  // once pinned
};

// websocketpp's client gives up on a non-101 response as soon as its headers
// are in, keeping only the part of the body that came in the same read; and
// with "Content-Length: 0", or no length at all, it waits for one more read
// before it calls the head complete, which a server that keeps the
// connection open never sends (the connect timeout then fires). This
// response type reads the body of a non-101 answer by its framing (RFC 9112
// 6.3), at most max_body bytes, and reports the headers ready once it has
// it: at once when there is none (1xx, 204, 304, a zero length), at the last
// chunk of a chunked body, at the length, or, for a body delimited by the
// end of the connection, at EOF (websocketpp fails the connection then, with
// the status known) or at the first read after close_delimited_wait. A
// server that sends nothing more and keeps the connection open gives no such
// read: the client is told when such a body starts (on_body_until_close) and
// ends the wait itself after close_delimited_wait (by shutting the socket's
// reading side, which gives websocketpp its EOF).
class CompleteBodyResponse : public websocketpp::http::parser::response {
public:
    static constexpr std::size_t max_body = 64 * 1024;
    static constexpr std::chrono::milliseconds close_delimited_wait{200};

    // Hook 6 in net/wspp/README.md. consume is overloaded (the istream
    // one, for a proxy's answer, stays websocketpp's): the cast fails to
    // compile if the one hidden here changes.
    using ConsumeBytes = size_t (response::*)(char const*, size_t);
    static_assert(std::is_same_v<decltype(static_cast<ConsumeBytes>(&response::consume)), ConsumeBytes>);
    using response::consume;
    size_t consume(char const* buf, size_t len) {
        if (first_bytes_.size() < max_first_bytes)
            first_bytes_.append(buf, std::min(len, max_first_bytes - first_bytes_.size()));
        if (framing_ == Framing::unknown) {
            size_t used = response::consume(buf, len);
            if (raw_.size() < max_raw) raw_.append(buf, std::min(used, max_raw - raw_.size()));
            if (!response::headers_ready()) return used;
            if (auto end = raw_.find("\r\n\r\n"); end != std::string::npos) raw_.resize(end + 4);
            start_body();
            if (framing_ == Framing::upgrade) return used;
            // websocketpp kept the body bytes that fit its Content-Length.
            if (framing_ == Framing::length) {
                remaining_ -= std::min<unsigned long long>(remaining_, m_body.size());
                complete_ = remaining_ == 0;
            }
            return used + consume_body(buf + used, len - used);
        }
        if (framing_ == Framing::upgrade) return response::consume(buf, len);
        return consume_body(buf, len);
    }

    // Hook 7 in net/wspp/README.md.
    static_assert(std::is_same_v<decltype(&response::headers_ready), bool (response::*)() const>,
                  "websocketpp's response::headers_ready changed: see hook 7 in net/wspp/README.md");
    bool headers_ready() const {
        if (!response::headers_ready()) return false;
        // A proxy's answer to CONNECT is parsed by websocketpp's own
        // consume(istream), which never reaches the consume() above.
        if (framing_ == Framing::unknown)
            return get_status_code() == websocketpp::http::status_code::switching_protocols || ready() ||
                   m_body.size() >= max_body;
        if (framing_ == Framing::upgrade || complete_ || m_body.size() >= max_body) return true;
        return framing_ == Framing::until_close &&
               std::chrono::steady_clock::now() - head_done_ >= close_delimited_wait;
    }

    // The status line and headers exactly as received (websocketpp's raw()
    // rebuilds them from a map: sorted, repeats merged).
    const std::string& raw_head() const { return raw_; }
    // Whether the head reached its blank line.
    bool head_done() const { return framing_ != Framing::unknown; }
    // The first bytes received, kept before websocketpp parses them: what
    // came when they were not HTTP at all (a TLS record, say) and parsing
    // threw, or when the head never ended. For the failure classifier.
    const std::string& first_bytes() const { return first_bytes_; }

    // Called (from websocketpp's read handler) when the head is in and the
    // body ends only with the connection.
    void on_body_until_close(std::function<void()> handler) { on_body_until_close_ = std::move(handler); }

private:
    static constexpr std::size_t max_raw = 64 * 1024;
    static constexpr std::size_t max_first_bytes = 256;
    std::string raw_;
    std::string first_bytes_;
    enum class Framing { unknown, upgrade, none, length, chunked, until_close };
    enum class Chunk { size_line, data, data_end };

    static bool has_token(std::string value, std::string_view token) {
        for (auto& c : value) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return value.find(token) != std::string::npos;
    }

    void start_body() {
        head_done_ = std::chrono::steady_clock::now();
        int status = get_status_code();
        const auto& length = get_header("Content-Length");
        if (status == websocketpp::http::status_code::switching_protocols) {
            framing_ = Framing::upgrade;
        } else if ((status >= 100 && status < 200) || status == 204 || status == 304) {
            framing_ = Framing::none;
        } else if (has_token(get_header("Transfer-Encoding"), "chunked")) {
            framing_ = Framing::chunked;
        } else if (!length.empty()) {
            framing_ = Framing::length;
            remaining_ = std::strtoull(length.c_str(), nullptr, 10);  // websocketpp has parsed it already
        } else {
            framing_ = Framing::until_close;
        }
        complete_ = framing_ == Framing::none || (framing_ == Framing::length && remaining_ == 0);
        if (framing_ == Framing::until_close && on_body_until_close_) on_body_until_close_();
    }

    // Takes every byte offered, so that websocketpp reads on; keeps at most
    // max_body of body.
    size_t consume_body(char const* buf, size_t len) {
        std::string_view in(buf, len);
        auto keep = [this](std::string_view bytes) {
            m_body.append(bytes.substr(0, max_body - std::min(max_body, m_body.size())));
        };
        while (!in.empty() && !complete_) {
            switch (framing_) {
                case Framing::length: {
                    auto n = static_cast<size_t>(std::min<unsigned long long>(remaining_, in.size()));
                    keep(in.substr(0, n));
                    remaining_ -= n;
                    in.remove_prefix(n);
                    complete_ = remaining_ == 0;
                    break;
                }
                case Framing::until_close:
                    keep(in);
                    in = {};
                    break;
                case Framing::chunked:
                    consume_chunked(in, keep);
                    break;
                default:
                    in = {};
                    break;
            }
        }
        return len;
    }

    template <class Keep>
    void consume_chunked(std::string_view& in, Keep& keep) {
        switch (chunk_) {
            case Chunk::size_line: {
                auto eol = in.find('\n');
                line_.append(in.substr(0, eol));
                if (line_.size() > 1024) {  // not a chunk size line
                    complete_ = true;
                    return;
                }
                if (eol == std::string_view::npos) {
                    in = {};
                    return;
                }
                in.remove_prefix(eol + 1);
                char* end = nullptr;
                remaining_ = std::strtoull(line_.c_str(), &end, 16);
                bool valid = end != line_.c_str();
                line_.clear();
                // The last chunk (size 0) ends the body; its trailer is not waited for.
                if (!valid || remaining_ == 0) complete_ = true;
                chunk_ = Chunk::data;
                return;
            }
            case Chunk::data: {
                auto n = static_cast<size_t>(std::min<unsigned long long>(remaining_, in.size()));
                keep(in.substr(0, n));
                remaining_ -= n;
                in.remove_prefix(n);
                if (remaining_ == 0) chunk_ = Chunk::data_end;
                return;
            }
            case Chunk::data_end: {  // the CRLF after a chunk's data
                auto eol = in.find('\n');
                if (eol == std::string_view::npos) {
                    in = {};
                    return;
                }
                in.remove_prefix(eol + 1);
                chunk_ = Chunk::size_line;
                return;
            }
        }
    }

    Framing framing_ = Framing::unknown;
    Chunk chunk_ = Chunk::size_line;
    bool complete_ = false;
    unsigned long long remaining_ = 0;  // body or chunk bytes still to come
    std::string line_;                  // a chunk size line being read
    std::chrono::steady_clock::time_point head_done_;
    std::function<void()> on_body_until_close_;
};

}  // namespace wskit::detail
