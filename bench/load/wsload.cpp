// wsload: a small WebSocket load generator for the benchmarks, written on
// plain Asio so that it costs the measured server as little CPU as possible.
// Client frames are masked with keys from a seeded xorshift generator and
// built once: every send is a gather write of prepared frames.
//
//   wsload flood    URL [-c CONNS] [-w INFLIGHT] [-s SIZE] [-d SECS] [--warmup SECS] [-t THREADS] [--binary]
//   wsload pingpong URL [-s SIZE] [-d SECS] [--warmup SECS] [--binary]      (= flood -c 1 -w 1)
//   wsload idle     URL [-n CONNS] [--parallel N] [--hold SECS]
//   --deflate (any mode) offers permessage-deflate; wsload itself sends uncompressed messages (allowed
//   on a compressed connection) and counts compressed replies like any other.
//
// flood/pingpong print one line: "echoes/s=... MB/s=... echoes=... secs=... total=... open=... errors=..."
// (rates over the measured window after the warm-up; MB/s counts echoed payload bytes, 10^6 bytes;
// total counts every echo of the run). idle opens CONNS connections, prints "open N" on stdout once all
// are open and holds them until SIGINT/SIGTERM, the end of stdin, or --hold seconds.

#include <asio.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

namespace {

using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

struct Options {
    std::string mode;
    std::string host = "127.0.0.1";
    std::string port = "80";
    std::string path = "/";
    int conns = 100;
    int inflight = 64;
    std::size_t size = 32;
    double secs = 3;
    double warmup = 0.5;
    int threads = 1;
    bool binary = false;
    int parallel = 200;
    double hold = 0;
    bool deflate = false;  // offer permessage-deflate (replies may then come compressed; they are counted alike)
};

[[noreturn]] void usage(const char* msg) {
    std::fprintf(stderr, "wsload: %s\n", msg);
    std::fprintf(stderr,
                 "usage: wsload flood|pingpong|idle ws://HOST:PORT/PATH [-c CONNS] [-w INFLIGHT] [-s SIZE]\n"
                 "              [-d SECS] [--warmup SECS] [-t THREADS] [--binary] [-n CONNS] [--parallel N]\n"
                 "              [--hold SECS] [--deflate]\n");
    std::exit(2);
}

std::uint64_t xorshift(std::uint64_t& s) {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
}

// A few prepared client frames with different masking keys, shared read-only
// by the connections of one thread.
struct FramePool {
    FramePool(std::size_t size, bool binary, std::uint64_t seed, bool jsonish = false) {
        std::string payload(size, 'x');
        for (std::size_t i = 0; i < size; ++i) payload[i] = static_cast<char>('a' + i % 26);
        // With --deflate, JSON-like records with varying numbers: the alphabet
        // above would compress unrealistically well.
        if (jsonish) {
            payload.clear();
            std::uint64_t s = seed | 1;
            while (payload.size() < size)
                payload += "{\"id\":" + std::to_string(xorshift(s) % 100000) + ",\"user\":\"user" +
                           std::to_string(xorshift(s) % 1000) + "\",\"score\":0." + std::to_string(xorshift(s) % 1000) +
                           ",\"tags\":[\"alpha\",\"beta\"],\"active\":true},";
            payload.resize(size);
        }
        for (int k = 0; k < 16; ++k) {
            std::string f;
            f.push_back(static_cast<char>(0x80 | (binary ? 0x2 : 0x1)));
            if (size < 126) {
                f.push_back(static_cast<char>(0x80 | size));
            } else if (size < 65536) {
                f.push_back(static_cast<char>(0x80 | 126));
                f.push_back(static_cast<char>(size >> 8));
                f.push_back(static_cast<char>(size & 0xff));
            } else {
                f.push_back(static_cast<char>(0x80 | 127));
                for (int b = 7; b >= 0; --b) f.push_back(static_cast<char>((static_cast<std::uint64_t>(size) >> (8 * b)) & 0xff));
            }
            std::uint32_t key = static_cast<std::uint32_t>(xorshift(seed) >> 16);
            unsigned char mask[4];
            std::memcpy(mask, &key, 4);
            f.append(reinterpret_cast<const char*>(mask), 4);
            for (std::size_t i = 0; i < size; ++i) f.push_back(static_cast<char>(payload[i] ^ mask[i % 4]));
            frames.push_back(std::move(f));
        }
    }
    std::vector<std::string> frames;
};

std::string handshake_request(const Options& o, std::uint64_t& seed) {
    static const char* b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    // A 16-byte key in base64: 21 free characters, then one whose low bits are 0, then "==".
    std::string key;
    for (int i = 0; i < 21; ++i) key.push_back(b64[xorshift(seed) % 64]);
    key.push_back(b64[(xorshift(seed) % 4) * 16]);
    key += "==";
    return "GET " + o.path + " HTTP/1.1\r\nHost: " + o.host + ":" + o.port +
           "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key +
           "\r\nSec-WebSocket-Version: 13\r\nUser-Agent: wsload\r\n" +
           (o.deflate ? "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n" : "") + "\r\n";
}

struct Counters {
    std::atomic<std::uint64_t> echoes{0};
    std::atomic<std::uint64_t> bytes{0};
    std::atomic<std::uint64_t> errors{0};
    std::atomic<int> open{0};
    std::atomic<int> failed{0};
};

class Connection : public std::enable_shared_from_this<Connection> {
public:
    Connection(asio::io_context& io, const Options& o, const FramePool* pool, Counters& c, std::uint64_t seed)
        : socket_(io), opt_(o), pool_(pool), counters_(c), seed_(seed), rbuf_(256 * 1024) {}

