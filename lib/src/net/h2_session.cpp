#include "net/h2_session.hpp"

#include <nghttp2/nghttp2.h>

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace wskit::detail {
namespace {

// Our stream windows: what a paused stream lets the server send ahead,
// so the most a slow reader holds per WebSocket.
constexpr std::int32_t stream_window = 256 * 1024;
constexpr std::int32_t connection_window = 4 * 1024 * 1024;

Http2Session& of(void* user) { return *static_cast<Http2Session*>(user); }

const char* frame_name(std::uint8_t type) {
    static const char* names[] = {"DATA", "HEADERS", "PRIORITY", "RST_STREAM", "SETTINGS", "PUSH_PROMISE",
                                  "PING", "GOAWAY", "WINDOW_UPDATE", "CONTINUATION"};
    return type < std::size(names) ? names[type] : "unknown";
}

void trace(Http2Session& s, TraceLine::Kind kind, std::string text) {
    if (s.trace) s.trace(TraceLine{kind, std::move(text)});
}

std::string settings_text(const nghttp2_settings_entry* iv, std::size_t n) {
    std::string text;
    for (std::size_t i = 0; i < n; ++i)
        text += fmt::format("{}{}={}", i ? ", " : "", http2_setting_name(static_cast<std::uint16_t>(iv[i].settings_id)),
                            iv[i].value);
    return text;
}

// Each frame but the flow (DATA, WINDOW_UPDATE), as nghttp -v names them.
// The header fields are the handshake's, shown with it (print_trace).
void trace_frame(Http2Session& s, const nghttp2_frame* frame, bool sent) {
    if (!s.trace || frame->hd.type == NGHTTP2_DATA || frame->hd.type == NGHTTP2_WINDOW_UPDATE) return;
    auto kind = sent ? TraceLine::Kind::sent : TraceLine::Kind::received;
    std::string text = fmt::format("[HTTP/2] {} {} stream={}", sent ? "send" : "recv", frame_name(frame->hd.type),
                                   frame->hd.stream_id);
    switch (frame->hd.type) {
        case NGHTTP2_SETTINGS:
            if (frame->hd.flags & NGHTTP2_FLAG_ACK) text += " ACK";
            else if (frame->settings.niv) text += ": " + settings_text(frame->settings.iv, frame->settings.niv);
            break;
        case NGHTTP2_RST_STREAM: text += fmt::format(" {}", nghttp2_http2_strerror(frame->rst_stream.error_code)); break;
        case NGHTTP2_GOAWAY:
            text += fmt::format(" {} last_stream={}", nghttp2_http2_strerror(frame->goaway.error_code),
                                frame->goaway.last_stream_id);
            break;
        default: break;
    }
    bool carries_stream = frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA;
    if (carries_stream && (frame->hd.flags & NGHTTP2_FLAG_END_STREAM)) text += " END_STREAM";
    trace(s, kind, std::move(text));
}

int on_frame_send(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    trace_frame(of(user), frame, true);
    return 0;
}

int on_begin_headers(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    auto& s = of(user);
    if (auto it = s.streams.find(frame->hd.stream_id); it != s.streams.end()) it->second.fields.clear();
    return 0;
}

int on_header(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name, std::size_t namelen,
              const std::uint8_t* value, std::size_t valuelen, std::uint8_t, void* user) {
    auto& s = of(user);
    Header field{std::string(reinterpret_cast<const char*>(name), namelen),
                 std::string(reinterpret_cast<const char*>(value), valuelen)};
    if (auto it = s.streams.find(frame->hd.stream_id); it != s.streams.end())
        it->second.fields.push_back(std::move(field));
    return 0;
}

int on_frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    auto& s = of(user);
    if (s.abandoned) return 0;
    trace_frame(s, frame, false);
    if (frame->hd.type == NGHTTP2_SETTINGS && !(frame->hd.flags & NGHTTP2_FLAG_ACK)) {
        std::vector<Http2Setting> settings;
        for (std::size_t i = 0; i < frame->settings.niv; ++i) {
            auto id = static_cast<std::uint16_t>(frame->settings.iv[i].settings_id);
            settings.push_back({id, frame->settings.iv[i].value});
        }
        s.owner.on_settings(settings);
    } else if (frame->hd.type == NGHTTP2_HEADERS) {
        auto it = s.streams.find(frame->hd.stream_id);
        if (it != s.streams.end() && it->second.handlers.on_headers)
            it->second.handlers.on_headers(std::move(it->second.fields));
    } else if (frame->hd.type == NGHTTP2_GOAWAY && frame->goaway.error_code != NGHTTP2_NO_ERROR) {
        std::string debug(reinterpret_cast<const char*>(frame->goaway.opaque_data), frame->goaway.opaque_data_len);
        s.owner.on_session_over(fmt::format("GOAWAY {}{}", nghttp2_http2_strerror(frame->goaway.error_code),
                                            debug.empty() ? "" : " (" + debug + ")"));
    }
    return 0;
}

int on_data_chunk(nghttp2_session* session, std::uint8_t, std::int32_t id, const std::uint8_t* data, std::size_t len,
                  void* user) {
    auto& s = of(user);
    auto it = s.streams.find(id);
    if (s.abandoned) return 0;
    if (it == s.streams.end()) {  // a stream we gave up: its bytes still count against the connection's window
        nghttp2_session_consume_connection(session, len);
        return 0;
    }
    if (it->second.handlers.on_data)
        it->second.handlers.on_data(std::string_view(reinterpret_cast<const char*>(data), len));
    // The handler may have paused the stream, or ended it.
    it = s.streams.find(id);
    if (it != s.streams.end() && it->second.paused) it->second.unacked += len;
    else nghttp2_session_consume(session, id, len);
    return 0;
}

int on_stream_close(nghttp2_session* session, std::int32_t id, std::uint32_t error_code, void* user) {
    auto& s = of(user);
    auto it = s.streams.find(id);
    if (it == s.streams.end()) return 0;
    // What a paused stream held back is given back to the connection's window.
    if (it->second.unacked) nghttp2_session_consume_connection(session, it->second.unacked);
    auto handlers = std::move(it->second.handlers);
    s.streams.erase(it);
    if (!s.abandoned && handlers.on_closed) handlers.on_closed(error_code);
    return 0;
}

ssize_t read_body(nghttp2_session*, std::int32_t id, std::uint8_t* buf, std::size_t length, std::uint32_t* flags,
                        nghttp2_data_source*, void* user) {
    auto& s = of(user);
    auto it = s.streams.find(id);
    if (it == s.streams.end()) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    auto& st = it->second;
    std::size_t left = st.out.size() - st.out_pos;
    if (left == 0) {
        if (st.ending) {
            *flags |= NGHTTP2_DATA_FLAG_EOF;
            return 0;
        }
        st.deferred = true;
        return NGHTTP2_ERR_DEFERRED;
    }
    auto n = std::min(length, left);
    std::memcpy(buf, st.out.data() + st.out_pos, n);
    st.out_pos += n;
    if (st.out_pos == st.out.size()) {
        st.out.clear();
        st.out_pos = 0;
        if (st.ending) *flags |= NGHTTP2_DATA_FLAG_EOF;
    }
    st.owes_drained = true;
    return static_cast<ssize_t>(n);
}

}  // namespace

