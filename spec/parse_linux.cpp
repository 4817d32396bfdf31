// config.json: the "linux" object, except linux.resources (parse_resources.cpp).
#include <array>

#include "spec/json_reader.hpp"
#include "spec/kernel_names.hpp"

namespace rong::spec::detail {

namespace {

constexpr std::array<std::string_view, 4> kDeviceTypes = {"c", "b", "u", "p"};
constexpr std::array<std::string_view, 2> kTimeClocks = {"monotonic", "boottime"};
constexpr std::array<std::string_view, 9> kRootfsPropagations = {
    "", "private", "rprivate", "slave", "rslave", "shared", "rshared", "unbindable", "runbindable"};

// A user namespace is joined (path) or made, and a made one needs both mappings; mappings without a
// user namespace would be silently ignored. The messages are runc's.
Status check_user_namespace(const Reader& r, const Linux& l) {
    const Namespace* userns = l.find_namespace("user");
    if (!userns) {
        for (auto [key, mappings] :
             {std::pair{"uidMappings", &l.uidMappings}, std::pair{"gidMappings", &l.gidMappings}})
            if (!mappings->empty())
                return r.at(key).error(
                    "user namespace mappings specified, but user namespace isn't enabled in the config");
        return {};
    }
    if (!userns->path.empty()) return {};
    const Reader ns = r.at("namespaces").at(static_cast<std::size_t>(userns - l.namespaces.data()));
    if (l.uidMappings.empty() && l.gidMappings.empty())
        return ns.error(
            "user namespaces enabled, but no namespace path to join nor mappings to apply specified");
    if (l.uidMappings.empty()) return ns.error("user namespaces enabled, but no uid mappings found");
    if (l.gidMappings.empty()) return ns.error("user namespaces enabled, but no gid mappings found");
    // The kernel takes a map whole or not at all, and refuses ranges that overlap on either side
    // ("write /proc/PID/uid_map: Invalid argument"): this names the entry.
    for (auto [key, mappings] : {std::pair{"uidMappings", &l.uidMappings}, std::pair{"gidMappings", &l.gidMappings}}) {
        auto overlap = [](uint64_t a, uint64_t b, uint64_t size_a, uint64_t size_b) { return a < b + size_b && b < a + size_a; };
        for (std::size_t j = 1; j < mappings->size(); ++j)
            for (std::size_t i = 0; i < j; ++i) {
                const IdMapping &x = (*mappings)[i], &y = (*mappings)[j];
                if (overlap(x.containerID, y.containerID, x.size, y.size) || overlap(x.hostID, y.hostID, x.size, y.size))
                    return r.at(key).at(j).error("overlaps " + std::string(key) + "[" + std::to_string(i) + "]");
            }
    }
    return {};
}

// Offsets are written to a new time namespace before its first process enters it: they need one.
Status check_time_offsets(const Reader& r, const Linux& l) {
    if (l.timeOffsets.empty()) return {};
    const Reader offsets = r.at("timeOffsets");
    for (const auto& [clock, offset] : l.timeOffsets)
        TRY(expect_one_of(offsets.at(clock), clock, kTimeClocks, "clock"));
    const Namespace* timens = l.find_namespace("time");
    if (!timens)
        return offsets.error(
            "time namespace offsets specified, but time namespace isn't enabled in the config");
    if (!timens->path.empty())
        return offsets.error(
            "time namespace offsets specified, but the time namespace is joined, not created");
    return {};
}

}  // namespace

Status read(const Reader& r, Linux& l) {
    TRY(r.expect_object());
    TRY(r.get("namespaces", l.namespaces));
    TRY(expect_unique(r.at("namespaces"), l.namespaces, &Namespace::type, "namespace"));
    TRY(r.get("uidMappings", l.uidMappings));
    TRY(r.get("gidMappings", l.gidMappings));
    TRY(r.get("timeOffsets", l.timeOffsets));
    TRY(r.get("devices", l.devices));
    TRY(r.get("netDevices", l.netDevices));
    TRY(r.get("cgroupsPath", l.cgroupsPath));
    TRY(r.get("resources", l.resources));
    TRY(r.get("rootfsPropagation", l.rootfsPropagation));
    TRY(expect_one_of(r.at("rootfsPropagation"), l.rootfsPropagation, kRootfsPropagations,
                      "rootfs propagation"));
    TRY(r.get("seccomp", l.seccomp));
    TRY(r.get("sysctl", l.sysctl));
    TRY(r.get("maskedPaths", l.maskedPaths));
    TRY(r.get("readonlyPaths", l.readonlyPaths));
    TRY(r.get("mountLabel", l.mountLabel));
    TRY(r.get("intelRdt", l.intelRdt));
    TRY(r.get("personality", l.personality));
    TRY(r.get("memoryPolicy", l.memoryPolicy));
    TRY(check_user_namespace(r, l));
    TRY(check_time_offsets(r, l));
    // As runc: masking or remounting paths read-only in the host's mount namespace would hit the host.
    if ((!l.maskedPaths.empty() || !l.readonlyPaths.empty()) && !l.find_namespace("mount"))
        return r.at(l.maskedPaths.empty() ? "readonlyPaths" : "maskedPaths")
            .error("unable to restrict sys entries without a private MNT namespace");
    return {};
}

Status read(const Reader& r, Namespace& ns) {
    TRY(r.expect_object());
    TRY(r.require("type", ns.type));
    TRY(expect_one_of(r.at("type"), ns.type, kNamespaceNames, "namespace type"));
    TRY(r.get("path", ns.path));
    if (!ns.path.empty()) TRY(expect_absolute(r.at("path"), ns.path));
    return {};
}

Status read(const Reader& r, IdMapping& m) {
    TRY(r.expect_object());
    TRY(r.require("containerID", m.containerID));
    TRY(r.require("hostID", m.hostID));
    TRY(r.require("size", m.size));
    if (m.size == 0) return r.at("size").error("an id mapping of size 0 maps nothing");
    return {};
}

Status read(const Reader& r, TimeOffset& offset) {
    TRY(r.expect_object());
    TRY(r.get("secs", offset.secs));
    return r.get("nanosecs", offset.nanosecs);
}

Status read(const Reader& r, Device& d) {
    TRY(r.expect_object());
    TRY(r.require("type", d.type));
    TRY(expect_one_of(r.at("type"), d.type, kDeviceTypes, "device type"));
    TRY(r.require("path", d.path));
    TRY(expect_absolute(r.at("path"), d.path));
    if (d.type == "p") {  // a FIFO has no device numbers
        TRY(r.get("major", d.major));
        TRY(r.get("minor", d.minor));
    } else {
        TRY(r.require("major", d.major));
        TRY(r.require("minor", d.minor));
    }
    TRY(r.get("fileMode", d.fileMode));
    TRY(r.get("uid", d.uid));
    return r.get("gid", d.gid);
}

Status read(const Reader& r, NetDevice& dev) {
    TRY(r.expect_object());
    return r.get("name", dev.name);
}

// Actions, operators, architectures and flags are libseccomp names, checked by the seccomp code.
Status read(const Reader& r, Seccomp& s) {
    TRY(r.expect_object());
    TRY(r.require("defaultAction", s.defaultAction));
    TRY(r.get("defaultErrnoRet", s.defaultErrnoRet));
    TRY(r.get("architectures", s.architectures));
    TRY(r.get("flags", s.flags));
    TRY(r.get("listenerPath", s.listenerPath));
    TRY(r.get("listenerMetadata", s.listenerMetadata));
    return r.get("syscalls", s.syscalls);
}

Status read(const Reader& r, SeccompSyscall& s) {
    TRY(r.expect_object());
    TRY(r.require("names", s.names));
    if (s.names.empty()) return r.at("names").error("expected a non-empty array of strings");
    TRY(r.require("action", s.action));
    TRY(r.get("errnoRet", s.errnoRet));
    return r.get("args", s.args);
}

Status read(const Reader& r, SeccompArg& arg) {
    TRY(r.expect_object());
    TRY(r.require("index", arg.index));
    TRY(r.require("value", arg.value));
    TRY(r.get("valueTwo", arg.valueTwo));
    return r.require("op", arg.op);
}

Status read(const Reader& r, IntelRdt& rdt) {
    TRY(r.expect_object());
    TRY(r.get("closID", rdt.closID));
    TRY(r.get("l3CacheSchema", rdt.l3CacheSchema));
    TRY(r.get("memBwSchema", rdt.memBwSchema));
    TRY(r.get("schemata", rdt.schemata));
    // enableMonitoring (1.3) replaced enableCMT and enableMBM: any of them turns monitoring on.
    bool cmt = false, mbm = false;
    TRY(r.get("enableMonitoring", rdt.enableMonitoring));
    TRY(r.get("enableCMT", cmt));
    TRY(r.get("enableMBM", mbm));
    rdt.enableMonitoring = rdt.enableMonitoring || cmt || mbm;
    return {};
}

Status read(const Reader& r, Personality& p) {
    TRY(r.expect_object());
    TRY(r.require("domain", p.domain));
    return r.get("flags", p.flags);
}

Status read(const Reader& r, MemoryPolicy& policy) {
    TRY(r.expect_object());
    TRY(r.require("mode", policy.mode));
    TRY(r.get("nodes", policy.nodes));
    return r.get("flags", policy.flags);
}

}  // namespace rong::spec::detail
