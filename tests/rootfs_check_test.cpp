// rootfs/check.hpp: what create refuses about mounts and devices before making anything; and
// rootfs/mount_options.hpp's with_mount_label.
#include <string>

#include <gtest/gtest.h>

#include "rootfs/check.hpp"
#include "rootfs/mount_options.hpp"

namespace rong::rootfs {
namespace {

spec::Config with_mount(spec::Mount m) {
    spec::Config c;
    c.mounts.push_back(spec::Mount{"/proc", "proc", "proc", {}, {}, {}});
    c.mounts.push_back(std::move(m));
    return c;
}

spec::Mount bind_mount(std::vector<std::string> options) { return spec::Mount{"/data", "bind", "/src", std::move(options), {}, {}}; }

std::string error_of(const Status& st) { return st ? std::string("<ok>") : st.error().message; }

TEST(RootfsCheck, PlainMountsPass) {
    EXPECT_TRUE(check_rootfs_config(with_mount(bind_mount({"rbind", "ro"})), false));
}

// (the error named an empty path: "stat bind source : No such file or directory")
TEST(RootfsCheck, BindNeedsASource) {
    auto m = bind_mount({"rbind"});
    m.source.clear();
    EXPECT_EQ(error_of(check_rootfs_config(with_mount(m), false)), "mounts[1] (/data): a bind mount needs a source");
    m.type = "none";
    m.options = {"bind", "ro"};
    EXPECT_EQ(error_of(check_rootfs_config(with_mount(m), false)), "mounts[1] (/data): a bind mount needs a source");
    m.options = {"ro"};  // a filesystem of type none (an error of the mount's, later)
    EXPECT_TRUE(check_rootfs_config(with_mount(m), false));
}

TEST(RootfsCheck, IdmapWithoutMapsNeedsAUserNamespace) {
    auto c = with_mount(bind_mount({"bind", "idmap"}));
    EXPECT_EQ(error_of(check_rootfs_config(c, false)),
              "mounts[1] (/data): an idmapped mount without uidMappings/gidMappings needs a user namespace");
    EXPECT_TRUE(check_rootfs_config(c, true));
}

TEST(RootfsCheck, IdmapWithMapsNeedsNoUserNamespace) {
    auto m = bind_mount({"rbind", "ridmap"});
    m.uidMappings = {{0, 1000, 10}};
    m.gidMappings = {{0, 1000, 10}};
    EXPECT_TRUE(check_rootfs_config(with_mount(m), false));
    // maps alone make an idmapped mount too
    m.options = {"rbind"};
    EXPECT_TRUE(is_idmapped(m));
    EXPECT_TRUE(check_rootfs_config(with_mount(m), false));
}

TEST(RootfsCheck, IdmapRefusals) {
    auto tmpfs = spec::Mount{"/t", "tmpfs", "tmpfs", {"idmap"}, {}, {}};
    EXPECT_EQ(error_of(check_rootfs_config(with_mount(tmpfs), true)),
              "mounts[1] (/t): idmapped mounts are supported for bind mounts only");
    auto m = bind_mount({"bind", "idmap"});
    m.uidMappings = {{0, 1000, 10}};
    EXPECT_EQ(error_of(check_rootfs_config(with_mount(m), true)),
              "mounts[1] (/data): uidMappings and gidMappings must be given together");
    m.gidMappings = {{0, 1000, 0}};
    EXPECT_EQ(error_of(check_rootfs_config(with_mount(m), true)), "mounts[1] (/data): an id mapping of size 0");
}

TEST(RootfsCheck, DevicesMustBeUnderDev) {
    const std::pair<std::string, bool> cases[] = {
        {"/dev/null", true},       {"/dev/sub/node", true},    {"/dev//./fuse", true},
        {"/dev", false},           {"/dev/", false},           {"/etc/evil", false},
        {"dev/null", false},       {"/dev/../etc/x", false},   {"/dev/a/../../x", false},
        {"/devices/x", false},     {"", false},
    };
    for (const auto& [path, ok] : cases) {
        spec::Config c;
        c.linux.emplace();
        spec::Device d;
        d.path = path;
        d.type = "c";
        c.linux->devices.push_back(d);
        auto st = check_rootfs_config(c, false);
        EXPECT_EQ(static_cast<bool>(st), ok) << path;
        if (!ok) {
            EXPECT_EQ(error_of(st), "linux.devices[0].path: " + path + " is not a path under /dev");
        }
    }
}

TEST(RootfsCheck, BindsIntoProc) {
    EXPECT_EQ(proc_mount_refusal("/data", false), "");
    EXPECT_EQ(proc_mount_refusal("/procfs", false), "");
    EXPECT_EQ(proc_mount_refusal("/proc", true), "");
    EXPECT_EQ(proc_mount_refusal("/proc", false), "/proc cannot be mounted because it is not of type proc");
    EXPECT_EQ(proc_mount_refusal("/proc/uptime", false), "");
    EXPECT_EQ(proc_mount_refusal("/proc/sys/kernel/ns_last_pid", false), "");
    EXPECT_EQ(proc_mount_refusal("/proc/sys/kernel/core_pattern", false),
              "/proc/sys/kernel/core_pattern cannot be mounted because it is inside /proc");
    EXPECT_EQ(proc_mount_refusal("/proc/self", true), "/proc/self cannot be mounted because it is inside /proc");
}

TEST(RootfsCheck, WhichFilesystemsAreKeptOutOfProc) {
    for (const char* type : {"proc", "sysfs", "mqueue", "tmpfs", "cgroup"}) EXPECT_FALSE(checks_proc_mount(type)) << type;
    for (const char* type : {"ramfs", "devpts", "overlay", "cgroup2", "fuse.lxcfs"}) EXPECT_TRUE(checks_proc_mount(type)) << type;
}

TEST(RootfsCheck, HoldingMount) {
    const std::string mountinfo =
        "27 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n"
        "40 27 0:39 / /tmp/b rw,relatime - tmpfs tmpfs rw\n"
        "41 27 0:40 / /tmp/bundle\\040dir rw master:3 - tmpfs tmpfs rw\n"
        "42 41 0:41 / /tmp/bundle\\040dir/rootfs rw shared:7 master:3 - tmpfs tmpfs rw\n"
        "43 27 0:42 / /tmp/b rw shared:9 - tmpfs tmpfs rw\n";
    auto h = holding_mount(mountinfo, "/tmp/bundle dir/rootfs");
    EXPECT_EQ(h.mount_point, "/tmp/bundle dir/rootfs");
    EXPECT_TRUE(h.shared);
    h = holding_mount(mountinfo, "/tmp/bundle dir/other");
    EXPECT_EQ(h.mount_point, "/tmp/bundle dir");
    EXPECT_FALSE(h.shared);
    h = holding_mount(mountinfo, "/tmp/bb/rootfs");  // not under /tmp/b
    EXPECT_EQ(h.mount_point, "/");
    EXPECT_TRUE(h.shared);
    h = holding_mount(mountinfo, "/tmp/b/rootfs");  // the later mount on /tmp/b covers the first
    EXPECT_EQ(h.mount_point, "/tmp/b");
    EXPECT_TRUE(h.shared);
}

TEST(MountLabel, ContextGoesWhereRuncPutsIt) {
    const std::string label = "system_u:object_r:container_file_t:s0:c1,c2";
    EXPECT_EQ(with_mount_label("mode=755", "tmpfs", label), "mode=755,context=\"" + label + "\"");
    EXPECT_EQ(with_mount_label("", "devpts", label), "context=\"" + label + "\"");
    for (const char* type : {"proc", "sysfs", "mqueue", "cgroup", "cgroup2", "bind"})
        EXPECT_EQ(with_mount_label("x=1", type, label), "x=1") << type;
    EXPECT_EQ(with_mount_label("size=1m", "tmpfs", ""), "size=1m");
}

}  // namespace
}  // namespace rong::rootfs
