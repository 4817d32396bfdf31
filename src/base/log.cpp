#include "base/log.hpp"

namespace rong::log {

namespace {
Sink g_sink = nullptr;
bool g_debug = false;
}  // namespace

void set_sink(Sink sink, bool debug_enabled) {
    g_sink = sink;
    g_debug = debug_enabled;
}

bool debug_enabled() { return g_debug; }

void write(Level level, std::string_view message) {
    if (g_sink) g_sink(level, message);
}

}  // namespace rong::log
