#include "container/state.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string_view>
#include <nlohmann/json.hpp>

#include "cgroups/cgroups.hpp"
#include "container/notify_socket.hpp"
#include "sys/file.hpp"
#include "sys/process.hpp"

namespace rong::container {

namespace {

// Whether the locked directory is still the one at its path: whoever held the lock before us may
// have removed it (delete) and another create may have made a new one under the same name. Files
// are then reached by path, so they would be the other container's. A removed directory has no
// link left; one still linked is at its path (rong never renames a state directory).
// `inode`, if given, receives the directory's inode number.
bool still_linked(int fd, ino_t* inode = nullptr) {
    struct stat held {};
    bool linked = ::fstat(fd, &held) == 0 && held.st_nlink > 0;
    if (inode) *inode = held.st_ino;
    return linked;
}

// A container's state directory, opened and locked (waiting for the lock).
Result<sys::Fd> lock_directory(const std::string& dir, ino_t* inode = nullptr) {
    sys::Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) {
        if (errno == ENOENT) return Error{"container does not exist", ENOENT};
        return Error::sys("open " + dir);
    }
    if (::flock(fd.get(), LOCK_EX) < 0) return Error::sys("lock " + dir);
    if (!still_linked(fd.get(), inode)) return Error{"container does not exist", ENOENT};
    return fd;
}

}  // namespace

using json = nlohmann::ordered_json;

const char* to_string(ContainerStatus s) {
    switch (s) {
        case ContainerStatus::creating: return "creating";
        case ContainerStatus::created: return "created";
        case ContainerStatus::running: return "running";
        case ContainerStatus::paused: return "paused";
        case ContainerStatus::stopped: return "stopped";
    }
    return "unknown";
}

Status validate_id(const std::string& id) {
    if (id.empty()) return Error::msg("container id cannot be empty");
    bool ok = id.size() <= 1024 && id != "." && id != ".." &&
              std::all_of(id.begin(), id.end(), [](unsigned char c) {
                  return std::isalnum(c) || c == '_' || c == '+' || c == '-' || c == '.';
              });
    if (!ok) return Error::msg("invalid container id format: " + id);
    return {};
}

namespace {

// runc's words, and the id.
Error exists(const std::string& id) { return Error{"container with given ID already exists: " + id, EEXIST}; }

}  // namespace

Result<sys::Fd> StateStore::create_dir(const std::string& id, ino_t* inode) const {
    TRY(validate_id(id));
    std::string dir = dir_of(id);
    // Between the mkdir and the lock, a `delete --force` of the id may lock the new (empty)
    // directory, find no container in it and remove it: then the id is free again, and this
    // create tries once more. Another create may have made it anew meanwhile: the directory we
    // lock is then that one's, which holds creating.json once it has been locked.
    for (int attempt = 0;; ++attempt) {
        // 0711 as runc's (less under the caller's umask: the init reaches exec.fifo through an fd
        // of its own). The root is made (mkdir -p) only when it is missing, not checked component
        // by component.
        int made = ::mkdir(dir.c_str(), 0711);
        if (made < 0 && errno == ENOENT) {
            TRY(sys::mkdir_all(root_, 0700));
            made = ::mkdir(dir.c_str(), 0711);
        }
        if (made < 0) {
            if (errno == EEXIST) return exists(id);
            return Error::sys("mkdir " + dir);
        }
        sys::Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!fd && errno == ENOENT && attempt < 3) continue;
        if (!fd) return Error::sys("open " + dir);
        if (::flock(fd.get(), LOCK_EX) < 0) {
            ::rmdir(dir.c_str());
            return Error::sys("lock " + dir);
        }
        if (still_linked(fd.get(), inode)) {
            if (::faccessat(fd.get(), kCreatingFile, F_OK, 0) == 0) return exists(id);
            return fd;
        }
        if (attempt == 3) return exists(id);
    }
}

Result<sys::Fd> StateStore::lock(const std::string& id, ino_t* inode) const {
    TRY(validate_id(id));
    sys::Fd fd = TRY(lock_directory(dir_of(id), inode));
    // A delete may have won the lock before us and removed the container.
    if (::faccessat(fd.get(), kStateFile, F_OK, 0) < 0) return Error{"container does not exist", ENOENT};
    return fd;
}

