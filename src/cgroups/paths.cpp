// Where the cgroup goes: the mode, the hierarchies mounted, and runc's placement rules. Pure but
// for detect_mode.
#include <linux/magic.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <array>

#include "base/strings.hpp"
#include "cgroups/cgroups.hpp"

namespace rong::cgroups {

namespace {

// The v1 controllers rong places containers in (runc's list), in a fixed order.
constexpr std::array<const char*, 14> kV1Controllers = {
    "cpuset", "devices", "memory", "cpu",  "cpuacct", "pids",  "blkio",
    "hugetlb", "net_cls", "net_prio", "perf_event", "freezer", "rdma", "name=systemd"};

bool managed_v1(const std::string& name) {
    return std::find(kV1Controllers.begin(), kV1Controllers.end(), name) != kV1Controllers.end();
}

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 3 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1]))) {
            out += static_cast<char>(std::stoi(s.substr(i + 1, 3), nullptr, 8));
            i += 3;
        } else {
            out += s[i];
        }
    }
    return out;
}

std::string join(const std::string& a, const std::string& b) {
    if (b.empty() || b == "/") return a;
    if (a.empty()) return b;
    std::string out = a;
    if (out.back() == '/') out.pop_back();
    return out + (b.front() == '/' ? "" : "/") + b;
}

// A ".." component: in /proc/self/cgroup and mountinfo, a cgroup above the cgroup namespace's root.
// (Looked for in place: it runs for every hierarchy on each create.)
bool climbs(std::string_view path) {
    for (size_t start = 0; start <= path.size();) {
        size_t end = std::min(path.find('/', start), path.size());
        if (path.substr(start, end - start) == "..") return true;
        start = end + 1;
    }
    return false;
}

}  // namespace

std::optional<std::string> below_root(const Hierarchy& h, const std::string& cgroup) {
    if (climbs(h.root) || climbs(cgroup) || !path_within(cgroup, h.root)) return std::nullopt;
    if (h.root == "/") return cgroup;
    return cgroup.size() == h.root.size() ? "/" : cgroup.substr(h.root.size());
}

Status check_placement(const std::vector<Hierarchy>& hierarchies, const std::map<std::string, std::string>& own,
                       const Paths& paths, const std::string& cgroups_path,
                       const std::function<bool(const std::string&)>& exists) {
    const std::string what =
        cgroups_path.empty() ? "the container's cgroup (no cgroupsPath)" : "cgroupsPath " + cgroups_path;
    bool relative = cgroups_path.empty() || cgroups_path.front() != '/';
    for (const auto& h : hierarchies) {
        std::string key = h.v2 ? "" : (h.controllers.empty() ? "" : h.controllers.front());
        auto it = paths.find(key);
        auto mine = own.find(key);
        if (it == paths.end() || mine == own.end()) continue;
        const std::string& dir = it->second;
        // (built only when given: this runs for every hierarchy on each create)
        auto held = [&] {
            return Error::msg(what + ": " + dir + " is the runtime's own cgroup or one of its ancestors");
        };
        if (dir == h.mountpoint) return held();
        auto visible = below_root(h, mine->second);
        if (!visible) {
            // No name under this mount is rong's cgroup: the mount shows a cgroup beside it, or
            // one above the cgroup namespace (a host's tree bound in), where it is somewhere below.
            std::string where = "the runtime's cgroup " + mine->second + " cannot be found below " + h.mountpoint +
                                " (which shows the cgroup " + h.root + ")";
            if (relative) return Error::msg(what + ": " + where + ", so a relative path has no place there");
            if (climbs(h.root) && exists(dir))
                return Error::msg(what + ": " + dir + " exists, and " + where +
                                  ": it could be the runtime's own cgroup or one of its ancestors");
            continue;
        }
        if (path_within(h.mountpoint + (*visible == "/" ? "" : *visible), dir)) return held();
    }
    return {};
}

std::string parent_of(const std::string& path) {
    auto slash = path.rfind('/');
    return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}

const char* to_string(Mode m) {
    switch (m) {
        case Mode::legacy: return "legacy";
        case Mode::hybrid: return "hybrid";
        case Mode::unified: return "unified";
    }
    return "unknown";
}

