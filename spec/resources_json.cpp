// spec::Resources back to linux.resources JSON: `update` merges what it changed into the config
// its state keeps. Only the fields that are set appear, in the spec's names.
#include "spec/parse.hpp"

namespace rong::spec {

namespace {

using json = nlohmann::ordered_json;

template <class T>
void put(json& j, const char* key, const std::optional<T>& v) {
    if (v) j[key] = *v;
}
void put(json& j, const char* key, const std::string& v) {
    if (!v.empty()) j[key] = v;
}

void put_throttle(json& j, const char* key, const std::vector<ThrottleDevice>& list) {
    if (list.empty()) return;
    json& a = j[key] = json::array();
    for (const auto& d : list) a.push_back({{"major", d.major}, {"minor", d.minor}, {"rate", d.rate}});
}

}  // namespace

json resources_json(const Resources& r) {
    json j = json::object();
    if (!r.devices.empty()) {
        json& a = j["devices"] = json::array();
        for (const auto& d : r.devices) {
            json rule = {{"allow", d.allow}};
            put(rule, "type", d.type);
            put(rule, "major", d.major);
            put(rule, "minor", d.minor);
            put(rule, "access", d.access);
            a.push_back(std::move(rule));
        }
    }
    if (r.memory) {
        json& m = j["memory"] = json::object();
        put(m, "limit", r.memory->limit);
        put(m, "reservation", r.memory->reservation);
        put(m, "swap", r.memory->swap);
        put(m, "kernel", r.memory->kernel);
        put(m, "kernelTCP", r.memory->kernelTCP);
        put(m, "swappiness", r.memory->swappiness);
        put(m, "disableOOMKiller", r.memory->disableOOMKiller);
        put(m, "useHierarchy", r.memory->useHierarchy);
        put(m, "checkBeforeUpdate", r.memory->checkBeforeUpdate);
    }
    if (r.cpu) {
        json& c = j["cpu"] = json::object();
        put(c, "shares", r.cpu->shares);
        put(c, "quota", r.cpu->quota);
        put(c, "burst", r.cpu->burst);
        put(c, "period", r.cpu->period);
        put(c, "realtimeRuntime", r.cpu->realtimeRuntime);
        put(c, "realtimePeriod", r.cpu->realtimePeriod);
        put(c, "cpus", r.cpu->cpus);
        put(c, "mems", r.cpu->mems);
        put(c, "idle", r.cpu->idle);
    }
    if (r.pidsLimit) j["pids"] = {{"limit", *r.pidsLimit}};
    if (r.blockIO) {
        const auto& b = *r.blockIO;
        json& io = j["blockIO"] = json::object();
        put(io, "weight", b.weight);
        put(io, "leafWeight", b.leafWeight);
        if (!b.weightDevice.empty()) {
            json& a = io["weightDevice"] = json::array();
            for (const auto& d : b.weightDevice) {
                json dev = {{"major", d.major}, {"minor", d.minor}};
                put(dev, "weight", d.weight);
                put(dev, "leafWeight", d.leafWeight);
                a.push_back(std::move(dev));
            }
        }
        put_throttle(io, "throttleReadBpsDevice", b.throttleReadBpsDevice);
        put_throttle(io, "throttleWriteBpsDevice", b.throttleWriteBpsDevice);
        put_throttle(io, "throttleReadIOPSDevice", b.throttleReadIOPSDevice);
        put_throttle(io, "throttleWriteIOPSDevice", b.throttleWriteIOPSDevice);
    }
    if (!r.hugepageLimits.empty()) {
        json& a = j["hugepageLimits"] = json::array();
        for (const auto& h : r.hugepageLimits) a.push_back({{"pageSize", h.pageSize}, {"limit", h.limit}});
    }
    if (r.network) {
        json& n = j["network"] = json::object();
        put(n, "classID", r.network->classID);
        if (!r.network->priorities.empty()) {
            json& a = n["priorities"] = json::array();
            for (const auto& p : r.network->priorities) a.push_back({{"name", p.name}, {"priority", p.priority}});
        }
    }
    if (!r.rdma.empty()) {
        json& rd = j["rdma"] = json::object();
        for (const auto& [device, limit] : r.rdma) {
            json& l = rd[device] = json::object();
            put(l, "hcaHandles", limit.hcaHandles);
            put(l, "hcaObjects", limit.hcaObjects);
        }
    }
    if (!r.unified.empty()) j["unified"] = r.unified;
    return j;
}

}  // namespace rong::spec
