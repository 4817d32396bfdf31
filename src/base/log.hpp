// Warnings and debug lines from below the CLI. The CLI installs the sink (runc's text or json log
// format, to --log or stderr); until then nothing is printed. Errors are not logged here: they travel
// up as rong::Error and the CLI reports them once.
#pragma once

#include <string_view>

namespace rong::log {

enum class Level { debug, info, warning, error };

using Sink = void (*)(Level, std::string_view message);

void set_sink(Sink sink, bool debug_enabled);
bool debug_enabled();
void write(Level level, std::string_view message);

inline void warn(std::string_view message) { write(Level::warning, message); }
inline void debug(std::string_view message) {
    if (debug_enabled()) write(Level::debug, message);
}

}  // namespace rong::log
