// `rong spec`: the config runc 1.1 `spec` writes (same fields, same order), at ociVersion 1.3.0.
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "spec/parse.hpp"

namespace rong::spec {

namespace {

using ordered_json = nlohmann::ordered_json;

constexpr std::string_view kDefaultConfig = R"({
  "ociVersion": "1.3.0",
  "process": {
    "terminal": true,
    "user": {"uid": 0, "gid": 0},
    "args": ["sh"],
    "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
    "cwd": "/",
    "capabilities": {
      "bounding": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      "effective": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      "permitted": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      "ambient": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
    },
    "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
    "noNewPrivileges": true
  },
  "root": {"path": "rootfs", "readonly": true},
  "hostname": "runc",
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
     "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
    {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
     "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
    {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
     "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
    {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid", "noexec", "nodev"]},
    {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]},
    {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
     "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]}
  ],
  "linux": {
    "resources": {"devices": [{"allow": false, "access": "rwm"}]},
    "namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}],
    "maskedPaths": [
      "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
      "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"
    ],
    "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
  }
})";

// What runc's specconv.ToRootless does: no network namespace but a user namespace mapping the caller
// to root, /sys bind-mounted (sysfs cannot be mounted without a network namespace of one's own), no
// uid=/gid= mount options (those ids are not mapped), no cgroup resources (not ours to set).
void make_rootless(ordered_json& config, uint32_t uid, uint32_t gid) {
    for (auto& mount : config["mounts"]) {
        if (mount["destination"] == "/sys") {
            mount = {{"destination", "/sys"},
                     {"type", "none"},
                     {"source", "/sys"},
                     {"options", {"rbind", "nosuid", "noexec", "nodev", "ro"}}};
            continue;
        }
        if (!mount.contains("options")) continue;
        ordered_json options = ordered_json::array();
        for (const auto& option : mount["options"]) {
            const auto& text = option.get_ref<const std::string&>();
            if (!text.starts_with("uid=") && !text.starts_with("gid=")) options.push_back(option);
        }
        mount["options"] = std::move(options);
    }

    const ordered_json old_linux = std::move(config["linux"]);
    ordered_json namespaces = ordered_json::array();
    for (const auto& ns : old_linux.at("namespaces"))
        if (ns["type"] != "network") namespaces.push_back(ns);
    namespaces.push_back({{"type", "user"}});
    auto mapping_to_root = [](uint32_t id) {
        return ordered_json::array({{{"containerID", 0}, {"hostID", id}, {"size", 1}}});
    };
    // runc's field order: the mappings, the namespaces, then the rest.
    ordered_json linux_section;
    linux_section["uidMappings"] = mapping_to_root(uid);
    linux_section["gidMappings"] = mapping_to_root(gid);
    linux_section["namespaces"] = std::move(namespaces);
    for (const auto& [key, value] : old_linux.items())
        if (key != "resources" && !linux_section.contains(key)) linux_section[key] = value;
    config["linux"] = std::move(linux_section);
}

}  // namespace

std::string default_config_json(bool rootless, uint32_t uid, uint32_t gid) {
    ordered_json config = ordered_json::parse(kDefaultConfig);
    if (rootless) make_rootless(config, uid, gid);
    return config.dump(2) + "\n";
}

}  // namespace rong::spec
