#include "rootfs/check.hpp"

#include <cctype>
#include <vector>

#include "base/strings.hpp"
#include "rootfs/mount_options.hpp"

namespace rong::rootfs {

namespace {

// /dev/<something>, with no ".." anywhere (it is resolved inside the rootfs later; this is about
// what the config means).
bool lexically_under_dev(const std::string& path) {
    if (path.empty() || path.front() != '/') return false;
    std::vector<std::string> parts;
    size_t start = 1;
    while (start <= path.size()) {
        size_t slash = path.find('/', start);
        if (slash == std::string::npos) slash = path.size();
        std::string part = path.substr(start, slash - start);
        start = slash + 1;
        if (part.empty() || part == ".") continue;
        if (part == "..") return false;
        parts.push_back(part);
    }
    return parts.size() >= 2 && parts.front() == "dev";
}

Status check_mount(size_t index, const spec::Mount& m, bool user_namespace) {
    if (m.source.empty() && (m.type == "bind" || parse_mount_options(m.options).is_bind()))
        return Error::msg(mount_name(index, m) + ": a bind mount needs a source");
    if (!is_idmapped(m)) return {};
    MountOptions opts = parse_mount_options(m.options);
    std::string name = mount_name(index, m);
    if (!opts.is_bind() && m.type != "bind")
        return Error::msg(name + ": idmapped mounts are supported for bind mounts only");
    if (m.uidMappings.empty() != m.gidMappings.empty())
        return Error::msg(name + ": uidMappings and gidMappings must be given together");
    if (m.uidMappings.empty() && !user_namespace)
        return Error::msg(name + ": an idmapped mount without uidMappings/gidMappings needs a user namespace");
    for (const auto* maps : {&m.uidMappings, &m.gidMappings})
        for (const auto& map : *maps)
            if (map.size == 0) return Error::msg(name + ": an id mapping of size 0");
    return {};
}

}  // namespace

std::string proc_mount_refusal(const std::string& dest, bool source_is_procfs) {
    static constexpr const char* kLxcfsFiles[] = {
        "/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo", "/proc/stat",    "/proc/swaps",
        "/proc/uptime",  "/proc/loadavg",   "/proc/slabinfo", "/proc/net/dev", "/proc/sys/kernel/ns_last_pid",
    };
    if (dest == "/proc") return source_is_procfs ? "" : "/proc cannot be mounted because it is not of type proc";
    if (dest.rfind("/proc/", 0) != 0) return "";
    for (const char* allowed : kLxcfsFiles)
        if (dest == allowed) return "";
    return dest + " cannot be mounted because it is inside /proc";
}

bool checks_proc_mount(const std::string& type) {
    for (const char* own_case : {"proc", "sysfs", "mqueue", "tmpfs", "cgroup"})
        if (type == own_case) return false;
    return true;
}

namespace {

// mountinfo escapes space, tab, newline and backslash in paths as \NNN (octal).
std::string unescape_mountinfo(const std::string& field) {
    std::string out;
    for (size_t i = 0; i < field.size(); ++i) {
        if (field[i] == '\\' && i + 3 < field.size() && std::isdigit(static_cast<unsigned char>(field[i + 1]))) {
            out += static_cast<char>(std::stoi(field.substr(i + 1, 3), nullptr, 8));
            i += 3;
        } else {
            out += field[i];
        }
    }
    return out;
}

}  // namespace

HoldingMount holding_mount(const std::string& mountinfo, const std::string& path) {
    HoldingMount best;
    bool found = false;
    for (const auto& line : split(mountinfo, '\n')) {
        std::vector<std::string> f = split_words(line);
        if (f.size() < 7) continue;
        std::string mp = unescape_mountinfo(f[4]);
        bool holds = path_within(path, mp);
        if (!holds || (found && mp.size() < best.mount_point.size())) continue;
        found = true;
        best.mount_point = mp;
        best.shared = false;
        for (size_t i = 6; i < f.size() && f[i] != "-"; ++i)
            if (f[i].rfind("shared:", 0) == 0) best.shared = true;
    }
    return best;
}

std::string mount_name(size_t index, const spec::Mount& m) {
    return "mounts[" + std::to_string(index) + "] (" + m.destination + ")";
}

bool is_idmapped(const spec::Mount& m) {
    return parse_mount_options(m.options).idmap || !m.uidMappings.empty() || !m.gidMappings.empty();
}

Status check_rootfs_config(const spec::Config& config, bool user_namespace) {
    for (size_t i = 0; i < config.mounts.size(); ++i) TRY(check_mount(i, config.mounts[i], user_namespace));
    if (!config.linux) return {};
    const auto& devices = config.linux->devices;
    for (size_t i = 0; i < devices.size(); ++i) {
        // A node anywhere else would be a device file the image's paths never expected (and,
        // with `..`, could land on a mount or file of the host's choosing).
        if (!lexically_under_dev(devices[i].path))
            return Error::msg("linux.devices[" + std::to_string(i) + "].path: " + devices[i].path +
                              " is not a path under /dev");
    }
    return {};
}

}  // namespace rong::rootfs