namespace {

ContainerState from_json(const json& j, const std::string& id) {
    ContainerState s;
    s.id = j.value("id", id);
    s.pid = j.value("pid", 0);
    s.start_time = j.value("start_time", uint64_t{0});
    s.bundle = j.value("bundle", "");
    s.rootfs = j.value("rootfs", "");
    s.created = j.value("created", "");
    s.owner = j.value("owner", "");
    if (j.contains("config")) s.config_json = j["config"].dump();
    if (j.contains("cgroup_paths") && j["cgroup_paths"].is_object())
        for (const auto& [k, v] : j["cgroup_paths"].items())
            if (v.is_string()) s.cgroup_paths[k] = v.get<std::string>();
    return s;
}

std::string to_json(const ContainerState& s) {
    json j;
    j["id"] = s.id;
    j["pid"] = s.pid;
    j["start_time"] = s.start_time;
    j["bundle"] = s.bundle;
    j["rootfs"] = s.rootfs;
    j["created"] = s.created;
    j["owner"] = s.owner;
    j["cgroup_paths"] = s.cgroup_paths;
    // The config goes in as the text it was parsed from (valid JSON), not parsed a second time.
    std::string text = j.dump();
    text.pop_back();  // '}'
    return text + ",\"config\":" + (s.config_json.empty() ? std::string("{}") : s.config_json) + "}";
}

}  // namespace

