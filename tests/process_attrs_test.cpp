// security/process_attrs.hpp: the executable lookup done before `create` returns.
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "security/process_attrs.hpp"

namespace rong::security {
namespace {

namespace fs = std::filesystem;

class FindExecutable : public ::testing::Test {
protected:
    fs::path root;
    void SetUp() override {
        std::string tmpl = (fs::temp_directory_path() / "rong-find-exec-XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        root = tmpl;
        for (const char* d : {"a", "b", "c"}) fs::create_directory(root / d);
    }
    void TearDown() override { fs::remove_all(root); }

    std::string file(const std::string& rel, mode_t mode) {
        fs::path p = root / rel;
        std::ofstream(p) << "#!/bin/sh\n";
        EXPECT_EQ(::chmod(p.c_str(), mode), 0);
        return p.string();
    }
    std::vector<std::string> env() const {
        return {"TERM=xterm", "PATH=" + (root / "a").string() + ":" + (root / "b").string() + ":" +
                                  (root / "c").string()};
    }
};

TEST_F(FindExecutable, FirstExecutableInPathOrder) {
    file("b/foo", 0755);
    std::string in_c = file("c/foo", 0755);
    EXPECT_EQ(*find_executable("foo", env()), (root / "b/foo").string());
    fs::remove(root / "b/foo");
    EXPECT_EQ(*find_executable("foo", env()), in_c);
}

TEST_F(FindExecutable, SkipsFilesWithoutExecuteBitAndDirectories) {
    file("a/foo", 0644);                  // not executable (not even for root: no x bit at all)
    fs::create_directory(root / "b/foo");  // a directory, even though searchable
    std::string good = file("c/foo", 0700);
    auto found = find_executable("foo", env());
    ASSERT_TRUE(found) << found.error().message;
    EXPECT_EQ(*found, good);
}

TEST_F(FindExecutable, NotFound) {
    file("a/foo", 0644);
    auto found = find_executable("foo", env());
    ASSERT_FALSE(found);
    EXPECT_EQ(found.error().message, "exec: \"foo\": executable file not found in $PATH");
    EXPECT_EQ(found.error().errnum, ENOENT);
}

TEST_F(FindExecutable, LastPathVariableWins) {
    std::string good = file("c/foo", 0755);
    auto found = find_executable("foo", {"PATH=" + (root / "a").string(), "PATH=" + (root / "c").string()});
    ASSERT_TRUE(found);
    EXPECT_EQ(*found, good);
}

TEST_F(FindExecutable, NameWithSlashIsNotSearched) {
    std::string good = file("a/foo", 0755);
    EXPECT_EQ(*find_executable(good, {}), good);
    std::string missing = (root / "b/foo").string();
    auto found = find_executable(missing, env());
    ASSERT_FALSE(found);
    EXPECT_EQ(found.error().message, "exec: \"" + missing + "\": stat " + missing + ": no such file or directory");
    EXPECT_EQ(found.error().errnum, ENOENT);
}

TEST_F(FindExecutable, StatErrorIsNamedAsItIs) {
    // A symlink loop is no missing file (runc's wording: Go's, strerror in lower case).
    std::string loop = (root / "a/loop").string();
    fs::create_symlink(loop, loop);
    auto found = find_executable(loop, env());
    ASSERT_FALSE(found);
    EXPECT_EQ(found.error().message, "exec: \"" + loop + "\": stat " + loop + ": too many levels of symbolic links");
    EXPECT_EQ(found.error().errnum, ELOOP);
}

TEST(FindExecutableWithoutPath, SearchesNothing) {
    // As runc and crun: no default search path.
    for (const auto& env : {std::vector<std::string>{"HOME=/"}, std::vector<std::string>{"PATH="}}) {
        auto found = find_executable("sh", env);
        ASSERT_FALSE(found) << *found;
        EXPECT_EQ(found.error().message, "exec: \"sh\": executable file not found in $PATH");
    }
}

TEST(ProcessEnv, DuplicatesKeepTheirFirstPlaceAndLastValue) {
    auto env = process_env({"A=1", "PATH=/bin", "B=2", "A=3", "HOME=/h", "PATH=/usr/bin"}, 0);
    EXPECT_EQ(env, (std::vector<std::string>{"A=3", "PATH=/usr/bin", "B=2", "HOME=/h"}));
}

TEST(ProcessEnv, EmptyHomeIsUnset) {
    // (uid 4242 has no line in this test's /etc/passwd: "/")
    auto env = process_env({"HOME=", "A=1"}, 4242);
    EXPECT_EQ(env, (std::vector<std::string>{"HOME=/", "A=1"}));
    EXPECT_EQ(process_env({"A=1"}, 4242), (std::vector<std::string>{"A=1", "HOME=/"}));
}

}  // namespace
}  // namespace rong::security
