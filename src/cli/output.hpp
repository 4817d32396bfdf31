// What the CLI writes: runc's log lines (text or json, to --log or stderr) and its error line.
#pragma once

#include <string>

#include "base/result.hpp"

namespace rong::cli {

struct LogOptions {
    std::string file;            // --log; empty: stderr
    std::string format = "text"; // --log-format text|json
    bool debug = false;
};

// Installs the sink for rong::log. Call once, after flags are parsed. A --log file that cannot
// be opened is an error, as runc's (the caller is told on stderr).
Status setup_logging(const LogOptions& opts);

// Reports a failed command the way runc does: a log entry at level error (in --log when given)
// and the bare message on stderr. Returns the exit code to use.
int report_error(const Error& error, int exit_code = 1);

}  // namespace rong::cli
