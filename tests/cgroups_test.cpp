// cgroups/: mountinfo and /proc/self/cgroup parsing, runc's placement, resources → file writes
// (v1 and v2, with the conversions), and the managers on a fake hierarchy in a temp dir.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "base/strings.hpp"
#include "cgroups/cgroups.hpp"
#include "cgroups/device_filter.hpp"
#include "sys/file.hpp"

namespace rong::cgroups {
namespace {

namespace fs = std::filesystem;

const char* kHybridMountinfo =
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices\n"
    "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
    "50 31 0:29 /x /mnt/cpu\\040bind rw,relatime - cgroup cgroup rw,cpu\n";

const char* kOwn =
    "9:name=systemd:/\n8:pids:/\n4:memory:/process_api/abc\n2:cpuacct:/\n1:cpu:/\n5:devices:/\n0::/\n";

TEST(Cgroups, ParseMountinfo) {
    auto h = parse_mountinfo(kHybridMountinfo);
    ASSERT_EQ(h.size(), 7u);  // the second mount of the cpu hierarchy is not a new one
    EXPECT_EQ(h[0].mountpoint, "/sys/fs/cgroup/cpu");
    EXPECT_EQ(h[0].controllers, std::vector<std::string>{"cpu"});
    EXPECT_EQ(h[5].controllers, std::vector<std::string>{"name=systemd"});
    EXPECT_TRUE(h[6].v2);
    EXPECT_EQ(h[6].mountpoint, "/sys/fs/cgroup/unified");
    // Mounted elsewhere before: the mount under /sys/fs/cgroup, where rong looks, serves.
    auto twice = parse_mountinfo("20 1 0:40 /sub /mnt/cg rw - cgroup2 cgroup2 rw\n"
                                 "21 1 0:40 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
    ASSERT_EQ(twice.size(), 1u);
    EXPECT_EQ(twice[0].mountpoint, "/sys/fs/cgroup");
    EXPECT_EQ(twice[0].root, "/");
    // ... on a hybrid host too, and for a v1 hierarchy; a path that only shares the prefix is not under it.
    auto hybrid = parse_mountinfo("20 1 0:40 / /run/cg2 rw - cgroup2 cgroup2 rw\n"
                                  "21 1 0:41 /x /mnt/mem rw - cgroup cgroup rw,memory\n"
                                  "22 1 0:40 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n"
                                  "23 1 0:41 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
                                  "24 1 0:42 / /sys/fs/cgroupx/pids rw - cgroup cgroup rw,pids\n"
                                  "25 1 0:42 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n"
                                  "26 1 0:43 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n"
                                  "27 1 0:43 / /sys/fs/cgroupx/cpu rw - cgroup cgroup rw,cpu\n");
    ASSERT_EQ(hybrid.size(), 4u);
    EXPECT_EQ(hybrid[0].mountpoint, "/sys/fs/cgroup/unified");
    EXPECT_EQ(hybrid[1].mountpoint, "/sys/fs/cgroup/memory");
    EXPECT_EQ(hybrid[1].root, "/");
    EXPECT_EQ(hybrid[2].mountpoint, "/sys/fs/cgroup/pids");
    EXPECT_EQ(hybrid[3].mountpoint, "/sys/fs/cgroup/cpu");
    auto co = parse_mountinfo("1 2 0:1 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n");
    ASSERT_EQ(co.size(), 1u);
    EXPECT_EQ(co[0].controllers, (std::vector<std::string>{"cpu", "cpuacct"}));
}

TEST(Cgroups, ParseMountinfoSkipsHiddenMounts) {
    // The hybrid tree with the cgroup2 hierarchy bound on /sys/fs/cgroup over it (the bench's
    // cgroup v2 view): only the bind is reachable.
    auto v2 = parse_mountinfo(std::string(kHybridMountinfo) +
                              "60 31 0:38 / /sys/fs/cgroup rw,relatime - cgroup2 cgroup2 rw\n");
    ASSERT_EQ(v2.size(), 2u);  // and the bind of cpu at /mnt, outside the covered tree
    EXPECT_EQ(v2[0].mountpoint, "/mnt/cpu bind");
    EXPECT_TRUE(v2[1].v2);
    EXPECT_EQ(v2[1].mountpoint, "/sys/fs/cgroup");
    // crun's way onto a hybrid host: an empty tmpfs over the cgroup2 mount leaves v1 alone.
    auto v1 = parse_mountinfo(std::string(kHybridMountinfo) +
                              "61 41 0:50 / /sys/fs/cgroup/unified rw - tmpfs tmpfs rw\n");
    EXPECT_EQ(v1.size(), 6u);
    EXPECT_TRUE(std::none_of(v1.begin(), v1.end(), [](const Hierarchy& h) { return h.v2; }));
}

TEST(Cgroups, ParseProcCgroup) {
    auto own = parse_proc_cgroup("3:cpu,cpuacct:/a\n0::/b\n1:name=systemd:/c\n");
    EXPECT_EQ(own["cpu"], "/a");
    EXPECT_EQ(own["cpuacct"], "/a");
    EXPECT_EQ(own[""], "/b");
    EXPECT_EQ(own["name=systemd"], "/c");
}

TEST(Cgroups, CleanPath) {
    EXPECT_EQ(clean_path("/a//b/./c/"), "/a/b/c");
    EXPECT_EQ(clean_path("/../../a"), "/a");
    EXPECT_EQ(clean_path("../../a/b"), "a/b");
    EXPECT_EQ(clean_path("a/../../b"), "b");
    EXPECT_EQ(clean_path(""), "");
}

TEST(Cgroups, DotDotRefused) {
    EXPECT_TRUE(check_cgroups_path("/a/b"));
    EXPECT_TRUE(check_cgroups_path("a..b/c.."));
    EXPECT_TRUE(check_cgroups_path(""));
    for (const char* bad : {"/../x", "a/../b", "..", "/a/.."}) {
        auto st = check_cgroups_path(bad);
        ASSERT_FALSE(st) << bad;
        EXPECT_NE(st.error().message.find("linux.cgroupsPath"), std::string::npos);
    }
}

TEST(Cgroups, PathsLikeRunc) {
    auto h = parse_mountinfo(kHybridMountinfo);
    auto own = parse_proc_cgroup(kOwn);
    // Empty: <own cgroup>/<id> in every hierarchy, the unified one too on a hybrid host.
    auto p = compute_paths(Mode::hybrid, h, own, "", "c1");
    EXPECT_EQ(p["memory"], "/sys/fs/cgroup/memory/process_api/abc/c1");
    EXPECT_EQ(p["cpu"], "/sys/fs/cgroup/cpu/c1");
    EXPECT_EQ(p["name=systemd"], "/sys/fs/cgroup/systemd/c1");
    EXPECT_EQ(p[""], "/sys/fs/cgroup/unified/c1");
    // Absolute: directly under each mount.
    p = compute_paths(Mode::hybrid, h, own, "/a/b", "c1");
    EXPECT_EQ(p["memory"], "/sys/fs/cgroup/memory/a/b");
    EXPECT_EQ(p["pids"], "/sys/fs/cgroup/pids/a/b");
    // Relative: under the own cgroup; ".." cannot climb out.
    p = compute_paths(Mode::hybrid, h, own, "../x/y", "c1");
    EXPECT_EQ(p["memory"], "/sys/fs/cgroup/memory/process_api/abc/x/y");
    // Legacy leaves the unified tree out; unified uses it alone.
    EXPECT_EQ(compute_paths(Mode::legacy, h, own, "/a", "c").count(""), 0u);
    // On a v2 host, a relative path goes under the own cgroup's parent (runc 1.1's fs2).
    auto v2 = parse_mountinfo("1 2 0:1 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
    auto u = compute_paths(Mode::unified, v2, parse_proc_cgroup("0::/user.slice/user-0.slice/session-1.scope\n"), "", "c1");
    ASSERT_EQ(u.size(), 1u);
    EXPECT_EQ(u[""], "/sys/fs/cgroup/user.slice/user-0.slice/c1");
    EXPECT_EQ(compute_paths(Mode::unified, v2, parse_proc_cgroup("0::/user.slice\n"), "x/y", "c1")[""],
              "/sys/fs/cgroup/x/y");
    EXPECT_EQ(compute_paths(Mode::unified, v2, parse_proc_cgroup("0::/\n"), "", "c1")[""], "/sys/fs/cgroup/c1");
    EXPECT_EQ(compute_paths(Mode::unified, v2, parse_proc_cgroup("0::/user.slice\n"), "/abs", "c1")[""],
              "/sys/fs/cgroup/abs");
    // ... relative to what the mount shows: a subtree bound on /sys/fs/cgroup.
    auto sub = parse_mountinfo("1 2 0:1 /outer /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
    EXPECT_EQ(compute_paths(Mode::unified, sub, parse_proc_cgroup("0::/outer/inner\n"), "", "c1")[""],
              "/sys/fs/cgroup/c1");
    EXPECT_EQ(compute_paths(Mode::unified, sub, parse_proc_cgroup("0::/outer/a/b\n"), "", "c1")[""],
              "/sys/fs/cgroup/a/c1");
}

TEST(Cgroups, SubCgroupPathsStayBelowTheContainer) {
    fs::path tmp = fs::temp_directory_path() / ("rong-subcg-" + std::to_string(::getpid()));
    for (const char* d : {"memory/c/sub", "pids/c/sub", "pids/c/other", "unified/c/sub"})
        fs::create_directories(tmp / d);
    const Paths paths{{"memory", tmp / "memory/c"}, {"pids", tmp / "pids/c"}, {"", tmp / "unified/c"}};

    auto all = sub_cgroup_paths(paths, {"sub"});
    ASSERT_TRUE(all) << all.error().message;
    for (const auto& [key, dir] : *all) EXPECT_EQ(dir, paths.at(key) + "/sub") << key;

    auto some = sub_cgroup_paths(paths, {"pids:other", "memory:/sub"});
    ASSERT_TRUE(some) << some.error().message;
    EXPECT_EQ(some->at("pids"), paths.at("pids") + "/other");
    EXPECT_EQ(some->at("memory"), paths.at("memory") + "/sub");
    EXPECT_EQ(some->at(""), paths.at(""));

    // ".." is refused, as runc does (cleaned, it could not have climbed out anyway)
    auto climb = sub_cgroup_paths(paths, {"memory,pids:../../sub"});
    ASSERT_FALSE(climb);
    EXPECT_EQ(climb.error().message, "--cgroup memory,pids:../../sub: ../../sub is not a sub cgroup path");
    EXPECT_FALSE(sub_cgroup_paths(paths, {"sub/.."}));

    EXPECT_FALSE(sub_cgroup_paths(paths, {"memory:other"}));  // does not exist
    auto unknown = sub_cgroup_paths(paths, {"cpu:sub"});
    ASSERT_FALSE(unknown);
    EXPECT_NE(unknown.error().message.find("no such controller"), std::string::npos);
    fs::remove_all(tmp);
}

TEST(Cgroups, PathsRelativeToMountRoot) {
    // Inside a container the hierarchy's root is the container's cgroup: /proc/self/cgroup
    // (without a cgroup namespace) names the full path.
    auto h = parse_mountinfo("1 2 0:1 /outer /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n");
    auto p = compute_paths(Mode::legacy, h, parse_proc_cgroup("4:memory:/outer/inner\n"), "", "c");
    EXPECT_EQ(p["memory"], "/sys/fs/cgroup/memory/inner/c");
    // Stripped by components: a cgroup beside the root that shares its prefix is not below it.
    p = compute_paths(Mode::legacy, h, parse_proc_cgroup("4:memory:/outerx/inner\n"), "", "c");
    EXPECT_EQ(p["memory"], "/sys/fs/cgroup/memory/outerx/inner/c");
    EXPECT_EQ(below_root(h.front(), "/outer"), "/");
    EXPECT_EQ(below_root(h.front(), "/outer/a/b"), "/a/b");
    EXPECT_EQ(below_root(h.front(), "/outerx"), std::nullopt);
    // A host's tree bound into a container with a cgroup namespace: the mount's root is above the
    // namespace's, and no path below the mount can be told to be the runtime's cgroup.
    auto host = parse_mountinfo("1 2 0:1 /../.. /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
    EXPECT_EQ(below_root(host.front(), "/"), std::nullopt);
    EXPECT_EQ(below_root(parse_mountinfo("1 2 0:1 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n").front(), "/../x"),
              std::nullopt);
}

TEST(Cgroups, PlacementNeverHoldsTheRuntime) {
    auto never = [](const std::string&) { return false; };
    auto always = [](const std::string&) { return true; };
    auto placed = [](const std::vector<Hierarchy>& h, const std::string& own, const std::string& path,
                     const std::function<bool(const std::string&)>& exists) {
        auto mine = parse_proc_cgroup(own);
        return check_placement(h, mine, compute_paths(Mode::unified, h, mine, path, "c1"), path, exists);
    };
    auto whole = parse_mountinfo("1 2 0:1 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
    for (const char* held : {"/", "/a", "/a/b"}) {
        auto st = placed(whole, "0::/a/b\n", held, never);
        ASSERT_FALSE(st) << held;
        EXPECT_EQ(st.error().message, std::string("cgroupsPath ") + held + ": /sys/fs/cgroup" +
                                          (std::string(held) == "/" ? "" : held) +
                                          " is the runtime's own cgroup or one of its ancestors");
    }
    EXPECT_TRUE(placed(whole, "0::/a/b\n", "/a/bc", always));
    EXPECT_TRUE(placed(whole, "0::/a/b\n", "", always));
    EXPECT_TRUE(placed(whole, "0::/a/b\n", "x/y", always));

    // A subtree bound on /sys/fs/cgroup: rong's cgroup /outer/inner is /inner there.
    auto sub = parse_mountinfo("1 2 0:1 /outer /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
    EXPECT_FALSE(placed(sub, "0::/outer/inner\n", "/inner", never));
    EXPECT_TRUE(placed(sub, "0::/outer/inner\n", "/outer/inner", always));  // a cgroup of that name below
    EXPECT_TRUE(placed(sub, "0::/outer/inner\n", "", never));

    // The host's tree under a cgroup namespace: rong is somewhere below the mount, by no name.
    auto host = parse_mountinfo("1 2 0:1 /../.. /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
    auto st = placed(host, "0::/\n", "", never);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().message, "the container's cgroup (no cgroupsPath): the runtime's cgroup / cannot be found "
                                  "below /sys/fs/cgroup (which shows the cgroup /../..), so a relative path has no "
                                  "place there");
    EXPECT_FALSE(placed(host, "0::/\n", "/system.slice/docker-x.scope", always));
    EXPECT_TRUE(placed(host, "0::/\n", "/new", never));

    // The mount shows a cgroup beside rong's: nothing there holds it, but a relative path has no place.
    EXPECT_FALSE(placed(sub, "0::/other/inner\n", "x", never));
    EXPECT_TRUE(placed(sub, "0::/other/inner\n", "/other/inner", always));
}

TEST(Cgroups, PathWithinByComponents) {
    EXPECT_TRUE(path_within("/a/b", "/a"));
    EXPECT_TRUE(path_within("/a", "/a"));
    EXPECT_FALSE(path_within("/ab", "/a"));
    EXPECT_FALSE(path_within("/a", "/a/b"));
    EXPECT_TRUE(path_within("/a", "/"));
    EXPECT_TRUE(path_within("/", "/"));
    EXPECT_FALSE(path_within("a", "/"));
}

TEST(Cgroups, V1MemoryOrder) {
    spec::Resources r;
    r.memory.emplace();
    r.memory->limit = 100;
    r.memory->swap = 200;
    // A fresh cgroup (limit unlimited): memory first, then memsw.
    auto w = *v1_writes(r);
    ASSERT_EQ(w.size(), 2u);
    EXPECT_EQ(w[0], (Write{"memory", "memory.limit_in_bytes", "100"}));
    EXPECT_EQ(w[1], (Write{"memory", "memory.memsw.limit_in_bytes", "200"}));
    // Growing past the current limit: memsw first.
    w = *v1_writes(r, Current{50});
    EXPECT_EQ(w[0].file, "memory.memsw.limit_in_bytes");
    // Unlimited memory with swap unsaid: swap unlimited too, written first.
    r.memory->limit = -1;
    r.memory->swap.reset();
    w = *v1_writes(r);
    ASSERT_EQ(w.size(), 2u);
    EXPECT_EQ(w[0], (Write{"memory", "memory.memsw.limit_in_bytes", "-1"}));
}

TEST(Cgroups, V1Writes) {
    spec::Resources r;
    r.memory.emplace();
    r.memory->reservation = 10;
    r.memory->swappiness = 60;
    r.memory->disableOOMKiller = true;
    r.cpu.emplace();
    r.cpu->shares = 512;
    r.cpu->quota = 50000;
    r.cpu->period = 100000;
    r.cpu->cpus = "0";
    r.pidsLimit = -1;
    r.blockIO.emplace();
    r.blockIO->weight = 500;
    r.blockIO->throttleReadBpsDevice.push_back({8, 0, 1048576});
    r.hugepageLimits.push_back({"2MB", 4194304});
    auto w = *v1_writes(r);
    std::vector<Write> want = {
        {"cpu", "cpu.shares", "512"},
        {"cpu", "cpu.cfs_period_us", "100000", Tolerate::invalid},
        {"cpu", "cpu.cfs_quota_us", "50000"},
        {"cpu", "cpu.cfs_period_us", "100000"},
        {"cpuset", "cpuset.cpus", "0"},
        {"memory", "memory.soft_limit_in_bytes", "10"},
        {"memory", "memory.oom_control", "1"},
        {"memory", "memory.swappiness", "60"},
        {"pids", "pids.max", "max"},
        {"blkio", "blkio.weight", "500"},
        {"blkio", "blkio.throttle.read_bps_device", "8:0 1048576"},
        {"hugetlb", "hugetlb.2MB.limit_in_bytes", "4194304"},
    };
    EXPECT_EQ(w, want);
    r.unified["memory.high"] = "1";
    EXPECT_FALSE(v1_writes(r));
}

// What runc refuses or writes, v1 too: swappiness above 100 (-1, unsigned, leaves the kernel's
// value), rdma limits to the rdma controller.
TEST(Cgroups, V1SwappinessAndRdma) {
    spec::Resources r;
    r.memory.emplace();
    r.memory->swappiness = 200;
    EXPECT_FALSE(v1_writes(r));
    r.memory->swappiness = std::numeric_limits<uint64_t>::max();
    EXPECT_TRUE(v1_writes(r)->empty());
    r.memory->swappiness = 60;
    EXPECT_EQ(v1_writes(r)->at(0), (Write{"memory", "memory.swappiness", "60"}));
    spec::Resources rdma;
    rdma.rdma["mlx5_0"].hcaHandles = 1;
    auto w = v1_writes(rdma);
    ASSERT_EQ(w->size(), 1u);
    EXPECT_EQ(w->at(0), (Write{"rdma", "rdma.max", "mlx5_0 hca_handle=1"}));
}

TEST(Cgroups, V1Devices) {
    spec::Linux linux;
    spec::DeviceRule deny_all;
    deny_all.access = "rwm";
    linux.resources.emplace();
    linux.resources->devices.push_back(deny_all);
    linux.devices.push_back({"c", "/dev/fuse", 10, 229, {}, {}, {}});
    auto w = v1_device_writes(*emulate_device_rules(resources_for(linux).devices));
    ASSERT_GE(w.size(), 3u);
    EXPECT_EQ(w[0], (Write{"devices", "devices.deny", "a"}));
    // The exceptions in runc's order: by major, minor, type.
    EXPECT_EQ(w[1], (Write{"devices", "devices.allow", "b *:* m"}));
    EXPECT_EQ(w[2], (Write{"devices", "devices.allow", "c *:* m"}));
    // A linux.devices node gets no rule of its own.
    for (const auto& write : w) EXPECT_EQ(write.value.find("10:229"), std::string::npos) << write.value;
    EXPECT_EQ(w.back(), (Write{"devices", "devices.allow", "c 136:* rwm"}));
    // An allow-all rule resets the default: later denials are exceptions.
    spec::DeviceRule allow_all = deny_all;
    allow_all.allow = true;
    spec::DeviceRule deny_one;
    deny_one.type = "b";
    deny_one.major = 8;
    deny_one.access = "w";
    w = v1_device_writes(*emulate_device_rules({deny_all, allow_all, deny_one}));
    ASSERT_EQ(w.size(), 2u);
    EXPECT_EQ(w[0], (Write{"devices", "devices.allow", "a"}));
    EXPECT_EQ(w[1], (Write{"devices", "devices.deny", "b 8:* w"}));
    // What v1 would take silently and mean otherwise is refused, as runc: a hole in a wildcard
    // exception (the kernel ignores that deny), a rule without access.
    spec::DeviceRule allow_chars = allow_all;
    allow_chars.type = "c";
    spec::DeviceRule deny_char = deny_all;
    deny_char.type = "c";
    deny_char.major = 240;
    deny_char.minor = 7;
    EXPECT_FALSE(emulate_device_rules({deny_all, allow_chars, deny_char}));
    spec::DeviceRule no_access = allow_chars;
    no_access.access = "";
    auto refused = emulate_device_rules({deny_all, no_access});
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("devices[1]"), std::string::npos) << refused.error().message;
}

TEST(Cgroups, V2Conversions) {
    EXPECT_EQ(cpu_shares_to_weight(0), 0u);
    EXPECT_EQ(cpu_shares_to_weight(2), 1u);
    EXPECT_EQ(cpu_shares_to_weight(1024), 39u);
    EXPECT_EQ(cpu_shares_to_weight(262144), 10000u);
    EXPECT_EQ(blkio_weight_to_io_weight(10), 1u);
    EXPECT_EQ(blkio_weight_to_io_weight(1000), 10000u);
    EXPECT_EQ(*swap_to_v2(-1, 100), -1);
    EXPECT_EQ(*swap_to_v2(0, 100), 0);
    EXPECT_EQ(*swap_to_v2(300, 100), 200);
    EXPECT_FALSE(swap_to_v2(50, 100));  // memory+swap below memory
    EXPECT_FALSE(swap_to_v2(50, 0));    // swap without a memory limit
    EXPECT_EQ(*swap_to_v2(0, -1), -1);  // unlimited memory: unlimited swap too
    EXPECT_FALSE(swap_to_v2(100, -5));
}

TEST(Cgroups, V2Writes) {
    spec::Resources r;
    r.memory.emplace();
    r.memory->limit = 1000;
    r.memory->swap = 3000;
    r.memory->reservation = 500;
    r.cpu.emplace();
    r.cpu->shares = 1024;
    r.cpu->quota = -1;
    r.cpu->period = 100000;
    r.pidsLimit = 20;
    r.blockIO.emplace();
    r.blockIO->throttleWriteIOPSDevice.push_back({8, 16, 100});
    r.hugepageLimits.push_back({"1GB", 0});
    r.unified["memory.high"] = "900";
    auto w = *v2_writes(r);
    std::vector<Write> want = {
        {"", "cpu.weight", "39"},
        {"", "cpu.max", "max 100000"},
        {"", "memory.swap.max", "2000"},
        {"", "memory.max", "1000"},
        {"", "memory.low", "500"},
        {"", "pids.max", "20"},
        {"", "io.max", "8:16 wiops=100"},
        {"", "hugetlb.1GB.max", "0"},
        {"", "hugetlb.1GB.rsvd.max", "0", Tolerate::missing},
        {"", "memory.high", "900"},
    };
    EXPECT_EQ(w, want);
    EXPECT_EQ(v2_controllers_needed(w), (std::vector<std::string>{"cpu", "memory", "pids", "io", "hugetlb"}));
    r.unified.clear();
    r.unified["../escape"] = "1";
    EXPECT_FALSE(v2_writes(r));
    for (const char* bad : {"", "..", "memory", ".max"}) {
        r.unified.clear();
        r.unified[bad] = "1";
        EXPECT_FALSE(v2_writes(r)) << bad;
    }
}

// Set but left out, as runc 1.1 does; each named in a warning.
TEST(Cgroups, IgnoredSettingsLikeRunc) {
    spec::Resources r;
    r.cpu.emplace();
    r.cpu->realtimeRuntime = 0;  // zero is unset
    r.memory.emplace();
    r.memory->disableOOMKiller = false;
    EXPECT_TRUE(ignored_settings(r, true).empty());
    r.cpu->realtimeRuntime = 5;
    r.memory->kernelTCP = 1 << 20;
    r.memory->disableOOMKiller = true;
    auto v2 = ignored_settings(r, true);
    ASSERT_EQ(v2.size(), 3u);
    EXPECT_NE(v2[0].find("linux.resources.memory.kernelTCP is ignored"), std::string::npos) << v2[0];
    EXPECT_NE(v2[1].find("memory.disableOOMKiller"), std::string::npos) << v2[1];
    EXPECT_NE(v2[2].find("realtime"), std::string::npos) << v2[2];
    // v1 has files for the realtime settings and the OOM killer, none that works for kernel memory.
    EXPECT_EQ(ignored_settings(r, false), std::vector<std::string>{v2[0]});
    auto w = v2_writes(r);
    ASSERT_TRUE(w);
    for (const auto& write : *w) EXPECT_EQ(write.file.find("rt_"), std::string::npos) << write.file;
    auto w1 = v1_writes(r);
    ASSERT_TRUE(w1);
    EXPECT_TRUE(std::none_of(w1->begin(), w1->end(), [](const Write& x) { return x.file.find("kmem") != std::string::npos; }));
    EXPECT_TRUE(std::any_of(w1->begin(), w1->end(), [](const Write& x) { return x.file == "cpu.rt_runtime_us"; }));
}

TEST(Cgroups, V2MemoryLikeRunc) {
    auto writes = [](std::optional<int64_t> limit, std::optional<int64_t> swap) {
        spec::Resources r;
        r.memory.emplace();
        r.memory->limit = limit;
        r.memory->swap = swap;
        r.memory->disableOOMKiller = true;  // no v2 file: the manager warns
        r.memory->kernel = 1 << 20;
        return v2_writes(r);
    };
    // Unlimited memory, swap unsaid: both unlimited (swap may be without accounting).
    EXPECT_EQ(*writes(-1, {}), (std::vector<Write>{{"", "memory.swap.max", "max", Tolerate::missing},
                                                    {"", "memory.max", "max"}}));
    // memory+swap equal to memory: no swap.
    EXPECT_EQ(*writes(100, 100), (std::vector<Write>{{"", "memory.swap.max", "0", Tolerate::missing},
                                                      {"", "memory.max", "100"}}));
    EXPECT_EQ(*writes(100, -1), (std::vector<Write>{{"", "memory.swap.max", "max", Tolerate::missing},
                                                     {"", "memory.max", "100"}}));
    EXPECT_EQ(*writes(100, {}), (std::vector<Write>{{"", "memory.max", "100"}}));
    EXPECT_EQ((*writes(100, 250))[0], (Write{"", "memory.swap.max", "150"}));
    EXPECT_FALSE(writes({}, 100));
    EXPECT_FALSE(writes(-1, 100));
    EXPECT_FALSE(writes(100, 50));
    EXPECT_FALSE(writes(-7, 100));
}

TEST(Cgroups, V2CpuLikeRunc) {
    spec::Resources r;
    r.cpu.emplace();
    r.cpu->idle = 1;
    r.cpu->shares = 1024;
    r.cpu->burst = 1000;
    r.cpu->quota = 50000;
    r.cpu->period = 100000;
    // idle before the weight; the burst tried before cpu.max (EINVAL tolerated) and after it.
    EXPECT_EQ(*v2_writes(r), (std::vector<Write>{{"", "cpu.idle", "1"},
                                                  {"", "cpu.weight", "39"},
                                                  {"", "cpu.max.burst", "1000", Tolerate::invalid},
                                                  {"", "cpu.max", "50000 100000"},
                                                  {"", "cpu.max.burst", "1000"}}));
    spec::Resources burst_only;
    burst_only.cpu.emplace();
    burst_only.cpu->burst = 0;
    EXPECT_EQ(*v2_writes(burst_only), (std::vector<Write>{{"", "cpu.max.burst", "0"}}));
    spec::Resources period_only;
    period_only.cpu.emplace();
    period_only.cpu->period = 50000;
    EXPECT_EQ(*v2_writes(period_only), (std::vector<Write>{{"", "cpu.max", "max 50000"}}));
}

TEST(Cgroups, V2IoHugetlbRdma) {
    spec::Resources r;
    r.blockIO.emplace();
    r.blockIO->weight = 500;
    r.blockIO->weightDevice.push_back({8, 0, 300, {}});
    r.blockIO->throttleReadBpsDevice.push_back({8, 0, 1048576});
    r.rdma["mlx5_1"] = {3, 100};
    r.rdma["mlx4_0"] = {{}, 7};
    r.rdma["hfi1"] = {};  // nothing to limit
    // Without BFQ: io.weight with the converted weight (per device only where iocost is enabled).
    EXPECT_EQ(*v2_writes(r), (std::vector<Write>{{"", "io.weight", "default 4950"},
                                                  {"", "io.weight", "8:0 2930", Tolerate::unsupported},
                                                  {"", "io.max", "8:0 rbps=1048576"},
                                                  {"", "rdma.max", "mlx4_0 hca_object=7"},
                                                  {"", "rdma.max", "mlx5_1 hca_handle=3 hca_object=100"}}));
    // With BFQ: io.bfq.weight takes the blkio weights as they are.
    Current bfq;
    bfq.io_bfq_weight = true;
    auto w = *v2_writes(r, bfq);
    EXPECT_EQ(w[0], (Write{"", "io.bfq.weight", "500"}));
    EXPECT_EQ(w[1], (Write{"", "io.bfq.weight", "8:0 300"}));
    EXPECT_EQ(v2_controllers_needed(w), (std::vector<std::string>{"io", "rdma"}));
}

TEST(Cgroups, V2NegativeLimits) {
    spec::Resources r;
    r.memory.emplace();
    r.memory->limit = -1;
    r.pidsLimit = -1;
    auto w = v2_writes(r);
    ASSERT_TRUE(w);
    auto has = [&](const Write& x) { return std::find(w->begin(), w->end(), x) != w->end(); };
    EXPECT_TRUE(has({"", "memory.max", "max"}));
    EXPECT_TRUE(has({"", "pids.max", "max"}));
    r.memory->limit = -5;
    auto bad = v2_writes(r);
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("linux.resources.memory.limit: -5"), std::string::npos);
    r.memory->limit = 1000;
    r.memory->reservation = -2;
    EXPECT_FALSE(v2_writes(r));
    r.memory->reservation.reset();
    r.pidsLimit = -7;
    EXPECT_FALSE(v2_writes(r));
}

struct FakeRoot {
    fs::path path;
    FakeRoot() {
        std::string tmpl = (fs::temp_directory_path() / "rong-cgroups-test-XXXXXX").string();
        EXPECT_NE(::mkdtemp(tmpl.data()), nullptr);
        path = tmpl;
    }
    ~FakeRoot() { fs::remove_all(path); }
    std::string p(const std::string& rel) const { return (path / rel).string(); }
};

void put(const std::string& path, const std::string& text) { std::ofstream(path) << text; }
std::string get(const std::string& path) { return *sys::read_file(path); }

TEST(Cgroups, V1ManagerOnFakeHierarchy) {
    FakeRoot root;
    fs::create_directories(root.p("cpuset"));
    fs::create_directories(root.p("memory"));
    fs::create_directories(root.p("freezer"));
    put(root.p("cpuset/cpuset.cpus"), "0-3\n");
    put(root.p("cpuset/cpuset.mems"), "0\n");
    Paths paths{{"cpuset", root.p("cpuset/a/c1")}, {"memory", root.p("memory/c1")}, {"freezer", root.p("freezer/c1")}};
    auto m = make_manager(Mode::legacy, paths);
    ASSERT_TRUE(m->create());
    // cpus and mems copied down every level made.
    EXPECT_EQ(get(root.p("cpuset/a/cpuset.cpus")), "0-3");
    EXPECT_EQ(get(root.p("cpuset/a/c1/cpuset.mems")), "0");
    // A controller file the kernel would have made.
    put(root.p("memory/c1/memory.limit_in_bytes"), "9223372036854771712\n");
    put(root.p("memory/c1/memory.memsw.limit_in_bytes"), "");
    put(root.p("freezer/c1/freezer.state"), "THAWED\n");
    spec::Resources r;
    r.memory.emplace();
    r.memory->limit = 1 << 20;
    r.memory->swap = 2 << 20;
    ASSERT_TRUE(m->set(r));
    EXPECT_EQ(get(root.p("memory/c1/memory.limit_in_bytes")), "1048576");
    EXPECT_EQ(get(root.p("memory/c1/memory.memsw.limit_in_bytes")), "2097152");
    // A controller that is not there is an error naming it.
    r.pidsLimit = 5;
    auto st = m->set(r);
    ASSERT_FALSE(st);
    EXPECT_NE(st.error().message.find("pids"), std::string::npos);
    // Freeze and the state it reads back.
    EXPECT_FALSE(m->frozen());
    ASSERT_TRUE(m->freeze());
    EXPECT_TRUE(m->frozen());
    ASSERT_TRUE(m->thaw());
    EXPECT_FALSE(m->frozen());
    // pids: cgroup.procs of the cgroup and of those below it.
    put(root.p("freezer/c1/cgroup.procs"), "10\n11\n");
    fs::create_directories(root.p("freezer/c1/sub"));
    put(root.p("freezer/c1/sub/cgroup.procs"), "12\n");
    auto pids = m->pids();
    ASSERT_TRUE(pids);
    EXPECT_EQ(*pids, (std::vector<pid_t>{10, 11, 12}));
    // Files would be gone with the cgroup in cgroupfs: empty the directories as the kernel would.
    for (const char* d : {"cpuset/a/c1", "cpuset/a", "memory/c1", "freezer/c1/sub", "freezer/c1"})
        for (auto& e : fs::directory_iterator(root.p(d)))
            if (e.is_regular_file()) fs::remove(e.path());
    ASSERT_TRUE(m->destroy());
    EXPECT_FALSE(fs::exists(root.p("cpuset/a")));  // made by create, so removed
    EXPECT_FALSE(fs::exists(root.p("memory/c1")));
    EXPECT_TRUE(fs::exists(root.p("memory")));
}

TEST(Cgroups, V2ManagerOnFakeHierarchy) {
    FakeRoot root;
    put(root.p("cgroup.controllers"), "cpu memory pids\n");
    put(root.p("cgroup.subtree_control"), "");
    Paths paths{{"", root.p("c1")}};
    auto m = make_manager(Mode::unified, paths);
    ASSERT_TRUE(m->create());
    EXPECT_GE(m->dir_fd(), 0);
    for (const char* f : {"memory.max", "memory.swap.max", "pids.max", "cgroup.freeze", "cgroup.procs"})
        put(root.p(std::string("c1/") + f), "");
    spec::Resources r;
    r.memory.emplace();
    r.memory->limit = 4096;
    r.pidsLimit = 7;
    ASSERT_TRUE(m->set(r));
    EXPECT_EQ(get(root.p("c1/memory.max")), "4096");
    EXPECT_EQ(get(root.p("c1/pids.max")), "7");
    ASSERT_TRUE(m->apply(1234));
    EXPECT_EQ(get(root.p("c1/cgroup.procs")), "1234");
    put(root.p("c1/cgroup.events"), "populated 1\nfrozen 1\n");
    ASSERT_TRUE(m->freeze());
    EXPECT_EQ(get(root.p("c1/cgroup.freeze")), "1");
    EXPECT_TRUE(m->frozen());
    // Loaded from state (exec): the directory fd for CLONE_INTO_CGROUP is there too.
    EXPECT_GE(from_paths(paths)->dir_fd(), 0);
    // stats as runc reports v2: "max" is 2^64-1, swap is memory+swap (v1's meaning)
    put(root.p("c1/memory.current"), "100\n");
    put(root.p("c1/memory.swap.current"), "5\n");
    put(root.p("c1/memory.swap.max"), "max\n");
    auto st = m->stats();
    EXPECT_EQ(st["memory"]["usage"]["limit"], 4096u);
    EXPECT_EQ(st["memory"]["swap"]["limit"], UINT64_MAX);
    EXPECT_EQ(st["memory"]["swap"]["usage"], 105u);
    put(root.p("c1/memory.swap.max"), "1000\n");
    put(root.p("c1/memory.max"), "2000\n");
    EXPECT_EQ(m->stats()["memory"]["swap"]["limit"], 3000u);
    put(root.p("c1/memory.max"), "max\n");
    EXPECT_EQ(m->stats()["memory"]["usage"]["limit"], UINT64_MAX);
}

TEST(Cgroups, V2ManagerWrites) {
    FakeRoot root;
    put(root.p("cgroup.controllers"), "cpu io memory pids\n");
    put(root.p("cgroup.subtree_control"), "");
    Paths paths{{"", root.p("c1")}};
    auto m = make_manager(Mode::unified, paths);
    ASSERT_TRUE(m->create());
    put(root.p("c1/cgroup.controllers"), "cpu io memory pids\n");
    for (const char* f : {"memory.max", "memory.current", "io.bfq.weight", "hugetlb.2MB.max"})
        put(root.p(std::string("c1/") + f), "");
    // memory.swap.max absent (no swap accounting): unlimited or no swap is accepted anyway, as
    // is a missing hugetlb .rsvd.max; a blkio weight goes to BFQ where it is.
    spec::Resources r;
    r.memory.emplace();
    r.memory->limit = 4096;
    r.memory->swap = 4096;
    r.hugepageLimits.push_back({"2MB", 0});
    r.blockIO.emplace();
    r.blockIO->weight = 100;
    auto st = m->set(r);
    ASSERT_TRUE(st) << st.error().message;
    EXPECT_EQ(get(root.p("c1/memory.max")), "4096");
    EXPECT_EQ(get(root.p("c1/io.bfq.weight")), "100");
    // A real swap limit needs the file.
    r.memory->swap = 8192;
    EXPECT_FALSE(m->set(r));
    // checkBeforeUpdate: a limit at or below the usage is refused.
    put(root.p("c1/memory.current"), "5000\n");
    spec::Resources low;
    low.memory.emplace();
    low.memory->limit = 4000;
    low.memory->checkBeforeUpdate = true;
    st = m->set(low);
    ASSERT_FALSE(st);
    EXPECT_NE(st.error().message.find("below usage 5000"), std::string::npos) << st.error().message;
    low.memory->checkBeforeUpdate = false;
    EXPECT_TRUE(m->set(low));
    // A controller the cgroup does not have is named.
    spec::Resources rdma;
    rdma.rdma["mlx5_1"] = {1, {}};
    st = m->set(rdma);
    ASSERT_FALSE(st);
    EXPECT_NE(st.error().message.find("the rdma cgroup controller is not available"), std::string::npos)
        << st.error().message;
    // kill --all with SIGKILL: cgroup.kill where the kernel has it.
    put(root.p("c1/cgroup.kill"), "");
    ASSERT_TRUE(m->kill_all(SIGKILL));
    EXPECT_EQ(get(root.p("c1/cgroup.kill")), "1");
}

// events --stats on v2: io.stat in v1's blkio tables, as runc maps it (bytes and ios read and
// written; discards and anything else have no v1 name); none at all without I/O.
TEST(Cgroups, V2StatsBlkioFromIoStat) {
    FakeRoot root;
    auto m = make_manager(Mode::unified, Paths{{"", root.path.string()}});
    EXPECT_EQ(m->stats()["blkio"], nlohmann::ordered_json::object());
    put(root.p("io.stat"), "8:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n"
                           "259:1 rbytes=10 wbytes=0 rios=3 wios=0 dbytes=5 dios=1\n");
    auto blkio = m->stats()["blkio"];
    // (zero fields left out, as runc's omitempty does)
    auto entry = [](unsigned major, unsigned minor, const char* op, uint64_t value) {
        auto e = nlohmann::ordered_json{{"major", major}, {"minor", minor}, {"op", op}, {"value", value}};
        if (!minor) e.erase("minor");
        if (!value) e.erase("value");
        return e;
    };
    EXPECT_EQ(blkio["ioServiceBytesRecursive"],
              (nlohmann::ordered_json{entry(8, 0, "Read", 4096), entry(8, 0, "Write", 8192), entry(259, 1, "Read", 10),
                                      entry(259, 1, "Write", 0)}));
    EXPECT_EQ(blkio["ioServicedRecursive"],
              (nlohmann::ordered_json{entry(8, 0, "Read", 1), entry(8, 0, "Write", 2), entry(259, 1, "Read", 3),
                                      entry(259, 1, "Write", 0)}));
}

TEST(Cgroups, FromPathsMode) {
    EXPECT_EQ(from_paths({}), nullptr);
    EXPECT_EQ(from_paths({{"", "/x"}})->mode(), Mode::unified);
    EXPECT_EQ(from_paths({{"", "/x"}, {"memory", "/y"}})->mode(), Mode::hybrid);
    EXPECT_EQ(from_paths({{"memory", "/y"}})->mode(), Mode::legacy);
}

}  // namespace
}  // namespace rong::cgroups