Http2Session::Http2Session(Owner& o, TraceHandler t) : owner(o), trace(std::move(t)) {}

Http2Session::~Http2Session() { end_session(); }

void Http2Session::end_session() {
    if (session_) nghttp2_session_del(session_);
    session_ = nullptr;
}

void Http2Session::start() {
    nghttp2_session_callbacks* cb = nullptr;
    nghttp2_session_callbacks_new(&cb);
    nghttp2_session_callbacks_set_on_frame_send_callback(cb, on_frame_send);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame_recv);
    nghttp2_session_callbacks_set_on_begin_headers_callback(cb, on_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data_chunk);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_stream_close);
    nghttp2_option* option = nullptr;
    nghttp2_option_new(&option);
    nghttp2_option_set_no_http_messaging(option, 1);  // the check lists judge the fields
    nghttp2_option_set_no_auto_window_update(option, 1);  // the window follows what the reader takes
    nghttp2_session_client_new2(&session_, cb, this, option);
    nghttp2_option_del(option);
    nghttp2_session_callbacks_del(cb);
    nghttp2_settings_entry settings[] = {{NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
                                         {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, stream_window}};
    nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, std::size(settings));
    nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0, connection_window);
}

std::string Http2Session::receive(std::string_view bytes) {
    if (!session_) return {};
    ++busy_;
    auto n = nghttp2_session_mem_recv(session_, reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    --busy_;
    if (abandoned) end_session();
    if (n < 0) return nghttp2_strerror(static_cast<int>(n));
    return {};
}

void Http2Session::take_output(std::string& out) {
    out.clear();
    if (!session_ || abandoned) return;
    ++busy_;
    for (;;) {
        const std::uint8_t* data = nullptr;
        auto n = nghttp2_session_mem_send(session_, &data);
        if (n <= 0) break;
        out.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
    }
    --busy_;
    if (abandoned) end_session();
}

void Http2Session::written() {
    std::vector<std::int32_t> drained;
    for (auto& [id, st] : streams)
        if (st.owes_drained && st.out_pos == st.out.size()) {
            st.owes_drained = false;
            drained.push_back(id);
        }
    for (auto id : drained)  // a handler may end or open streams
        if (auto it = streams.find(id); !abandoned && it != streams.end() && it->second.handlers.on_drained)
            it->second.handlers.on_drained();
}

bool Http2Session::wants_io() const {
    return session_ && (nghttp2_session_want_read(session_) || nghttp2_session_want_write(session_));
}

void Http2Session::abandon() {
    abandoned = true;
    streams.clear();
    if (!busy_) end_session();
}

void Http2Session::go_away() {
    if (session_) nghttp2_session_terminate_session(session_, NGHTTP2_NO_ERROR);
    owner.output_ready();
}

std::int32_t Http2Session::open_stream(const std::vector<Header>& fields, Http2Connection::StreamHandlers handlers) {
    if (!session_ || abandoned) return 0;
    std::vector<nghttp2_nv> nva;
    for (const auto& f : fields)
        nva.push_back({reinterpret_cast<std::uint8_t*>(const_cast<char*>(f.name.data())),
                       reinterpret_cast<std::uint8_t*>(const_cast<char*>(f.value.data())), f.name.size(),
                       f.value.size(), NGHTTP2_NV_FLAG_NONE});
    nghttp2_data_provider body{};
    body.read_callback = read_body;
    auto id = nghttp2_submit_request(session_, nullptr, nva.data(), nva.size(), &body, nullptr);
    if (id < 0) return 0;
    streams[id].handlers = std::move(handlers);
    owner.output_ready();
    return id;
}

void Http2Session::write(std::int32_t id, std::string bytes) {
    auto it = streams.find(id);
    if (it == streams.end() || bytes.empty()) return;
    auto& st = it->second;
    if (st.out.empty()) st.out = std::move(bytes);  // the usual case: no copy
    else st.out += bytes;
    resume(id, st);
}

void Http2Session::resume(std::int32_t id, Stream& st) {
    if (st.deferred) {
        st.deferred = false;
        nghttp2_session_resume_data(session_, id);
    }
    owner.output_ready();
}

std::size_t Http2Session::unsent(std::int32_t id) const {
    auto it = streams.find(id);
    return it == streams.end() ? 0 : it->second.out.size() - it->second.out_pos;
}

void Http2Session::end_stream(std::int32_t id) {
    auto it = streams.find(id);
    if (it == streams.end()) return;
    it->second.ending = true;
    resume(id, it->second);
}

void Http2Session::reset_stream(std::int32_t id, std::uint32_t error_code) {
    if (!session_ || !streams.count(id)) return;
    nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, id, error_code);
    owner.output_ready();
}

void Http2Session::pause_stream(std::int32_t id) {
    if (auto it = streams.find(id); it != streams.end()) it->second.paused = true;
}

void Http2Session::resume_stream(std::int32_t id) {
    auto it = streams.find(id);
    if (it == streams.end() || !it->second.paused) return;
    it->second.paused = false;
    if (it->second.unacked) nghttp2_session_consume(session_, id, it->second.unacked);
    it->second.unacked = 0;
    owner.output_ready();  // the WINDOW_UPDATE
}

}  // namespace wskit::detail