Result<ContainerState> StateStore::load(const std::string& id) const {
    TRY(validate_id(id));
    auto text = sys::read_file(dir_of(id) + "/" + kStateFile);
    if (!text) {
        if (text.error().errnum == ENOENT) return Error{"container does not exist", ENOENT};
        return std::move(text).error();
    }
    // to_json writes the config last, as the text it was parsed from: it is taken back as that
    // text, not parsed with the rest and dumped again. (`,"config":` is found nowhere before it:
    // a quote inside a JSON string is escaped, and no other key is "config".)
    constexpr std::string_view kConfigKey = ",\"config\":";
    std::string_view whole = *text;
    size_t at = whole.find(kConfigKey);
    bool config_last = at != std::string_view::npos && !whole.empty() && whole.back() == '}';
    json j = json::parse(config_last ? std::string(whole.substr(0, at)) + "}" : *text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return Error::msg("corrupt state file " + dir_of(id) + "/" + kStateFile);
    ContainerState state = from_json(j, id);
    if (config_last) {
        size_t from = at + kConfigKey.size();
        state.config_json = std::string(whole.substr(from, whole.size() - 1 - from));
    }
    return state;
}

Result<std::optional<ContainerState>> StateStore::lock_abandoned(const std::string& id, sys::Fd& lock) const {
    TRY(validate_id(id));
    std::string dir = dir_of(id);
    sys::Fd fd = TRY(lock_directory(dir));
    if (::faccessat(fd.get(), kStateFile, F_OK, 0) == 0) return Error{"container exists: " + id, EEXIST};
    lock = std::move(fd);
    std::optional<ContainerState> out;
    if (auto text = sys::read_file(dir + "/" + kCreatingFile)) {
        json j = json::parse(*text, nullptr, false);
        if (!j.is_discarded() && j.is_object()) out = from_json(j, id);
    }
    return out;
}

Status StateStore::save(const ContainerState& s) const {
    return sys::write_file_atomic(dir_of(s.id) + "/" + kStateFile, to_json(s));
}

Status StateStore::stage(const ContainerState& s, size_t creating_size) const {
    // Not truncated first unless it must be: never empty, so a `delete` after our death still
    // finds the cgroup in it. (The full state is longer: every value creating.json has, and more.)
    std::string text = to_json(s);
    int flags = O_WRONLY | O_CREAT | (text.size() < creating_size ? O_TRUNC : 0);
    return sys::write_file(dir_of(s.id) + "/" + kCreatingFile, text, flags, 0600);
}

Status StateStore::publish(const std::string& id) const {
    std::string dir = dir_of(id);
    // creating.json keeps its name too (create_dir looks for it): remove() unlinks both.
    if (::link((dir + "/" + kCreatingFile).c_str(), (dir + "/" + kStateFile).c_str()) < 0)
        return Error::sys("link " + dir + "/" + kStateFile);
    return {};
}

Result<size_t> StateStore::save_creating(const ContainerState& s) const {
    std::string text = to_json(s);
    TRY(sys::write_file(dir_of(s.id) + "/" + kCreatingFile, text, O_WRONLY | O_CREAT | O_EXCL, 0600));
    return text.size();
}

Status StateStore::remove(const std::string& id) const {
    std::string dir = dir_of(id);
    // The fifo is gone once started, the temporary file unless a save was cut short, the exec
    // mark most often absent: looked for only when the directory is not empty without them.
    for (const char* name : {kStateFile, kCreatingFile}) ::unlink((dir + "/" + name).c_str());
    if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return {};
    for (const char* name : {kExecFifo, kStateTmpFile, kPtraceGranted}) ::unlink((dir + "/" + name).c_str());
    ::unlink((dir + "/" + kNotifyDir + "/" + kNotifySocketName).c_str());
    ::rmdir((dir + "/" + kNotifyDir).c_str());
    if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return {};
    // Something of another's (a file put there, an older rong's): without state.json the container
    // is gone, and a directory left would fail every later delete. Its files go, and empty
    // directories (runc removes it all).
    if (errno == ENOTEMPTY) {
        if (DIR* d = ::opendir(dir.c_str())) {
            while (struct dirent* e = ::readdir(d)) {
                std::string name = e->d_name;
                if (name == "." || name == "..") continue;
                if (::unlinkat(::dirfd(d), name.c_str(), 0) < 0 && errno == EISDIR) ::unlinkat(::dirfd(d), name.c_str(), AT_REMOVEDIR);
            }
            ::closedir(d);
        }
    }
    if (::rmdir(dir.c_str()) < 0 && errno != ENOENT) return Error::sys("remove " + dir);
    return {};
}

Result<std::vector<std::string>> StateStore::ids() const {
    std::vector<std::string> out;
    DIR* d = ::opendir(root_.c_str());
    if (!d) {
        if (errno == ENOENT) return out;
        return Error::sys("open state root " + root_);
    }
    while (struct dirent* e = ::readdir(d)) {
        std::string name = e->d_name;
        if (name == "." || name == ".." || !validate_id(name)) continue;
        if (::access((root_ + "/" + name + "/" + kStateFile).c_str(), F_OK) == 0) out.push_back(name);
    }
    ::closedir(d);
    std::sort(out.begin(), out.end());
    return out;
}

ContainerStatus status_of(const ContainerState& state, const std::string& dir) {
    if (!sys::process_alive(state.pid, state.start_time)) return ContainerStatus::stopped;
    return status_of_live(state, dir);
}

ContainerStatus status_of_live(const ContainerState& state, const std::string& dir) {
    // Frozen first: a created container can be paused too (runc).
    if (auto cg = cgroups::from_paths(state.cgroup_paths); cg && cg->frozen()) return ContainerStatus::paused;
    if (::access((dir + "/" + kExecFifo).c_str(), F_OK) == 0) return ContainerStatus::created;
    return ContainerStatus::running;
}

std::string state_json(const ContainerState& s, ContainerStatus status, bool pretty) {
    json j;
    json config = json::parse(s.config_json.empty() ? "{}" : s.config_json, nullptr, false);
    j["ociVersion"] = config.is_object() ? config.value("ociVersion", "") : "";
    j["id"] = s.id;
    j["pid"] = status == ContainerStatus::stopped ? 0 : s.pid;
    j["status"] = to_string(status);
    j["bundle"] = s.bundle;
    j["rootfs"] = s.rootfs;
    j["created"] = s.created;
    if (config.is_object() && config.contains("annotations") && !config["annotations"].empty())
        j["annotations"] = nlohmann::json(config["annotations"]);  // sorted keys, as Go writes maps
    j["owner"] = s.owner;
    return pretty ? j.dump(2) : j.dump();
}

std::string hook_state_json(const ContainerState& s, ContainerStatus status, const spec::Config& config) {
    json j;
    j["ociVersion"] = config.ociVersion;
    j["id"] = s.id;
    j["status"] = to_string(status);
    if (s.pid > 0 && status != ContainerStatus::stopped) j["pid"] = s.pid;
    j["bundle"] = s.bundle;
    if (!config.annotations.empty()) j["annotations"] = config.annotations;
    return j.dump();
}

std::string now_rfc3339() {
    struct timespec ts {};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    // The calendar by arithmetic: gmtime_r and strftime load the time zone (/etc/localtime) on
    // first use, which UTC does not need.
    using namespace std::chrono;
    sys_seconds secs{seconds{ts.tv_sec}};
    sys_days day = floor<days>(secs);
    year_month_day ymd{day};
    hh_mm_ss<seconds> hms{secs - day};
    char buf[64];
    int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02ld:%02ld:%02ld", static_cast<int>(ymd.year()),
                          static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                          static_cast<long>(hms.hours().count()), static_cast<long>(hms.minutes().count()),
                          static_cast<long>(hms.seconds().count()));
    std::string out(buf, n > 0 ? static_cast<size_t>(n) : 0);
    // Go's RFC3339Nano, which runc writes: trailing zeros of the fraction are dropped.
    if (ts.tv_nsec) {
        char frac[16];
        std::snprintf(frac, sizeof frac, ".%09ld", ts.tv_nsec);
        std::string f = frac;
        while (f.back() == '0') f.pop_back();
        out += f;
    }
    return out + "Z";
}

}  // namespace rong::container