    void start(const tcp::resolver::results_type& addrs, std::function<void(bool)> on_open) {
        on_open_ = std::move(on_open);
        auto self = shared_from_this();
        asio::async_connect(socket_, addrs, [self](const asio::error_code& ec, const tcp::endpoint&) {
            if (ec) return self->fail("connect", ec);
            self->request_ = handshake_request(self->opt_, self->seed_);
            asio::async_write(self->socket_, asio::buffer(self->request_),
                              [self](const asio::error_code& ec2, std::size_t) {
                                  if (ec2) return self->fail("handshake write", ec2);
                                  self->read_response();
                              });
        });
    }

    void stop() { stopping_ = true; }
    void close() {
        asio::error_code ec;
        socket_.close(ec);
    }

private:
    void fail(const char* what, const asio::error_code& ec) {
        if (!open_) {
            counters_.failed++;
            if (counters_.failed == 1) std::fprintf(stderr, "wsload: %s: %s\n", what, ec.message().c_str());
            if (on_open_) on_open_(false);
            on_open_ = nullptr;
        } else if (!stopping_) {
            counters_.errors++;
        }
    }

    void read_response() {
        auto self = shared_from_this();
        socket_.async_read_some(asio::buffer(rbuf_.data() + rend_, rbuf_.size() - rend_),
                                [self](const asio::error_code& ec, std::size_t n) {
                                    if (ec) return self->fail("handshake read", ec);
                                    self->rend_ += n;
                                    self->on_response();
                                });
    }

    void on_response() {
        std::string_view data(rbuf_.data(), rend_);
        auto end = data.find("\r\n\r\n");
        if (end == std::string_view::npos) {
            if (rend_ == rbuf_.size()) return fail("handshake", asio::error::message_size);
            return read_response();
        }
        if (data.substr(0, 12) != "HTTP/1.1 101") {
            return fail("handshake", asio::error::connection_refused);
        }
        open_ = true;
        counters_.open++;
        rpos_ = end + 4;
        if (on_open_) on_open_(true);
        on_open_ = nullptr;
        if (pool_) {
            to_send_ = static_cast<std::size_t>(opt_.inflight);
            flush();
        }
        parse();
    }

