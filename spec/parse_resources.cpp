// linux.resources: the cgroup settings, also read alone by `update --resources`.
#include <array>

#include "spec/json_reader.hpp"

namespace rong::spec::detail {

namespace {

constexpr std::array<std::string_view, 3> kDeviceRuleTypes = {"a", "c", "b"};

}  // namespace

Status read(const Reader& r, Resources& res) {
    TRY(r.expect_object());
    TRY(r.get("devices", res.devices));
    TRY(r.get("memory", res.memory));
    TRY(r.get("cpu", res.cpu));
    if (const Reader pids = r.at("pids"); !pids.absent()) {  // {"limit": N}, flattened into pidsLimit
        TRY(pids.expect_object());
        TRY(pids.get("limit", res.pidsLimit));
    }
    TRY(r.get("blockIO", res.blockIO));
    TRY(r.get("hugepageLimits", res.hugepageLimits));
    TRY(r.get("network", res.network));
    TRY(r.get("rdma", res.rdma));
    return r.get("unified", res.unified);
}

Status read(const Reader& r, DeviceRule& rule) {
    TRY(r.expect_object());
    TRY(r.require("allow", rule.allow));
    TRY(r.get("type", rule.type));
    if (!rule.type.empty()) TRY(expect_one_of(r.at("type"), rule.type, kDeviceRuleTypes, "device rule type"));
    TRY(r.get("major", rule.major));
    TRY(r.get("minor", rule.minor));
    TRY(r.get("access", rule.access));
    if (rule.access.find_first_not_of("rwm") != std::string::npos)
        return r.at("access").error("invalid access " + quote(rule.access) +
                                    " (expected letters of \"rwm\")");
    return {};
}

Status read(const Reader& r, MemoryResources& mem) {
    TRY(r.expect_object());
    TRY(r.get("limit", mem.limit));
    TRY(r.get("reservation", mem.reservation));
    TRY(r.get("swap", mem.swap));
    TRY(r.get("kernel", mem.kernel));
    TRY(r.get("kernelTCP", mem.kernelTCP));
    TRY(r.get("swappiness", mem.swappiness));
    TRY(r.get("disableOOMKiller", mem.disableOOMKiller));
    TRY(r.get("useHierarchy", mem.useHierarchy));
    return r.get("checkBeforeUpdate", mem.checkBeforeUpdate);
}

Status read(const Reader& r, CpuResources& cpu) {
    TRY(r.expect_object());
    TRY(r.get("shares", cpu.shares));
    TRY(r.get("quota", cpu.quota));
    TRY(r.get("burst", cpu.burst));
    TRY(r.get("period", cpu.period));
    TRY(r.get("realtimeRuntime", cpu.realtimeRuntime));
    TRY(r.get("realtimePeriod", cpu.realtimePeriod));
    TRY(r.get("cpus", cpu.cpus));
    TRY(r.get("mems", cpu.mems));
    return r.get("idle", cpu.idle);
}

Status read(const Reader& r, BlockIO& io) {
    TRY(r.expect_object());
    TRY(r.get("weight", io.weight));
    TRY(r.get("leafWeight", io.leafWeight));
    TRY(r.get("weightDevice", io.weightDevice));
    TRY(r.get("throttleReadBpsDevice", io.throttleReadBpsDevice));
    TRY(r.get("throttleWriteBpsDevice", io.throttleWriteBpsDevice));
    TRY(r.get("throttleReadIOPSDevice", io.throttleReadIOPSDevice));
    return r.get("throttleWriteIOPSDevice", io.throttleWriteIOPSDevice);
}

Status read(const Reader& r, WeightDevice& dev) {
    TRY(r.expect_object());
    TRY(r.require("major", dev.major));
    TRY(r.require("minor", dev.minor));
    TRY(r.get("weight", dev.weight));
    return r.get("leafWeight", dev.leafWeight);
}

Status read(const Reader& r, ThrottleDevice& dev) {
    TRY(r.expect_object());
    TRY(r.require("major", dev.major));
    TRY(r.require("minor", dev.minor));
    return r.require("rate", dev.rate);
}

Status read(const Reader& r, HugepageLimit& limit) {
    TRY(r.expect_object());
    TRY(r.require("pageSize", limit.pageSize));
    return r.require("limit", limit.limit);
}

Status read(const Reader& r, NetworkResources& net) {
    TRY(r.expect_object());
    TRY(r.get("classID", net.classID));
    return r.get("priorities", net.priorities);
}

Status read(const Reader& r, InterfacePriority& prio) {
    TRY(r.expect_object());
    TRY(r.require("name", prio.name));
    return r.require("priority", prio.priority);
}

Status read(const Reader& r, RdmaLimit& limit) {
    TRY(r.expect_object());
    TRY(r.get("hcaHandles", limit.hcaHandles));
    return r.get("hcaObjects", limit.hcaObjects);
}

}  // namespace rong::spec::detail
