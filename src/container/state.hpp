// A container's persisted state: one directory per container under the state root, holding
// state.json (written atomically) and, until `start`, the exec fifo the init waits on.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "spec/config.hpp"
#include "sys/fd.hpp"

namespace rong::container {

inline constexpr const char* kStateFile = "state.json";
inline constexpr const char* kStateTmpFile = "state.json.tmp";  // sys::write_file_atomic's name
inline constexpr const char* kExecFifo = "exec.fifo";
// What a created container's init writes to the fifo once `start` opened it: kFifoReady, or
// kFifoError and why it gave up (a startContainer hook failed).
inline constexpr char kFifoReady = '0';
inline constexpr char kFifoError = 'E';
// Left by an exec that gave a process CAP_SYS_PTRACE the container's own lacks: later execs then
// run from a sealed copy of rong too (security/sealed_exe.hpp).
inline constexpr const char* kPtraceGranted = "ptrace-granted";
// What a create in progress has made outside the state directory (its cgroup), written before it
// makes it: a create killed before state.json exists leaves this for `delete` to undo.
inline constexpr const char* kCreatingFile = "creating.json";

enum class ContainerStatus { creating, created, running, paused, stopped };
const char* to_string(ContainerStatus s);

struct ContainerState {
    std::string id;
    pid_t pid = 0;
    uint64_t start_time = 0;  // of the init, from /proc/<pid>/stat: a recycled pid is never ours
    std::string bundle;
    std::string rootfs;
    std::string created;  // RFC 3339 with nanoseconds, UTC
    std::string owner;
    // the config as it was at create (hooks for start and delete), with the resources `update` set
    std::string config_json;
    // The container's cgroup directory per controller ("" for the unified tree), as runc's
    // state.json "cgroup_paths": delete, pause, ps and update find the cgroup here.
    std::map<std::string, std::string> cgroup_paths;
};

// Container ids as runc accepts them: [A-Za-z0-9_+.-], not "." or "..", at most 1024 bytes.
Status validate_id(const std::string& id);

class StateStore {
public:
    explicit StateStore(std::string root) : root_(std::move(root)) {}
    const std::string& root() const { return root_; }
    std::string dir_of(const std::string& id) const { return root_ + "/" + id; }
    // Compiled seccomp filters (security/seccomp_program.hpp). '~' is never in a container id.
    std::string seccomp_cache_dir() const { return root_ + "/~seccomp-cache"; }

    // Makes the container's directory (refusing an id in use) and returns it locked. `inode`, if
    // given, receives the directory's inode number (as lock's does).
    Result<sys::Fd> create_dir(const std::string& id, ino_t* inode = nullptr) const;
    // Opens and locks an existing container's directory: "container does not exist" otherwise.
    Result<sys::Fd> lock(const std::string& id, ino_t* inode = nullptr) const;
    // A directory without state.json whose lock is free: a create that died before saving the
    // state (its lock went with it). Returned locked, with what creating.json recorded, if anything.
    Result<std::optional<ContainerState>> lock_abandoned(const std::string& id, sys::Fd& lock) const;
    Result<ContainerState> load(const std::string& id) const;
    Status save(const ContainerState& state) const;
    // save() in two steps, for create: the state is written over creating.json while the init
    // still sets up, and linked as state.json, where readers see it, once the init is ready. No
    // file is made for it: on ext4 without a journal (this project's hosts) each new inode skips
    // every one freed in the last ~30 s, which under a stream of containers costs more than the
    // write. `creating_size`: what save_creating wrote, to be covered whole.
    Status stage(const ContainerState& state, size_t creating_size) const;
    Status publish(const std::string& id) const;
    // creating.json: plain write, no rename: a torn one is ignored, and nothing it names exists
    // before the write returns. Returns the size written.
    Result<size_t> save_creating(const ContainerState& state) const;
    Status remove(const std::string& id) const;
    Result<std::vector<std::string>> ids() const;

private:
    std::string root_;
};

// What the init's process and the exec fifo say now, never the file alone.
ContainerStatus status_of(const ContainerState& state, const std::string& dir);
// status_of for an init known to be alive (pinned by a pidfd): created, paused or running.
ContainerStatus status_of_live(const ContainerState& state, const std::string& dir);

// The JSON of `state` (runc's field order) and of the hooks' state (runtime-spec's).
std::string state_json(const ContainerState& state, ContainerStatus status, bool pretty);
std::string hook_state_json(const ContainerState& state, ContainerStatus status, const spec::Config& config);

std::string now_rfc3339();

}  // namespace rong::container
