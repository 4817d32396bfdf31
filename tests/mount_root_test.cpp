// sys/mount.hpp: mount_root_of tells what /proc/self/mountinfo tells of the mount on top at a
// path (its root, the directory of its filesystem it shows), by statmount(2) on Linux 6.8 and
// later: cgroups/ takes the cgroup2 hierarchy's root from it instead of parsing mountinfo.
#include <linux/magic.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "sys/mount.hpp"

namespace rong::sys {
namespace {

// Field 4 (root) of the last mountinfo line whose mount point is `path`: the mount on top there.
std::optional<std::string> mountinfo_root(const std::string& path) {
    std::ifstream in("/proc/self/mountinfo");
    std::optional<std::string> root;
    for (std::string line; std::getline(in, line);) {
        std::istringstream f(line);
        std::string id, parent, dev, r, point;
        f >> id >> parent >> dev >> r >> point;
        if (point == path) root = r;
    }
    return root;
}

bool have_statmount() {
    auto r = mount_root_of("/");
    return r || r.error().errnum != ENOSYS;
}

TEST(MountRoot, AgreesWithMountinfo) {
    if (!have_statmount()) GTEST_SKIP() << "no statmount(2) before Linux 6.8";
    auto proc = mount_root_of("/proc");
    ASSERT_TRUE(proc) << proc.error().message;
    EXPECT_EQ(proc->magic, PROC_SUPER_MAGIC);
    EXPECT_EQ(proc->root, mountinfo_root("/proc"));
    for (const char* path : {"/", "/sys", "/sys/fs/cgroup", "/sys/fs/cgroup/unified"}) {
        auto want = mountinfo_root(path);
        if (!want) continue;
        auto got = mount_root_of(path);
        ASSERT_TRUE(got) << path << ": " << got.error().message;
        EXPECT_EQ(got->root, *want) << path;
    }
    auto missing = mount_root_of("/no/such/path");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().errnum, ENOENT);
}

// A bind of a subdirectory shows that directory: its root is not "/" (as for a cgroup2 tree bound
// from the cgroup a process is in, where the paths in /proc/self/cgroup start above the mount).
TEST(MountRoot, SubtreeBindShowsItsDirectory) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    if (!have_statmount()) GTEST_SKIP() << "no statmount(2) before Linux 6.8";
    char tmpl[] = "/tmp/rong-mount-root.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    const std::string base = tmpl;
    std::filesystem::create_directories(base + "/a dir/sub");
    std::filesystem::create_directories(base + "/target");
    // In a child with a mount namespace of its own: nothing of it reaches the host.
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        if (::unshare(CLONE_NEWNS) < 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0) ::_exit(2);
        if (::mount((base + "/a dir/sub").c_str(), (base + "/target").c_str(), nullptr, MS_BIND, nullptr) < 0) ::_exit(3);
        auto got = mount_root_of(base + "/target");
        auto want = mountinfo_root(base + "/target");  // "\040" for the space, as mountinfo escapes it
        if (!got || !want) ::_exit(4);
        std::string escaped;
        for (char c : got->root) escaped += c == ' ' ? std::string("\\040") : std::string(1, c);
        bool ok = escaped == *want && got->root.size() > 1 && got->root.ends_with("/a dir/sub");
        ::_exit(ok ? 0 : 5);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    std::filesystem::remove_all(base);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "2/3: set-up failed, 4: no answer, 5: a wrong root";
}

}  // namespace
}  // namespace rong::sys
