#include "base/phase.hpp"

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>

#include "base/log.hpp"

#ifdef RONG_FAULT_INJECTION
#include <cstdlib>
#include <cstring>
#endif

namespace rong::phase {

namespace {

bool g_trace = false;
struct timespec g_last {};

#ifdef RONG_FAULT_INJECTION
// A crash, not an exit: no destructor or guard runs. The init of a new pid namespace is immune to
// its own SIGKILL, hence the _exit after it.
[[noreturn]] void crash(const char* name) {
    char line[128];
    int n = std::snprintf(line, sizeof line, "rong: fault injected at %s\n", name);
    if (n > 0) (void)!::write(2, line, static_cast<size_t>(n));
    ::kill(::getpid(), SIGKILL);
    ::_exit(137);
}
#endif

}  // namespace

void enable_trace() {
    g_trace = true;
    ::clock_gettime(CLOCK_MONOTONIC, &g_last);
}

void reached(const char* name) {
#ifdef RONG_FAULT_INJECTION
    static const char* fault = std::getenv("RONG_FAULT");
    if (fault && std::strcmp(fault, name) == 0) crash(name);
#endif
    if (!g_trace) return;
    struct timespec now {};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    double ms = static_cast<double>(now.tv_sec - g_last.tv_sec) * 1e3 +
                static_cast<double>(now.tv_nsec - g_last.tv_nsec) / 1e6;
    g_last = now;
    char text[96];
    std::snprintf(text, sizeof text, "phase %s: %.3f ms", name, ms);
    log::write(log::Level::debug, text);
}

}  // namespace rong::phase
