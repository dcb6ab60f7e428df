// libnghttp2's client session behind plain calls: bytes in, bytes out,
// streams with queued bodies and manual flow control, each frame told to
// the trace handler. No I/O here: Http2Connection moves the bytes.
#pragma once

#include "net/h2_connection.hpp"

#include <wskit/extended_connect.hpp>
#include <wskit/http.hpp>
#include <wskit/trace.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

struct nghttp2_session;

namespace wskit::detail {

class Http2Session {
public:
    struct Owner {
        virtual void on_settings(const std::vector<Http2Setting>& settings) = 0;
        virtual void on_session_over(std::string why) = 0;  // GOAWAY with an error
        virtual void output_ready() = 0;                   // a stream operation left take_output() more to give
    protected:
        ~Owner() = default;
    };

    Http2Session(Owner& owner, TraceHandler trace);
    ~Http2Session();
    Http2Session(const Http2Session&) = delete;
    Http2Session& operator=(const Http2Session&) = delete;

    // The client preface and our SETTINGS, queued for take_output().
    void start();
    // Bytes from the server; "" or what is wrong (the session is then over).
    std::string receive(std::string_view bytes);
    // What to write now into `out` (cleared first; empty when nothing), whose
    // capacity is kept from one write to the next.
    void take_output(std::string& out);
    // All that take_output() gave has been written: drained streams hear of it.
    void written();
    bool wants_io() const;
    // Inside an nghttp2 call (a callback is running): output is taken after
    // it returns, never from inside it, as nghttp2 is not re-entrant.
    bool busy() const { return busy_ > 0; }
    // The connection is gone: no callback runs any more.
    void abandon();
    void go_away();

    std::int32_t open_stream(const std::vector<Header>& fields, Http2Connection::StreamHandlers handlers);
    void write(std::int32_t stream, std::string bytes);
    std::size_t unsent(std::int32_t stream) const;
    void end_stream(std::int32_t stream);
    void reset_stream(std::int32_t stream, std::uint32_t error_code);
    void pause_stream(std::int32_t stream);
    void resume_stream(std::int32_t stream);

    struct Stream {
        Http2Connection::StreamHandlers handlers;
        std::string out;               // queued body bytes from out_pos on
        std::size_t out_pos = 0;
        bool ending = false;           // END_STREAM once out is empty
        bool deferred = false;         // nghttp2 waits for body bytes
        bool owes_drained = false;     // bytes went to nghttp2 since the last drained
        bool paused = false;
        std::size_t unacked = 0;       // bytes received while paused, not yet given back to the window
        std::vector<Header> fields;    // the header block being received
    };

    // For the C callbacks (h2_session.cpp).
    Owner& owner;
    TraceHandler trace;
    std::map<std::int32_t, Stream> streams;
    bool abandoned = false;

private:
    void end_session();
    // Data may go again: nghttp2 asks for the body once more, and a flush is due.
    void resume(std::int32_t id, Stream& stream);
    nghttp2_session* session_ = nullptr;
    int busy_ = 0;  // inside an nghttp2 call: the session may not be deleted yet
};

}  // namespace wskit::detail
