// Handoff: a pointer passed, through a thread-local slot, from a constructor
// that websocketpp runs to the code that needs the object right after.
// websocketpp constructs a connection's parts itself (its message manager in
// the connection's constructor) and gives no way to pass them anything or to
// reach them; one io thread per endpoint, so the constructor and the taker
// run on the same thread, one right after the other (see hooks 8, 12 and 15
// in net/wspp/README.md).
// Part of the websocketpp layer, but plain C++: unit-tested on its own.
#pragma once

#include <wskit/diagnostics.hpp>

#include <string>

namespace wskit::detail {

// A hand-off found empty when it is taken, or still full when the next one
// is given, means websocketpp no longer constructs things in the order the
// hook relies on: the value would be lost, or taken by the wrong connection.
// That is a programming error, caught in release builds too.
[[noreturn]] inline void handoff_broken(const char* name, const char* problem) {
    internal_error(std::string(name) + ": " + problem +
                   "; websocketpp no longer constructs its objects in the order wskit's hooks rely on (see "
                   "lib/src/net/wspp/README.md)");
}

template <class T>
class Handoff {
public:
    explicit Handoff(const char* name) : name_(name) {}
    Handoff(const Handoff&) = delete;
    Handoff& operator=(const Handoff&) = delete;

    // The calling thread's hand-off of T (websocketpp constructs, and the
    // taker takes, on the endpoint's one thread); `name` says what it carries
    // when it breaks.
    static Handoff& on_this_thread(const char* name) {
        static thread_local Handoff slot(name);
        return slot;
    }

    // From the constructor websocketpp runs.
    void give(T* value) {
        if (value_) handoff_broken(name_, "the previous one was never taken");
        value_ = value;
    }
    // Right after websocketpp has constructed it.
    T& take() {
        if (!value_) handoff_broken(name_, "nothing was handed over");
        T* value = value_;
        value_ = nullptr;
        return *value;
    }
    // From the destructor: websocketpp may destroy what it constructed
    // before anyone takes it (a connection whose transport failed to set
    // up), which leaves nothing to take and no pointer dangling.
    void withdraw(const T* value) {
        if (value_ == value) value_ = nullptr;
    }

private:
    const char* name_;
    T* value_ = nullptr;
};

}  // namespace wskit::detail
