// The websocketpp hooks that no end-to-end test can reach (see
// lib/src/net/wspp/README.md), and the hand-off helper that makes the
// construction-order hooks fail loudly.
#include "support.hpp"

#include <websocketpp/http/request.hpp>
#include <websocketpp/http/response.hpp>

#include "net/wspp/handoff.hpp"
#include "net/wspp/http.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <functional>
#include <string>

using wskit::detail::Handoff;
using wskit::detail::PinnedRequest;

namespace {

struct Aborted {
    bool by_abort = false;
    std::string stderr_text;
};

// Runs f in a child process (an abort must not end the test run) and tells
// whether it ended with SIGABRT, and what it wrote to stderr.
Aborted run_in_child(const std::function<void()>& f) {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        std::signal(SIGABRT, SIG_DFL);  // Catch2's handler would report the abort as this test's failure
        dup2(fds[1], STDERR_FILENO);
        close(fds[0]);
        close(fds[1]);
        f();
        _exit(0);
    }
    close(fds[1]);
    Aborted out;
    char buf[512];
    for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) out.stderr_text.append(buf, static_cast<size_t>(n));
    close(fds[0]);
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    out.by_abort = WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
    return out;
}

}  // namespace

TEST_CASE("Handoff: what is given is taken once", "[wspp]") {
    Handoff<int> h("a test value");
    int value = 1;
    h.give(&value);
    CHECK(&h.take() == &value);
    int next = 2;
    h.give(&next);  // the slot is free again
    CHECK(&h.take() == &next);
}

TEST_CASE("Handoff: a value withdrawn by its destructor leaves nothing behind", "[wspp]") {
    Handoff<int> h("a test value");
    int value = 1, other = 2;
    h.give(&value);
    h.withdraw(&other);  // not the one pending: stays
    h.withdraw(&value);
    h.give(&other);  // no abort: nothing was pending
    CHECK(&h.take() == &other);
}

TEST_CASE("Handoff: taking with nothing handed over aborts with a message", "[wspp]") {
    auto r = run_in_child([] {
        Handoff<int> h("a test value");
        h.take();
    });
    CHECK(r.by_abort);
    CHECK(r.stderr_text.rfind("wskit: internal error: a test value: nothing was handed over", 0) == 0);
    CHECK(r.stderr_text.find("lib/src/net/wspp/README.md") != std::string::npos);
}

TEST_CASE("Handoff: a hand-off left untaken aborts at the next one", "[wspp]") {
    auto r = run_in_child([] {
        Handoff<int> h("a test value");
        int a = 1, b = 2;
        h.give(&a);
        h.give(&b);
    });
    CHECK(r.by_abort);
    CHECK(r.stderr_text.find("a test value: the previous one was never taken") != std::string::npos);
}

// Hooks 2 to 4: websocketpp's processor writes its own headers into the
// request just before sending it (replace_header, append_header), and
// removes User-Agent when it has none (remove_header). Once wskit's request
// is pinned, none of that may change it: neither what goes out (raw()) nor
// the map websocketpp reads the key back from to check the server's answer.
TEST_CASE("PinnedRequest: websocketpp's own writes change nothing once the request is pinned", "[wspp]") {
    wskit::HttpRequest built;
    built.method = "GET";
    built.resource = "/chat";
    built.version = "HTTP/1.1";
    built.headers = {{"Host", "example.test"}, {"Connection", "Upgrade"}, {"Sec-WebSocket-Key", "ours=="},
                     {"Cookie", "a=1"}, {"Cookie", "b=2"}};
    PinnedRequest req;
    req.pin(built);
    const std::string sent = req.raw();
    CHECK(sent == "GET /chat HTTP/1.1\r\nHost: example.test\r\nConnection: Upgrade\r\n"
                  "Sec-WebSocket-Key: ours==\r\nCookie: a=1\r\nCookie: b=2\r\n\r\n");
    req.replace_header("Host", "from-the-url");
    req.replace_header("Sec-WebSocket-Key", "websocketpps==");
    req.append_header("Connection", "Upgrade");
    req.remove_header("Cookie");
    CHECK(req.raw() == sent);
    CHECK(req.get_header("Sec-WebSocket-Key") == "ours==");
    CHECK(req.get_header("Connection") == "Upgrade");
    CHECK(req.get_header("Host") == "example.test");
}
