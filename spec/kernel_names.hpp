// The spec's names for kernel objects, with the kernel's values. One table each, read both by
// validation here in spec/ and by the features that apply them (security/, namespaces/).
#pragma once

#include <sched.h>
#include <sys/resource.h>

#include <array>
#include <cstddef>
#include <string_view>

namespace rong::spec {

struct RlimitType {
    std::string_view name;  // "RLIMIT_NOFILE"
    int resource;           // RLIMIT_NOFILE
};

inline constexpr std::array<RlimitType, 16> kRlimitTypes{{
    {"RLIMIT_AS", RLIMIT_AS},           {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},         {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},     {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},       {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},     {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},   {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING}, {"RLIMIT_STACK", RLIMIT_STACK},
}};

struct NamespaceType {
    std::string_view type;  // the spec's name: "network"
    std::string_view proc;  // its name under /proc/<pid>/ns: "net"
    int clone_flag;         // CLONE_NEWNET
};

// Also the order in which joined namespaces are entered: user first, so the rest are entered
// with the capabilities it grants; mount last but one, time last.
inline constexpr std::array<NamespaceType, 8> kNamespaceTypes{{
    {"user", "user", CLONE_NEWUSER},
    {"ipc", "ipc", CLONE_NEWIPC},
    {"uts", "uts", CLONE_NEWUTS},
    {"network", "net", CLONE_NEWNET},
    {"pid", "pid", CLONE_NEWPID},
    {"cgroup", "cgroup", CLONE_NEWCGROUP},
    {"mount", "mnt", CLONE_NEWNS},
    {"time", "time", CLONE_NEWTIME},
}};

// The names alone, for "unknown <what>" validation.
template <typename T, std::size_t N, typename Name>
constexpr std::array<std::string_view, N> names_of(const std::array<T, N>& table, Name T::*name) {
    std::array<std::string_view, N> out{};
    for (std::size_t i = 0; i < N; ++i) out[i] = table[i].*name;
    return out;
}

inline constexpr auto kRlimitNames = names_of(kRlimitTypes, &RlimitType::name);
inline constexpr auto kNamespaceNames = names_of(kNamespaceTypes, &NamespaceType::type);

// RLIMIT_* for a spec name, -1 when the name is not one.
constexpr int rlimit_resource(std::string_view name) {
    for (const auto& r : kRlimitTypes)
        if (r.name == name) return r.resource;
    return -1;
}

// The namespace type of that spec name, nullptr when the name is not one.
constexpr const NamespaceType* find_namespace_type(std::string_view type) {
    for (const auto& t : kNamespaceTypes)
        if (t.type == type) return &t;
    return nullptr;
}

}  // namespace rong::spec
