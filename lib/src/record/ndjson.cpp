// --record FILE.ndjson (any name but *.har): the events in --json's schema,
// one line each, written as they happen.
#include "record/recorder.hpp"

#include <wskit/diagnostics.hpp>
#include <wskit/encoding.hpp>
#include <wskit/error.hpp>
#include <wskit/printer.hpp>
#include <wskit/secrets.hpp>
#include <wskit/version.hpp>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace wskit::detail {
namespace {

const char* role_name(RecordRole role) {
    switch (role) {
        case RecordRole::client: return "client";
        case RecordRole::server: return "server";
        case RecordRole::proxy: return "proxy";
    }
    return "client";
}

class NdjsonRecorder final : public Recorder {
public:
    explicit NdjsonRecorder(const RecordOptions& o) : options_(o) {
        fd_ = ::open(o.path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd_ >= 0) ::fchmod(fd_, 0600);  // an older file keeps its mode otherwise
        if (fd_ < 0)
            throw Error(ExitCode::runtime,
                        fmt::format("--record: cannot write {}: {}", escape_controls(o.path), std::strerror(errno)));
        nlohmann::ordered_json first;
        first["event"] = "record";
        first["ts"] = format_iso_time(std::chrono::system_clock::now());
        first["conn"] = 0;
        first["role"] = role_name(o.role);
        first["wskit"] = version();
        first["secrets"] = o.secrets ? "kept" : "masked";
        write_line(first.dump());
    }
    ~NdjsonRecorder() override {
        if (fd_ >= 0) ::close(fd_);
    }

    void opened(const Event& e, const RecordedHandshake& handshake) override {
        auto hs = masked(handshake, options_.secrets);
        auto j = nlohmann::ordered_json::parse(event_to_json(e));
        if (!options_.secrets) j["url"] = hs.url;
        j["request"] = {{"method", hs.request.method},
                        {"target", hs.request.resource},
                        {"headers", header_list(hs.request.headers)}};
        j["response"] = {{"status", hs.response.status},
                         {"reason", hs.response.reason},
                         {"headers", header_list(hs.response.headers)}};
        write_line(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }

    void record(const Event& e) override {
        if (is_flow_event(e.type) || e.type == EventType::listening) return;
        // A URL in a reconnect, a redirect's info or an error names its token.
        if (options_.secrets || e.text.empty()) return write_line(event_to_json(e));
        Event masked_event = e;
        masked_event.text = mask_query_secrets(e.text);
        write_line(event_to_json(masked_event));
    }

    void finish() override {}

private:
    // One write per line: a process killed between two leaves whole lines.
    void write_line(std::string line) {
        if (fd_ < 0) return;
        line += '\n';
        std::size_t done = 0;
        while (done < line.size()) {
            auto n = ::write(fd_, line.data() + done, line.size() - done);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                diagnose(DiagnosticKind::warning, fmt::format("--record: writing {} failed: {}; recording stopped",
                                                              escape_controls(options_.path), std::strerror(errno)));
                ::close(fd_);
                fd_ = -1;
                return;
            }
            done += static_cast<std::size_t>(n);
        }
    }

    RecordOptions options_;
    int fd_ = -1;
};

}  // namespace

std::unique_ptr<Recorder> make_ndjson_recorder(const RecordOptions& options) {
    return std::make_unique<NdjsonRecorder>(options);
}

}  // namespace wskit::detail
