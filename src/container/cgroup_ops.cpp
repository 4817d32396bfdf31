// pause, resume, ps, update and stats: the commands that act on a container's cgroup.
#include <signal.h>

#include "cgroups/cgroups.hpp"
#include "container/container.hpp"
#include "spec/parse.hpp"

namespace rong::container {

namespace {

Result<std::unique_ptr<cgroups::Manager>> cgroup_of(const ContainerState& state) {
    auto cg = cgroups::from_paths(state.cgroup_paths);
    if (!cg) return Error::msg("container " + state.id + " has no cgroup");
    return cg;
}

}  // namespace

Status pause(const StateStore& store, const std::string& id) {
    sys::Fd lock = TRY(store.lock(id));
    ContainerState state = TRY(store.load(id));
    ContainerStatus status = status_of(state, store.dir_of(id));
    if (status != ContainerStatus::running && status != ContainerStatus::created)
        return Error::msg("container not running");
    auto cg = TRY(cgroup_of(state));
    return cg->freeze();
}

Status resume(const StateStore& store, const std::string& id) {
    sys::Fd lock = TRY(store.lock(id));
    ContainerState state = TRY(store.load(id));
    if (status_of(state, store.dir_of(id)) != ContainerStatus::paused) return Error::msg("container not paused");
    auto cg = TRY(cgroup_of(state));
    return cg->thaw();
}

Result<std::vector<pid_t>> processes(const StateStore& store, const std::string& id) {
    ContainerState state = TRY(store.load(id));
    auto cg = TRY(cgroup_of(state));
    return cg->pids();
}

Status update(const StateStore& store, const std::string& id, const spec::Resources& update) {
    sys::Fd lock = TRY(store.lock(id));
    ContainerState state = TRY(store.load(id));
    if (status_of(state, store.dir_of(id)) == ContainerStatus::stopped)
        return Error::msg("container not running");
    auto cg = TRY(cgroup_of(state));
    auto config = nlohmann::ordered_json::parse(state.config_json, nullptr, false);
    if (!config.is_object()) return Error::msg("state.json: config is not a JSON object");
    auto& in_force = config["linux"]["resources"];
    spec::Resources resources = update;
    // BFQ's default weight, written, resets its per-device weights: the config's are written
    // again after it (runc, which writes the whole config on update, keeps them so).
    if (resources.blockIO && resources.blockIO->weight && resources.blockIO->weightDevice.empty() &&
        in_force.is_object() && in_force.contains("blockIO")) {
        nlohmann::ordered_json devices = {{"blockIO", {{"weightDevice", in_force["blockIO"].value("weightDevice", nlohmann::ordered_json::array())}}}};
        auto kept = TRY(spec::parse_resources(devices.dump(), "state.json: config: linux.resources"));
        resources.blockIO->weightDevice = kept.blockIO->weightDevice;
    }
    // v2 writes quota and period as one value (cpu.max): the one not given stays as it is in force
    // (runc), not "max" or the default.
    if (resources.cpu && in_force.is_object() && in_force.contains("cpu") && in_force["cpu"].is_object()) {
        auto& cpu = *resources.cpu;
        const auto& now = in_force["cpu"];
        if (cpu.quota && !cpu.period && now.contains("period") && now["period"].is_number_unsigned())
            cpu.period = now["period"].get<uint64_t>();
        if (cpu.period && !cpu.quota && now.contains("quota") && now["quota"].is_number_integer())
            cpu.quota = now["quota"].get<int64_t>();
    }
    TRY(cg->set(resources));
    // As runc, the state's config follows: each field given replaces the config's (a list, such
    // as a throttle's devices, as a whole), so it says what is in force.
    in_force.merge_patch(spec::resources_json(resources));
    state.config_json = config.dump();
    return store.save(state);
}

Result<uint64_t> oom_kills(const StateStore& store, const std::string& id) {
    ContainerState state = TRY(store.load(id));
    if (status_of(state, store.dir_of(id)) == ContainerStatus::stopped)
        return Error::msg("container not running");
    auto cg = TRY(cgroup_of(state));
    return cg->oom_kills();
}

Result<nlohmann::ordered_json> stats(const StateStore& store, const std::string& id) {
    ContainerState state = TRY(store.load(id));
    if (status_of(state, store.dir_of(id)) == ContainerStatus::stopped)
        return Error::msg("container not running");
    auto cg = TRY(cgroup_of(state));
    return cg->stats();
}

}  // namespace rong::container