    void read() {
        if (rpos_ == rend_) {
            rpos_ = rend_ = 0;
        } else if (rbuf_.size() - rend_ < 16 * 1024) {
            std::memmove(rbuf_.data(), rbuf_.data() + rpos_, rend_ - rpos_);
            rend_ -= rpos_;
            rpos_ = 0;
        }
        auto self = shared_from_this();
        socket_.async_read_some(asio::buffer(rbuf_.data() + rend_, rbuf_.size() - rend_),
                                [self](const asio::error_code& ec, std::size_t n) {
                                    if (ec) return self->fail("read", ec);
                                    self->rend_ += n;
                                    self->parse();
                                });
    }

    // Counts complete server frames; payloads are skipped, not kept.
    void parse() {
        std::uint64_t echoes = 0;
        std::uint64_t bytes = 0;
        for (;;) {
            if (skip_ > 0) {
                std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(skip_, rend_ - rpos_));
                rpos_ += n;
                skip_ -= n;
                if (skip_ > 0) break;
                if (finish_frame()) {
                    ++echoes;
                    bytes += frame_len_;
                }
                continue;
            }
            std::size_t avail = rend_ - rpos_;
            if (avail < 2) break;
            auto* p = reinterpret_cast<const unsigned char*>(rbuf_.data() + rpos_);
            std::size_t hdr = 2;
            std::uint64_t len = p[1] & 0x7f;
            if (len == 126) hdr = 4;
            if (len == 127) hdr = 10;
            if (p[1] & 0x80) hdr += 4;  // a masked server frame: wrong, but skip it correctly
            if (avail < hdr) break;
            if (len == 126) len = (std::uint64_t{p[2]} << 8) | p[3];
            if (len == 127) {
                len = 0;
                for (int i = 0; i < 8; ++i) len = (len << 8) | p[2 + i];
            }
            opcode_ = p[0] & 0x0f;
            fin_ = (p[0] & 0x80) != 0;
            compressed_ = (p[0] & 0x40) != 0;  // RSV1: a compressed reply is shorter than what was sent
            frame_len_ = len;
            rpos_ += hdr;
            skip_ = len;
            if (skip_ == 0 && finish_frame()) {
                ++echoes;
                bytes += frame_len_;
            }
        }
        if (echoes) {
            counters_.echoes.fetch_add(echoes, std::memory_order_relaxed);
            counters_.bytes.fetch_add(bytes, std::memory_order_relaxed);
            if (pool_ && !stopping_) {
                to_send_ += echoes;
                flush();
            }
        }
        if (opcode_ == 0x8 && skip_ == 0) return;  // the server closed
        read();
    }

    // True for the end of a data message.
    bool finish_frame() {
        if (opcode_ == 0x8) return false;
        if (opcode_ >= 0x8) return false;  // ping/pong: ignored
        if (!fin_) return false;
        if (pool_ && frame_len_ != opt_.size && !compressed_) counters_.errors++;
        return true;
    }

    void flush() {
        if (writing_ || to_send_ == 0) return;
        writing_ = true;
        bufs_.clear();
        for (std::size_t i = 0; i < to_send_; ++i) {
            auto& f = pool_->frames[next_frame_++ % pool_->frames.size()];
            bufs_.emplace_back(f.data(), f.size());
        }
        to_send_ = 0;
        auto self = shared_from_this();
        asio::async_write(socket_, bufs_, [self](const asio::error_code& ec, std::size_t) {
            self->writing_ = false;
            if (ec) return self->fail("write", ec);
            if (!self->stopping_) self->flush();
        });
    }

    tcp::socket socket_;
    const Options& opt_;
    const FramePool* pool_;
    Counters& counters_;
    std::uint64_t seed_;
    std::function<void(bool)> on_open_;
    std::string request_;
    std::vector<char> rbuf_;
    std::size_t rpos_ = 0;
    std::size_t rend_ = 0;
    std::uint64_t skip_ = 0;
    std::uint64_t frame_len_ = 0;
    unsigned opcode_ = 0;
    bool fin_ = true;
    bool compressed_ = false;
    bool open_ = false;
    bool stopping_ = false;
    bool writing_ = false;
    std::size_t to_send_ = 0;
    std::size_t next_frame_ = 0;
    std::vector<asio::const_buffer> bufs_;
};

