#include "cli/output.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <ctime>
#include <nlohmann/json.hpp>

#include "base/log.hpp"
#include "base/phase.hpp"

namespace rong::cli {

namespace {

LogOptions g_opts;
int g_log_fd = 2;

const char* level_name(log::Level level) {
    switch (level) {
        case log::Level::debug: return "debug";
        case log::Level::info: return "info";
        case log::Level::warning: return "warning";
        case log::Level::error: return "error";
    }
    return "info";
}

std::string now_seconds() {
    std::time_t t = std::time(nullptr);
    struct tm tm {};
    ::gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string format_line(log::Level level, std::string_view message) {
    if (g_opts.format == "json") {
        nlohmann::ordered_json j;
        j["level"] = level_name(level);
        j["msg"] = message;
        j["time"] = now_seconds();
        return j.dump() + "\n";
    }
    // logrus' text format, as runc writes it: the message quoted like a Go string.
    std::string quoted = nlohmann::json(message).dump();
    return "time=\"" + now_seconds() + "\" level=" + level_name(level) + " msg=" + quoted + "\n";
}

void sink(log::Level level, std::string_view message) {
    std::string line = format_line(level, message);
    (void)!::write(g_log_fd, line.data(), line.size());
}

}  // namespace

Status setup_logging(const LogOptions& opts) {
    g_opts = opts;
    if (!opts.file.empty()) {
        int fd = ::open(opts.file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) {
            // Reported on stderr: a client that reads the file would find nothing there.
            auto error = Error::sys("open " + opts.file);
            g_opts.file.clear();
            return error;
        }
        g_log_fd = fd;
    }
    log::set_sink(sink, opts.debug);
    if (opts.debug) phase::enable_trace();
    return {};
}

int report_error(const Error& error, int exit_code) {
    if (!g_opts.file.empty()) log::write(log::Level::error, error.message);
    std::string line = error.message + "\n";
    (void)!::write(2, line.data(), line.size());
    return exit_code;
}

}  // namespace rong::cli
