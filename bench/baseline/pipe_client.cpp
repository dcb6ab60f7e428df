// A minimal websocketpp pipe client: sends every stdin line as a text message,
// prints every echo on stdout, and closes at the end of stdin once as many
// echoes have arrived as lines were sent. One thread, stub loggers, a 64 KiB
// read buffer, xorshift masking keys.
//
// Usage: pipe_client ws://HOST:PORT/

#include "config.hpp"

#include <websocketpp/client.hpp>

#include <asio/posix/stream_descriptor.hpp>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <unistd.h>

using Client = websocketpp::client<bench::ClientConfig>;

namespace {

class PipeClient {
public:
    explicit PipeClient(Client& client) : client_(client), input_(client.get_io_service()) {
        std::setvbuf(stdout, nullptr, _IOFBF, 1 << 20);
        // A pipe can be watched by the event loop; a regular file cannot, and
        // is read with plain read() calls between event loop turns.
        try {
            input_.assign(STDIN_FILENO);
        } catch (std::exception const&) {
            blocking_ = true;
        }
    }

    void on_open(websocketpp::connection_hdl hdl) {
        con_ = client_.get_con_from_hdl(hdl);
        read_input();
    }

    void on_message(websocketpp::connection_hdl, Client::message_ptr msg) {
        std::string const& p = msg->get_payload();
        std::fwrite(p.data(), 1, p.size(), stdout);
        std::fputc('\n', stdout);
        ++received_;
        if (paused_ && sent_ - received_ < kMaxInFlight / 2) {
            paused_ = false;
            read_input();
        }
        maybe_close();
    }

    std::size_t sent() const { return sent_; }
    std::size_t received() const { return received_; }

private:
    static constexpr std::size_t kMaxInFlight = 1 << 16;

    void read_input() {
        if (blocking_) {
            client_.get_io_service().post([this] {
                ssize_t n;
                do n = ::read(STDIN_FILENO, buf_, sizeof buf_);
                while (n < 0 && errno == EINTR);
                on_input(n > 0 ? static_cast<std::size_t>(n) : 0, n == 0 || n < 0);
            });
            return;
        }
        input_.async_read_some(asio::buffer(buf_), [this](asio::error_code const& ec, std::size_t n) {
            on_input(n, static_cast<bool>(ec));
        });
    }

    void on_input(std::size_t n, bool eof) {
        const char* p = buf_;
        const char* end = buf_ + n;
        while (p < end) {
            const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
            if (!nl) {
                line_.append(p, end);
                break;
            }
            if (line_.empty()) {
                send(std::string(p, nl));
            } else {
                line_.append(p, nl);
                send(line_);
                line_.clear();
            }
            p = nl + 1;
        }
        if (eof) {
            if (!line_.empty()) send(line_);
            eof_ = true;
            maybe_close();
            return;
        }
        if (sent_ - received_ >= kMaxInFlight) {
            paused_ = true;
            return;
        }
        read_input();
    }

    void send(std::string const& line) {
        auto ec = con_->send(line, websocketpp::frame::opcode::text);
        if (ec) {
            std::fprintf(stderr, "send: %s\n", ec.message().c_str());
            return;
        }
        ++sent_;
    }

    void maybe_close() {
        if (eof_ && !closing_ && received_ == sent_) {
            closing_ = true;
            std::error_code ec;
            con_->close(websocketpp::close::status::normal, "", ec);
        }
    }

    Client& client_;
    Client::connection_ptr con_;
    asio::posix::stream_descriptor input_;
    bool blocking_ = false;
    char buf_[65536];
    std::string line_;
    std::size_t sent_ = 0;
    std::size_t received_ = 0;
    bool eof_ = false;
    bool paused_ = false;
    bool closing_ = false;
};

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s ws://HOST:PORT/\n", argv[0]);
        return 2;
    }
    std::signal(SIGPIPE, SIG_IGN);

    Client client;
    client.clear_access_channels(websocketpp::log::alevel::all);
    client.clear_error_channels(websocketpp::log::elevel::all);
    client.init_asio();

    PipeClient pipe(client);
    int result = 1;
    client.set_open_handler([&](websocketpp::connection_hdl hdl) { pipe.on_open(hdl); });
    client.set_message_handler(
        [&](websocketpp::connection_hdl hdl, Client::message_ptr msg) { pipe.on_message(hdl, msg); });
    client.set_close_handler([&](websocketpp::connection_hdl) { result = 0; });
    client.set_fail_handler([&](websocketpp::connection_hdl hdl) {
        auto con = client.get_con_from_hdl(hdl);
        std::fprintf(stderr, "connection failed: %s\n", con->get_ec().message().c_str());
    });

    std::error_code ec;
    auto con = client.get_connection(argv[1], ec);
    if (ec) {
        std::fprintf(stderr, "%s: %s\n", argv[1], ec.message().c_str());
        return 2;
    }
    client.connect(con);
    client.run();
    std::fflush(stdout);
    if (pipe.received() != pipe.sent()) {
        std::fprintf(stderr, "sent %zu messages, received %zu echoes\n", pipe.sent(), pipe.received());
        return 1;
    }
    return result;
}