void parse_url(const std::string& url, Options& o) {
    std::string rest = url;
    if (rest.rfind("ws://", 0) == 0) rest = rest.substr(5);
    else usage("only ws:// URLs are supported");
    auto slash = rest.find('/');
    std::string authority = rest.substr(0, slash);
    o.path = slash == std::string::npos ? "/" : rest.substr(slash);
    auto colon = authority.rfind(':');
    if (colon == std::string::npos) {
        o.host = authority;
    } else {
        o.host = authority.substr(0, colon);
        o.port = authority.substr(colon + 1);
    }
}

Options parse_args(int argc, char** argv) {
    if (argc < 3) usage("missing mode or URL");
    Options o;
    o.mode = argv[1];
    bool have_url = false;
    for (int i = 2; i < argc; ++i) {
        std::string a = argv[i];
        if (a.empty() || a[0] != '-') {
            if (have_url) usage("more than one URL");
            parse_url(a, o);
            have_url = true;
            continue;
        }
        auto value = [&]() -> const char* {
            if (i + 1 >= argc) usage(("missing value for " + a).c_str());
            return argv[++i];
        };
        if (a == "-c") o.conns = std::atoi(value());
        else if (a == "-w") o.inflight = std::atoi(value());
        else if (a == "-s") o.size = std::strtoull(value(), nullptr, 10);
        else if (a == "-d") o.secs = std::atof(value());
        else if (a == "--warmup") o.warmup = std::atof(value());
        else if (a == "-t") o.threads = std::max(1, std::atoi(value()));
        else if (a == "--binary") o.binary = true;
        else if (a == "-n") o.conns = std::atoi(value());
        else if (a == "--parallel") o.parallel = std::max(1, std::atoi(value()));
        else if (a == "--hold") o.hold = std::atof(value());
        else if (a == "--deflate") o.deflate = true;
        else usage(("unknown option " + a).c_str());
    }
    if (!have_url) usage("missing URL");
    if (o.mode == "pingpong") {
        o.conns = 1;
        o.inflight = 1;
    } else if (o.mode != "flood" && o.mode != "idle") {
        usage("mode must be flood, pingpong or idle");
    }
    return o;
}

struct Worker {
    asio::io_context io{1};
    std::unique_ptr<FramePool> pool;
    std::vector<std::shared_ptr<Connection>> conns;
};

