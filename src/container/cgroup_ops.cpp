// pause, resume, ps, update and stats: the commands that act on a container's cgroup.
#include <signal.h>

#include "cgroups/cgroups.hpp"
#include "container/container.hpp"

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

Status update(const StateStore& store, const std::string& id, const spec::Resources& resources) {
    sys::Fd lock = TRY(store.lock(id));
    ContainerState state = TRY(store.load(id));
    if (status_of(state, store.dir_of(id)) == ContainerStatus::stopped)
        return Error::msg("container not running");
    auto cg = TRY(cgroup_of(state));
    return cg->set(resources);
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