Mode detect_mode(const std::string& mount_root) {
    struct statfs st {};
    if (::statfs(mount_root.c_str(), &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC) return Mode::unified;
    struct statfs un {};
    std::string unified = mount_root + "/unified";
    if (::statfs(unified.c_str(), &un) == 0 && un.f_type == CGROUP2_SUPER_MAGIC) return Mode::hybrid;
    return Mode::legacy;
}

std::vector<Hierarchy> parse_mountinfo(std::string_view text) {
    std::vector<Hierarchy> mounted;
    for (const auto& line : split(text, '\n')) {
        std::vector<std::string> f = split_words(line);
        auto dash = std::find(f.begin(), f.end(), "-");
        if (f.size() < 5 || dash == f.end() || dash + 3 > f.end()) continue;
        // Mounts are listed oldest first: one made later on or above an earlier cgroup mount's
        // path hides it (cgroup2 bound on /sys/fs/cgroup over a hybrid host's tree, a tmpfs over
        // /sys/fs/cgroup/unified). A hidden mount's path now names something else.
        std::string mountpoint = unescape(f[4]);
        std::erase_if(mounted, [&](const Hierarchy& o) {
            return path_within(o.mountpoint, mountpoint);
        });
        const std::string& fstype = *(dash + 1);
        if (fstype != "cgroup" && fstype != "cgroup2") continue;
        Hierarchy h;
        h.root = unescape(f[3]);
        h.mountpoint = std::move(mountpoint);
        h.v2 = fstype == "cgroup2";
        if (!h.v2) {
            for (const auto& opt : split(*(dash + 3), ','))
                if (managed_v1(opt) || opt.rfind("name=", 0) == 0) h.controllers.push_back(opt);
            if (h.controllers.empty()) continue;
        }
        mounted.push_back(std::move(h));
    }
    // A hierarchy mounted twice (a bind elsewhere): its mount under /sys/fs/cgroup serves, where
    // detect_mode (and statmount) looked; else the first one still reachable.
    std::vector<Hierarchy> out;
    for (auto& h : mounted) {
        auto same = std::find_if(out.begin(), out.end(), [&](const Hierarchy& o) {
            return o.v2 == h.v2 && o.controllers == h.controllers;
        });
        if (same == out.end())
            out.push_back(std::move(h));
        else if (!path_within(same->mountpoint, "/sys/fs/cgroup") && path_within(h.mountpoint, "/sys/fs/cgroup"))
            *same = std::move(h);
    }
    return out;
}

std::map<std::string, std::string> parse_proc_cgroup(std::string_view text) {
    std::map<std::string, std::string> out;
    for (const auto& line : split(text, '\n')) {
        auto a = line.find(':');
        auto b = a == std::string::npos ? a : line.find(':', a + 1);
        if (b == std::string::npos) continue;
        std::string controllers = line.substr(a + 1, b - a - 1);
        std::string path = line.substr(b + 1);
        if (controllers.empty()) {
            out[""] = path;
            continue;
        }
        for (const auto& c : split(controllers, ',')) out[c] = path;
    }
    return out;
}

std::string clean_path(const std::string& path) {
    std::vector<std::string> parts;
    for (const auto& p : split(path, '/')) {
        if (p.empty() || p == ".") continue;
        if (p == "..") {
            if (!parts.empty()) parts.pop_back();
            continue;
        }
        parts.push_back(p);
    }
    std::string out = !path.empty() && path.front() == '/' ? "/" : "";
    for (size_t i = 0; i < parts.size(); ++i) out += (i ? "/" : "") + parts[i];
    return out;
}

Result<Paths> sub_cgroup_paths(Paths paths, const std::vector<std::string>& sub_cgroups) {
    for (const auto& arg : sub_cgroups) {
        auto colon = arg.find(':');
        std::string controllers = colon == std::string::npos ? "" : "," + arg.substr(0, colon) + ",";
        std::string given = colon == std::string::npos ? arg : arg.substr(colon + 1);
        // (cleaned, "../.." would just be the container's own cgroup: runc refuses it, as a typo)
        for (const auto& part : split(given, '/'))
            if (part == "..") return Error::msg("--cgroup " + arg + ": " + given + " is not a sub cgroup path");
        std::string sub = clean_path("/" + given);
        bool matched = false;
        for (auto& [key, dir] : paths) {
            if (!controllers.empty() && controllers.find("," + key + ",") == std::string::npos) continue;
            std::string target = sub == "/" ? dir : dir + sub;
            if (::access(target.c_str(), F_OK) < 0) return Error::sys("--cgroup " + arg + ": " + target);
            dir = target;
            matched = true;
        }
        if (!matched) return Error::msg("--cgroup " + arg + ": the container has no such controller");
    }
    return paths;
}

Status check_cgroups_path(const std::string& cgroups_path) {
    if (climbs(cgroups_path))
        return Error::msg("linux.cgroupsPath \"" + cgroups_path +
                          "\": \"..\" is not allowed (the path must stay inside the cgroup hierarchy)");
    return {};
}

Paths compute_paths(Mode mode, const std::vector<Hierarchy>& hierarchies,
                    const std::map<std::string, std::string>& own, const std::string& cgroups_path,
                    const std::string& id) {
    Paths paths;
    std::string inner = clean_path(cgroups_path.empty() ? id : cgroups_path);
    bool absolute = !inner.empty() && inner.front() == '/';
    for (const auto& h : hierarchies) {
        std::vector<std::string> keys;
        if (h.v2) {
            if (mode == Mode::legacy) continue;
            keys.push_back("");
        } else {
            if (mode == Mode::unified) continue;
            for (const auto& c : h.controllers)
                if (managed_v1(c)) keys.push_back(c);
            if (keys.empty()) continue;
        }
        std::string path;
        if (absolute) {
            path = join(h.mountpoint, inner);
        } else {
            auto it = own.find(keys.front());
            std::string mine = it == own.end() ? "/" : it->second;
            mine = below_root(h, mine).value_or(mine);  // (check_placement refuses the other case)
            if (mode == Mode::unified) mine = parent_of(mine);
            path = join(join(h.mountpoint, mine), inner);
        }
        for (const auto& k : keys) paths[k] = path;
    }
    return paths;
}

}  // namespace rong::cgroups