int run_flood(const Options& o, const tcp::resolver::results_type& addrs) {
    Counters counters;
    std::vector<std::unique_ptr<Worker>> workers;
    for (int t = 0; t < o.threads; ++t) {
        workers.push_back(std::make_unique<Worker>());
        workers.back()->pool = std::make_unique<FramePool>(o.size, o.binary, 0x9E3779B97F4A7C15ull * (t + 1), o.deflate);
    }
    std::atomic<int> settled{0};
    for (int i = 0; i < o.conns; ++i) {
        auto& w = *workers[static_cast<std::size_t>(i % o.threads)];
        auto c = std::make_shared<Connection>(w.io, o, w.pool.get(), counters,
                                              0x2545F4914F6CDD1Dull ^ (static_cast<std::uint64_t>(i) * 7919 + 1));
        w.conns.push_back(c);
        c->start(addrs, [&settled](bool) { settled++; });
    }
    std::vector<std::thread> threads;
    for (auto& w : workers) threads.emplace_back([&w] { w->io.run(); });

    auto deadline = Clock::now() + std::chrono::seconds(10);
    while (settled < o.conns && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    int failed = counters.failed;
    if (settled < o.conns || failed > 0) {
        std::fprintf(stderr, "wsload: %d of %d connections failed or timed out\n", o.conns - counters.open, o.conns);
    }

    std::this_thread::sleep_for(std::chrono::duration<double>(o.warmup));
    auto e0 = counters.echoes.load();
    auto b0 = counters.bytes.load();
    auto t0 = Clock::now();
    std::this_thread::sleep_for(std::chrono::duration<double>(o.secs));
    auto e1 = counters.echoes.load();
    auto b1 = counters.bytes.load();
    double secs = std::chrono::duration<double>(Clock::now() - t0).count();

    for (auto& w : workers) {
        asio::post(w->io, [&w] {
            for (auto& c : w->conns) {
                c->stop();
                c->close();
            }
        });
    }
    for (auto& t : threads) t.join();

    double rate = static_cast<double>(e1 - e0) / secs;
    std::printf("echoes/s=%.0f MB/s=%.2f echoes=%llu secs=%.3f total=%llu open=%d errors=%llu\n", rate,
                static_cast<double>(b1 - b0) / secs / 1e6, static_cast<unsigned long long>(e1 - e0), secs,
                static_cast<unsigned long long>(counters.echoes.load()), counters.open.load(),
                static_cast<unsigned long long>(counters.errors.load()));
    return counters.open == o.conns ? 0 : 1;
}

int run_idle(const Options& o, const tcp::resolver::results_type& addrs) {
    Counters counters;
    Worker w;
    int started = 0;
    int settled = 0;
    std::function<void()> start_more;
    start_more = [&] {
        while (started < o.conns && started - settled < o.parallel) {
            auto c = std::make_shared<Connection>(w.io, o, nullptr, counters,
                                                  0x2545F4914F6CDD1Dull ^ (static_cast<std::uint64_t>(started) * 7919 + 1));
            w.conns.push_back(c);
            ++started;
            c->start(addrs, [&](bool) {
                ++settled;
                if (settled == o.conns) {
                    std::printf("open %d\n", counters.open.load());
                    std::fflush(stdout);
                    if (counters.failed > 0) std::fprintf(stderr, "wsload: %d connections failed\n", counters.failed.load());
                }
                start_more();
            });
        }
    };
    asio::post(w.io, start_more);

    auto stop = [&] {
        for (auto& c : w.conns) {
            c->stop();
            c->close();
        }
        w.io.stop();
    };
    asio::signal_set signals(w.io, SIGINT, SIGTERM);
    signals.async_wait([&](const asio::error_code& ec, int) {
        if (!ec) stop();
    });
    asio::steady_timer timer(w.io);
    if (o.hold > 0) {
        timer.expires_after(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.hold)));
        timer.async_wait([&](const asio::error_code& ec) {
            if (!ec) stop();
        });
    }
    // The end of stdin also ends the run when stdin is a pipe or a terminal.
    asio::posix::stream_descriptor in(w.io);
    char byte[64];
    std::function<void()> watch_stdin;
    struct stat st {};
    if (::fstat(0, &st) == 0 && (S_ISFIFO(st.st_mode) || ::isatty(0))) {
        in.assign(::dup(0));
        watch_stdin = [&] {
            in.async_read_some(asio::buffer(byte), [&](const asio::error_code& ec, std::size_t) {
                if (ec) stop();
                else watch_stdin();
            });
        };
        watch_stdin();
    }
    w.io.run();
    return counters.open == o.conns ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    std::signal(SIGPIPE, SIG_IGN);
    Options o = parse_args(argc, argv);
    asio::io_context io;
    tcp::resolver resolver(io);
    asio::error_code ec;
    auto addrs = resolver.resolve(o.host, o.port, ec);
    if (ec) {
        std::fprintf(stderr, "wsload: %s:%s: %s\n", o.host.c_str(), o.port.c_str(), ec.message().c_str());
        return 2;
    }
    return o.mode == "idle" ? run_idle(o, addrs) : run_flood(o, addrs);
}
