#include "security/capabilities.hpp"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include "base/log.hpp"

namespace rong::security {

namespace {

// Written out rather than taken from libcap, whose constructor probes the kernel with six prctls
// in every command, capabilities or not. Index = capability number.
constexpr const char* kNames[] = {
    "chown",           "dac_override",  "dac_read_search", "fowner",      "fsetid",
    "kill",            "setgid",        "setuid",          "setpcap",     "linux_immutable",
    "net_bind_service", "net_broadcast", "net_admin",       "net_raw",     "ipc_lock",
    "ipc_owner",       "sys_module",    "sys_rawio",       "sys_chroot",  "sys_ptrace",
    "sys_pacct",       "sys_admin",     "sys_boot",        "sys_nice",    "sys_resource",
    "sys_time",        "sys_tty_config", "mknod",          "lease",       "audit_write",
    "audit_control",   "setfcap",       "mac_override",    "mac_admin",   "syslog",
    "wake_alarm",      "block_suspend", "audit_read",      "perfmon",     "bpf",
    "checkpoint_restore",
};
constexpr int kKnown = static_cast<int>(sizeof kNames / sizeof kNames[0]);
static_assert(CAP_NET_BIND_SERVICE == 10 && CAP_SYS_ADMIN == 21 && CAP_AUDIT_READ == 37);
#ifdef CAP_CHECKPOINT_RESTORE
static_assert(CAP_CHECKPOINT_RESTORE == kKnown - 1);
#endif

std::string name_of(int c) {
    return c < kKnown ? std::string("cap_") + kNames[c] : "capability " + std::to_string(c);
}

// The highest capability number the running kernel has (PR_CAPBSET_READ fails past it): looked
// for from the top of the table, so that on current kernels it takes two calls.
int kernel_last_cap() {
    static int last = -1;
    if (last >= 0) return last;
    int c = kKnown - 1;
    if (::prctl(PR_CAPBSET_READ, c, 0, 0, 0) >= 0) {
        while (::prctl(PR_CAPBSET_READ, c + 1, 0, 0, 0) >= 0) ++c;
    } else {
        while (c > 0 && ::prctl(PR_CAPBSET_READ, c, 0, 0, 0) < 0) --c;
    }
    return last = c;
}

// `ignored`, if given, gets the names dropped (unknown, or beyond the kernel's last capability).
std::vector<int> resolve_set(const std::vector<std::string>& names, std::string* ignored = nullptr) {
    std::vector<int> out;
    for (const auto& name : names) {
        std::string lower = name;
        std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
        int value = -1;
        if (lower.rfind("cap_", 0) == 0) {
            for (int c = 0; c < kKnown; ++c)
                if (lower.compare(4, std::string::npos, kNames[c]) == 0) value = c;
        }
        // Caps up to audit_read (Linux 3.16) are on every kernel rong runs on; later ones are asked.
        if (value < 0 || (value > CAP_AUDIT_READ && value > kernel_last_cap())) {
            if (ignored) *ignored += (ignored->empty() ? "" : " ") + name;
            continue;
        }
        out.push_back(value);
    }
    return out;
}

constexpr std::pair<const char*, std::vector<std::string> spec::Capabilities::*> kSets[] = {
    {"bounding", &spec::Capabilities::bounding},       {"effective", &spec::Capabilities::effective},
    {"inheritable", &spec::Capabilities::inheritable}, {"permitted", &spec::Capabilities::permitted},
    {"ambient", &spec::Capabilities::ambient},
};

bool has(const std::vector<int>& set, int c) { return std::find(set.begin(), set.end(), c) != set.end(); }

}  // namespace

std::vector<std::string> known_capabilities() {
    std::vector<std::string> out;
    for (int c = 0; c <= std::min(kernel_last_cap(), kKnown - 1); ++c) {
        std::string upper = name_of(c);
        std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char ch) { return std::toupper(ch); });
        out.push_back(upper);
    }
    return out;
}

Result<CapabilitySets> resolve_capabilities(const spec::Capabilities& caps) {
    CapabilitySets out;
    out.bounding = resolve_set(caps.bounding);
    out.effective = resolve_set(caps.effective);
    out.inheritable = resolve_set(caps.inheritable);
    out.permitted = resolve_set(caps.permitted);
    out.ambient = resolve_set(caps.ambient);
    return out;
}

std::vector<std::string> unavailable_capabilities(const spec::Capabilities& caps) {
    std::vector<std::string> out;
    for (const auto& [set, names] : kSets) {
        std::string ignored;
        (void)resolve_set(caps.*names, &ignored);
        if (!ignored.empty())
            out.push_back(std::string("process.capabilities.") + set + ": ignoring unknown or unavailable capabilities: [" +
                          ignored + "]");
    }
    return out;
}

Status drop_bounding(const CapabilitySets& caps, std::optional<uint64_t> current) {
    // What the set holds, the kernel's newest capabilities among them: no call to find its end.
    if (current) {
        for (int c = 0; c < 64; ++c)
            if ((*current >> c & 1) && !has(caps.bounding, c) && ::prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
                return Error::sys("drop " + name_of(c) + " from the bounding set");
        return {};
    }
    // Up to the kernel's end (EINVAL), past the names this build knows: a capability newer than
    // rong is dropped too.
    for (int c = 0;; ++c) {
        if (has(caps.bounding, c)) continue;
        if (::prctl(PR_CAPBSET_DROP, c, 0, 0, 0) == 0) continue;
        if (errno == EINVAL) return {};
        return Error::sys("drop " + name_of(c) + " from the bounding set");
    }
}

Status apply_capabilities(const CapabilitySets& caps) {
    struct __user_cap_header_struct header {};
    header.version = _LINUX_CAPABILITY_VERSION_3;
    struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] {};
    for (int c : caps.effective) data[c / 32].effective |= 1u << (c % 32);
    for (int c : caps.permitted) data[c / 32].permitted |= 1u << (c % 32);
    for (int c : caps.inheritable) data[c / 32].inheritable |= 1u << (c % 32);
    if (::syscall(SYS_capset, &header, data) < 0) return Error::sys("set process capabilities");
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
        return Error::sys("clear ambient capabilities");
    for (int c : caps.ambient) {
        // Like runc: an ambient capability that is not also permitted and inheritable is skipped
        // (the kernel refuses it with EPERM: not asked).
        bool allowed = has(caps.permitted, c) && has(caps.inheritable, c);
        if (!allowed || ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
            log::debug("cannot raise ambient capability " + name_of(c) + ": " + std::strerror(allowed ? errno : EPERM));
    }
    return {};
}

}  // namespace rong::security
