// rootfs/mount_options.hpp: config.json mount options sorted into mount(2) flags, propagation,
// mount_setattr(2) attributes and the filesystem's data string.
#include <linux/mount.h>
#include <sys/mount.h>

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "rootfs/mount_options.hpp"

namespace rong::rootfs {
namespace {

struct FlagCase {
    std::vector<std::string> options;
    unsigned long flags;
};

TEST(MountOptions, FlagsAreSetAndClearedInOrder) {
    const FlagCase cases[] = {
        {{}, 0},
        {{"defaults"}, 0},
        {{"ro"}, MS_RDONLY},
        {{"ro", "rw"}, 0},
        {{"rw", "ro"}, MS_RDONLY},
        {{"nosuid", "nodev", "noexec"}, MS_NOSUID | MS_NODEV | MS_NOEXEC},
        {{"nosuid", "nodev", "noexec", "suid", "dev", "exec"}, 0},
        {{"sync", "async"}, 0},
        {{"dirsync", "mand", "nomand"}, MS_DIRSYNC},
        {{"noatime", "atime", "nodiratime"}, MS_NODIRATIME},
        {{"relatime", "strictatime"}, MS_RELATIME | MS_STRICTATIME},
        {{"relatime", "norelatime", "strictatime", "nostrictatime"}, 0},
        {{"remount", "nosymfollow", "silent"}, MS_REMOUNT | MS_NOSYMFOLLOW | MS_SILENT},
        {{"bind"}, MS_BIND},
        {{"rbind"}, MS_BIND | MS_REC},
        {{"rbind", "ro", "nosuid"}, MS_BIND | MS_REC | MS_RDONLY | MS_NOSUID},
    };
    for (const auto& c : cases) {
        auto m = parse_mount_options(c.options);
        EXPECT_EQ(m.flags, c.flags) << ::testing::PrintToString(c.options);
        EXPECT_EQ(m.data, "") << ::testing::PrintToString(c.options);
    }
}

TEST(MountOptions, IsBind) {
    EXPECT_TRUE(parse_mount_options({"bind"}).is_bind());
    EXPECT_TRUE(parse_mount_options({"rbind"}).is_bind());
    EXPECT_FALSE(parse_mount_options({"ro", "nosuid"}).is_bind());
}

TEST(MountOptions, RemountFlagsDropBindRecRemountSilent) {
    auto m = parse_mount_options({"rbind", "remount", "silent", "ro", "nodev", "noexec"});
    EXPECT_EQ(m.flags, MS_BIND | MS_REC | MS_REMOUNT | MS_SILENT | MS_RDONLY | MS_NODEV | MS_NOEXEC);
    EXPECT_EQ(m.remount_flags(), MS_RDONLY | MS_NODEV | MS_NOEXEC);
    EXPECT_EQ(parse_mount_options({"bind"}).remount_flags(), 0ul);
}

TEST(MountOptions, PropagationKeepsOrder) {
    auto m = parse_mount_options({"rprivate", "ro", "shared", "rslave", "unbindable", "runbindable", "private",
                                  "rshared", "slave"});
    EXPECT_EQ(m.flags, MS_RDONLY);
    EXPECT_EQ(m.propagation,
              (std::vector<unsigned long>{MS_PRIVATE | MS_REC, MS_SHARED, MS_SLAVE | MS_REC, MS_UNBINDABLE,
                                          MS_UNBINDABLE | MS_REC, MS_PRIVATE, MS_SHARED | MS_REC, MS_SLAVE}));
    EXPECT_EQ(m.data, "");
}

struct AttrCase {
    std::vector<std::string> options;
    uint64_t set, clr;
};

TEST(MountOptions, RecursiveAttributes) {
    const AttrCase cases[] = {
        {{"rro"}, MOUNT_ATTR_RDONLY, 0},
        {{"rrw"}, 0, MOUNT_ATTR_RDONLY},
        {{"rro", "rrw"}, 0, MOUNT_ATTR_RDONLY},
        {{"rrw", "rro"}, MOUNT_ATTR_RDONLY, 0},
        {{"rnosuid", "rnodev", "rnoexec"}, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, 0},
        {{"rsuid", "rdev", "rexec"}, 0, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC},
        {{"rnodiratime", "rnosymfollow"}, MOUNT_ATTR_NODIRATIME | MOUNT_ATTR_NOSYMFOLLOW, 0},
        {{"rnodiratime", "rdiratime", "rsymfollow"}, 0, MOUNT_ATTR_NODIRATIME | MOUNT_ATTR_NOSYMFOLLOW},
        // The atime family is one field: every value clears MOUNT_ATTR__ATIME, the last one wins.
        {{"rnoatime"}, MOUNT_ATTR_NOATIME, MOUNT_ATTR__ATIME},
        {{"rstrictatime"}, MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME},
        {{"rnoatime", "rstrictatime"}, MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME},
        {{"rstrictatime", "rnoatime"}, MOUNT_ATTR_NOATIME, MOUNT_ATTR__ATIME},
        // MOUNT_ATTR_RELATIME is 0: relatime is "__ATIME cleared, nothing set".
        {{"rrelatime"}, MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME},
        {{"rnoatime", "rrelatime"}, MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME},
        {{"rstrictatime", "ratime"}, MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME},
        {{"rro", "rnoatime", "rnodiratime"}, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOATIME | MOUNT_ATTR_NODIRATIME,
         MOUNT_ATTR__ATIME},
    };
    for (const auto& c : cases) {
        auto m = parse_mount_options(c.options);
        EXPECT_EQ(m.attr_set, c.set) << ::testing::PrintToString(c.options);
        EXPECT_EQ(m.attr_clr, c.clr) << ::testing::PrintToString(c.options);
        EXPECT_EQ(m.flags, 0ul) << ::testing::PrintToString(c.options);
        EXPECT_EQ(m.data, "") << ::testing::PrintToString(c.options);
    }
}

TEST(MountOptions, Idmap) {
    auto none = parse_mount_options({"rbind"});
    EXPECT_FALSE(none.idmap);
    EXPECT_FALSE(none.recursive_idmap);
    auto idmap = parse_mount_options({"bind", "idmap"});
    EXPECT_TRUE(idmap.idmap);
    EXPECT_FALSE(idmap.recursive_idmap);
    auto ridmap = parse_mount_options({"rbind", "ridmap"});
    EXPECT_TRUE(ridmap.idmap);
    EXPECT_TRUE(ridmap.recursive_idmap);
    EXPECT_EQ(ridmap.data, "");
}

TEST(MountOptions, UnknownOptionsBecomeDataInOrder) {
    auto m = parse_mount_options({"nosuid", "size=65536k", "ro", "mode=755", "uid=5", "strictatime"});
    EXPECT_EQ(m.flags, MS_NOSUID | MS_RDONLY | MS_STRICTATIME);
    EXPECT_EQ(m.data, "size=65536k,mode=755,uid=5");
    EXPECT_EQ(parse_mount_options({"newinstance", "ptmxmode=0666"}).data, "newinstance,ptmxmode=0666");
    // Names are case-sensitive, as for mount(8): "RO" is the filesystem's business.
    auto upper = parse_mount_options({"RO"});
    EXPECT_EQ(upper.flags, 0ul);
    EXPECT_EQ(upper.data, "RO");
}

TEST(MountOptions, PropagationFlag) {
    const std::pair<const char*, unsigned long> cases[] = {
        {"", 0},
        {"private", MS_PRIVATE},
        {"rprivate", MS_PRIVATE | MS_REC},
        {"shared", MS_SHARED},
        {"rshared", MS_SHARED | MS_REC},
        {"slave", MS_SLAVE},
        {"rslave", MS_SLAVE | MS_REC},
        {"unbindable", MS_UNBINDABLE},
        {"runbindable", MS_UNBINDABLE | MS_REC},
        {"bogus", 0},
        {"rbind", 0},
    };
    for (const auto& [name, flag] : cases) EXPECT_EQ(propagation_flag(name), flag) << '"' << name << '"';
}

}  // namespace
}  // namespace rong::rootfs
