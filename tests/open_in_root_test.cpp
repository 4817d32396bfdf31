// sys/mount.hpp: open_in_root_by_hand, the fallback for kernels without openat2, resolves every
// path as openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) does: symlinks (absolute, climbing with
// "..", chained, looping) never leave the root.
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "sys/mount.hpp"

namespace rong::sys {
namespace {

class OpenInRoot : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/rong-open-in-root.XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        base_ = tmpl;
        namespace fs = std::filesystem;
        // outside/ is next to the root: nothing may ever resolve there
        fs::create_directories(base_ + "/outside/etc");
        std::ofstream(base_ + "/outside/etc/passwd") << "host";
        const std::string r = base_ + "/root";
        fs::create_directories(r + "/etc");
        fs::create_directories(r + "/a/b/c");
        std::ofstream(r + "/etc/passwd") << "container";
        fs::create_symlink("/etc", r + "/abs");
        fs::create_symlink("../../../../../..", r + "/a/b/up");
        fs::create_symlink("../../outside/etc", r + "/a/rel-out");
        fs::create_symlink("/a/b/up/etc/passwd", r + "/chain");
        fs::create_symlink("loop2", r + "/loop1");
        fs::create_symlink("loop1", r + "/loop2");
        fs::create_symlink("/etc/passwd", r + "/etc/link-to-file");
        fs::create_symlink("/", r + "/to-root");
        root_ = ::open(r.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
        ASSERT_GE(root_, 0);
    }
    void TearDown() override {
        if (root_ >= 0) ::close(root_);
        std::filesystem::remove_all(base_);
    }

    // "ino" of what a path opens to, or "errno N"
    static std::string outcome(const Result<Fd>& r) {
        if (!r) return "errno " + std::to_string(r.error().errnum);
        struct stat st {};
        ::fstat(r->get(), &st);
        return std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
    }

    std::string base_;
    int root_ = -1;
};

TEST_F(OpenInRoot, ByHandResolvesAsOpenat2Does) {
    const char* paths[] = {
        "/",        "etc/passwd",    "/abs/passwd",       "a/b/up/etc/passwd", "a/rel-out/passwd", "chain",
        "loop1",    "a/b/c/../../..", "../../etc/passwd", "etc/link-to-file",  "to-root/etc",      "missing/x",
        "etc/passwd/x", "abs",       "a//b/./c",
    };
    for (const char* p : paths) {
        for (int flags : {O_PATH, O_RDONLY, O_PATH | O_NOFOLLOW, O_RDONLY | O_NOFOLLOW, O_RDONLY | O_DIRECTORY}) {
            auto want = open_in_root(root_, p, flags);
            auto got = open_in_root_by_hand(root_, p, flags);
            EXPECT_EQ(outcome(got), outcome(want)) << p << " flags " << flags;
        }
    }
}

TEST_F(OpenInRoot, ByHandNeverReadsOutside) {
    for (const char* p : {"/abs/passwd", "a/b/up/etc/passwd", "a/rel-out/passwd", "chain", "../../etc/passwd"}) {
        auto fd = open_in_root_by_hand(root_, p, O_RDONLY);
        if (!fd) continue;  // a path that does not exist inside is fine too
        char buf[16] = {};
        ASSERT_GE(::read(fd->get(), buf, sizeof buf - 1), 0);
        EXPECT_STREQ(buf, "container") << p;
    }
}

TEST_F(OpenInRoot, ByHandCreatesInside) {
    auto fd = open_in_root_by_hand(root_, "/abs/new-file", O_WRONLY | O_CREAT | O_EXCL, 0600);
    ASSERT_TRUE(fd) << fd.error().message;
    EXPECT_TRUE(std::filesystem::exists(base_ + "/root/etc/new-file"));
    EXPECT_FALSE(std::filesystem::exists(base_ + "/outside/etc/new-file"));
    EXPECT_EQ(open_in_root_by_hand(root_, "loop1", O_RDONLY).error().errnum, ELOOP);
}

// create_in_root tells before_create what it is about to make, once, from the deepest directory
// that exists (a symlink on the way followed inside the root); its error leaves nothing made.
TEST_F(OpenInRoot, CreateTellsFirstWhatItWillMake) {
    auto where = [](int fd) {
        struct stat st {};
        ::fstat(fd, &st);
        return std::to_string(st.st_ino);
    };
    struct stat etc {};
    ASSERT_EQ(::stat((base_ + "/root/etc").c_str(), &etc), 0);
    for (auto [path, rest] : {std::pair{"/abs/new/dir", "new/dir"}, {"etc/one", "one"}, {"/a/b/up/etc/x/../y", "x/../y"}}) {
        std::vector<std::pair<std::string, std::string>> told;
        auto tell = [&](int dir, const std::string& r) -> Status {
            told.emplace_back(where(dir), r);
            return Error::msg("refused");
        };
        auto made = create_in_root(root_, path, false, 0755, tell);
        ASSERT_FALSE(made) << path;
        EXPECT_EQ(made.error().message, "refused") << path;
        ASSERT_EQ(told.size(), 1u) << path;
        EXPECT_EQ(told[0].first, std::to_string(etc.st_ino)) << path;
        EXPECT_EQ(told[0].second, rest) << path;
    }
    EXPECT_EQ(std::distance(std::filesystem::directory_iterator(base_ + "/root/etc"), {}), 2);  // passwd, link-to-file
    // Nothing to make, nothing told.
    bool called = false;
    auto existing = create_in_root(root_, "/abs", false, 0755, [&](int, const std::string&) -> Status {
        called = true;
        return {};
    });
    EXPECT_TRUE(existing);
    EXPECT_FALSE(called);
    // Allowed: made, as without it.
    auto made = create_in_root(root_, "/abs/new/dir", false, 0755, [](int, const std::string&) -> Status { return {}; });
    ASSERT_TRUE(made) << made.error().message;
    EXPECT_TRUE(std::filesystem::is_directory(base_ + "/root/etc/new/dir"));
}

}  // namespace
}  // namespace rong::sys
