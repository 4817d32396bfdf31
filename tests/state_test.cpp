// container/state.hpp: container ids, the state directory store, and the JSON of `rong state` and
// of the hooks' stdin.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "container/state.hpp"
#include "sys/process.hpp"

namespace rong::container {
namespace {

namespace fs = std::filesystem;

struct TempDir {
    fs::path path;
    TempDir() {
        std::string tmpl = (fs::temp_directory_path() / "rong-state-test-XXXXXX").string();
        EXPECT_NE(::mkdtemp(tmpl.data()), nullptr);
        path = tmpl;
    }
    ~TempDir() { fs::remove_all(path); }
};

void touch(const fs::path& p) { std::ofstream(p) << ""; }

TEST(ValidateId, RuncRules) {
    const std::vector<std::string> good = {"a", "abc-123", "A_b.c+d-e", "..a", "a..", ".a", "...", "0",
                                           std::string(1024, 'x')};
    const std::vector<std::string> bad = {"", ".", "..", "a/b", "/a", "a b", "a:b", "a\nb", "\xc3\xa4", "a*",
                                          std::string(1025, 'x')};
    for (const auto& id : good) EXPECT_TRUE(validate_id(id)) << id;
    for (const auto& id : bad) EXPECT_FALSE(validate_id(id)) << id;
    EXPECT_EQ(validate_id("").error().message, "container id cannot be empty");
    EXPECT_EQ(validate_id("a/b").error().message, "invalid container id format: a/b");
}

class StateStoreTest : public ::testing::Test {
protected:
    TempDir tmp;
    StateStore store{(tmp.path / "root").string()};  // not there yet: create_dir makes it

    ContainerState sample(const std::string& id) {
        ContainerState s;
        s.id = id;
        s.pid = 4242;
        s.start_time = 123456789;
        s.bundle = "/bundles/" + id;
        s.rootfs = "/bundles/" + id + "/rootfs";
        s.created = "2024-05-06T07:08:09.123Z";
        s.owner = "";
        s.config_json = R"({"ociVersion":"1.2.0","annotations":{"b":"2","a":"1"}})";
        return s;
    }
};

TEST_F(StateStoreTest, CreateDirRefusesAnExistingId) {
    {
        auto fd = store.create_dir("c1");
        ASSERT_TRUE(fd) << fd.error().message;
        EXPECT_TRUE(fs::is_directory(store.dir_of("c1")));
    }
    auto again = store.create_dir("c1");
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().message, "container with given ID already exists: c1");
    EXPECT_EQ(again.error().errnum, EEXIST);
    EXPECT_FALSE(store.create_dir("bad/id"));
}

TEST_F(StateStoreTest, CreateDirReturnsTheDirectoryLocked) {
    auto fd = store.create_dir("c1");
    ASSERT_TRUE(fd);
    int other = ::open(store.dir_of("c1").c_str(), O_RDONLY | O_DIRECTORY);
    ASSERT_GE(other, 0);
    EXPECT_EQ(::flock(other, LOCK_EX | LOCK_NB), -1);
    EXPECT_EQ(errno, EWOULDBLOCK);
    fd->reset();
    EXPECT_EQ(::flock(other, LOCK_EX | LOCK_NB), 0);
    ::close(other);
}

TEST_F(StateStoreTest, UnknownContainerDoesNotExist) {
    auto locked_unknown = store.lock("nope");
    auto loaded_unknown = store.load("nope");
    ASSERT_FALSE(locked_unknown);
    ASSERT_FALSE(loaded_unknown);
    for (const Error& e : {locked_unknown.error(), loaded_unknown.error()}) {
        EXPECT_EQ(e.message, "container does not exist");
        EXPECT_EQ(e.errnum, ENOENT);
    }
    // A directory without state.json (a create in progress or a delete that won) is not a container.
    ASSERT_TRUE(store.create_dir("half"));
    auto locked = store.lock("half");
    ASSERT_FALSE(locked);
    EXPECT_EQ(locked.error().message, "container does not exist");
    EXPECT_EQ(locked.error().errnum, ENOENT);
    EXPECT_FALSE(store.lock("../etc"));
}

// create's two steps: the state goes over creating.json, in its own inode, and appears as
// state.json only at publish. Until then a `delete` after a crash still reads the cgroup from
// creating.json, and no file but those two is ever made.
TEST_F(StateStoreTest, StageAndPublishThroughCreatingJson) {
    ASSERT_TRUE(store.create_dir("c1"));
    ContainerState creating;
    creating.id = "c1";
    creating.bundle = "/bundles/c1";
    creating.cgroup_paths = {{"", "/sys/fs/cgroup/c1"}};
    auto creating_size = store.save_creating(creating);
    ASSERT_TRUE(creating_size);
    ContainerState s = sample("c1");
    s.cgroup_paths = creating.cgroup_paths;
    ASSERT_TRUE(store.stage(s, *creating_size));
    EXPECT_FALSE(store.load("c1"));
    sys::Fd lock;
    auto abandoned = store.lock_abandoned("c1", lock);
    ASSERT_TRUE(abandoned && *abandoned);
    EXPECT_EQ((*abandoned)->cgroup_paths, creating.cgroup_paths);
    lock.reset();
    ASSERT_TRUE(store.publish("c1"));
    auto loaded = store.load("c1");
    ASSERT_TRUE(loaded) << loaded.error().message;
    EXPECT_EQ(loaded->pid, s.pid);
    EXPECT_EQ(loaded->config_json, s.config_json);
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(store.dir_of("c1"))) names.push_back(e.path().filename());
    std::sort(names.begin(), names.end());
    EXPECT_EQ(names, (std::vector<std::string>{"creating.json", "state.json"}));
    ASSERT_TRUE(store.remove("c1"));
    EXPECT_FALSE(fs::exists(store.dir_of("c1")));
}

// A staged state shorter than what creating.json held replaces it whole, no tail left.
TEST_F(StateStoreTest, StageShorterThanCreatingTruncates) {
    ASSERT_TRUE(store.create_dir("c2"));
    ContainerState creating;
    creating.id = "c2";
    creating.bundle = std::string(500, 'b');
    auto creating_size = store.save_creating(creating);
    ASSERT_TRUE(creating_size);
    ContainerState s = sample("c2");
    ASSERT_TRUE(store.stage(s, *creating_size));
    ASSERT_TRUE(store.publish("c2"));
    auto loaded = store.load("c2");
    ASSERT_TRUE(loaded) << loaded.error().message;
    EXPECT_EQ(loaded->bundle, s.bundle);
    EXPECT_EQ(loaded->config_json, s.config_json);
}

TEST_F(StateStoreTest, SaveLoadRoundTrip) {
    ASSERT_TRUE(store.create_dir("c1"));
    ContainerState s = sample("c1");
    ASSERT_TRUE(store.save(s));
    EXPECT_FALSE(fs::exists(store.dir_of("c1") + "/state.json.tmp"));
    auto loaded = store.load("c1");
    ASSERT_TRUE(loaded) << loaded.error().message;
    EXPECT_EQ(loaded->id, s.id);
    EXPECT_EQ(loaded->pid, s.pid);
    EXPECT_EQ(loaded->start_time, s.start_time);
    EXPECT_EQ(loaded->bundle, s.bundle);
    EXPECT_EQ(loaded->rootfs, s.rootfs);
    EXPECT_EQ(loaded->created, s.created);
    EXPECT_EQ(loaded->owner, s.owner);
    EXPECT_EQ(loaded->config_json, s.config_json);
    EXPECT_TRUE(store.lock("c1"));
}

// The config comes back as the text it was saved as, whatever its strings hold, and a state.json
// with the config elsewhere than last (not rong's writing) still loads.
TEST_F(StateStoreTest, ConfigTextComesBackAsItWas) {
    ASSERT_TRUE(store.create_dir("c1"));
    ContainerState s = sample("c1");
    s.bundle = R"(/b/x","config":{}})";
    s.config_json = R"({"ociVersion":"1.2.0", "annotations": {"k": ",\"config\":{}}", "}": "{"}})";
    s.cgroup_paths = {{"memory", "/sys/fs/cgroup/memory/c1"}, {"", "/sys/fs/cgroup/unified/c1"}};
    ASSERT_TRUE(store.save(s));
    auto loaded = store.load("c1");
    ASSERT_TRUE(loaded) << loaded.error().message;
    EXPECT_EQ(loaded->bundle, s.bundle);
    EXPECT_EQ(loaded->config_json, s.config_json);
    EXPECT_EQ(loaded->cgroup_paths, s.cgroup_paths);

    std::ofstream(store.dir_of("c1") + "/state.json") << R"({"config": {"ociVersion": "1.0.0"}, "id": "c1", "pid": 7})";
    loaded = store.load("c1");
    ASSERT_TRUE(loaded) << loaded.error().message;
    EXPECT_EQ(loaded->pid, 7);
    EXPECT_EQ(loaded->config_json, R"({"ociVersion":"1.0.0"})");
}

TEST_F(StateStoreTest, CorruptStateFile) {
    ASSERT_TRUE(store.create_dir("c1"));
    std::ofstream(store.dir_of("c1") + "/state.json") << "{not json";
    auto loaded = store.load("c1");
    ASSERT_FALSE(loaded);
    EXPECT_EQ(loaded.error().message, "corrupt state file " + store.dir_of("c1") + "/state.json");
}

TEST_F(StateStoreTest, IdsAreSortedAndSkipDirectoriesWithoutState) {
    auto none = store.ids();  // the root does not exist yet
    ASSERT_TRUE(none);
    EXPECT_TRUE(none->empty());
    for (const char* id : {"zeta", "alpha", "mid", "half"}) ASSERT_TRUE(store.create_dir(id));
    for (const char* id : {"zeta", "alpha", "mid"}) ASSERT_TRUE(store.save(sample(id)));
    touch(fs::path(store.root()) / "stray-file");
    fs::create_directory(fs::path(store.root()) / "bad id");
    touch(fs::path(store.root()) / "bad id" / "state.json");
    auto ids = store.ids();
    ASSERT_TRUE(ids) << ids.error().message;
    EXPECT_EQ(*ids, (std::vector<std::string>{"alpha", "mid", "zeta"}));
}

TEST_F(StateStoreTest, Remove) {
    ASSERT_TRUE(store.create_dir("c1"));
    ASSERT_TRUE(store.save(sample("c1")));
    touch(store.dir_of("c1") + "/" + kExecFifo);
    ASSERT_TRUE(store.remove("c1"));
    EXPECT_FALSE(fs::exists(store.dir_of("c1")));
    EXPECT_EQ(store.load("c1").error().errnum, ENOENT);
    EXPECT_TRUE(store.remove("c1"));  // already gone: not an error

    // What else is there goes too (runc removes it all): files and empty directories; a tree
    // is not rong's to walk.
    ASSERT_TRUE(store.create_dir("c2"));
    touch(store.dir_of("c2") + "/unexpected");
    fs::create_directory(store.dir_of("c2") + "/empty");
    ASSERT_TRUE(store.remove("c2"));
    EXPECT_FALSE(fs::exists(store.dir_of("c2")));
    ASSERT_TRUE(store.create_dir("c3"));
    fs::create_directories(store.dir_of("c3") + "/tree/deeper");
    auto st = store.remove("c3");
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().message, "remove " + store.dir_of("c3") + ": Directory not empty");
}

TEST_F(StateStoreTest, StatusOfLooksAtTheProcessAndTheFifo) {
    ASSERT_TRUE(store.create_dir("c1"));
    ContainerState s = sample("c1");
    s.pid = ::getpid();
    s.start_time = sys::read_proc_stat(::getpid())->start_time;
    std::string dir = store.dir_of("c1");
    EXPECT_EQ(status_of(s, dir), ContainerStatus::running);
    touch(dir + "/" + kExecFifo);
    EXPECT_EQ(status_of(s, dir), ContainerStatus::created);
    s.start_time += 1;  // the pid was recycled
    EXPECT_EQ(status_of(s, dir), ContainerStatus::stopped);
}

ContainerState json_sample() {
    ContainerState s;
    s.id = "c1";
    s.pid = 42;
    s.bundle = "/b";
    s.rootfs = "/b/rootfs";
    s.created = "2024-05-06T07:08:09.5Z";
    s.owner = "";
    s.config_json = R"({"ociVersion":"1.2.0"})";
    return s;
}

TEST(StateJson, RuncFieldOrder) {
    ContainerState s = json_sample();
    EXPECT_EQ(state_json(s, ContainerStatus::running, false),
              R"({"ociVersion":"1.2.0","id":"c1","pid":42,"status":"running","bundle":"/b",)"
              R"("rootfs":"/b/rootfs","created":"2024-05-06T07:08:09.5Z","owner":""})");
    EXPECT_EQ(state_json(s, ContainerStatus::created, true),
              "{\n  \"ociVersion\": \"1.2.0\",\n  \"id\": \"c1\",\n  \"pid\": 42,\n  \"status\": \"created\",\n"
              "  \"bundle\": \"/b\",\n  \"rootfs\": \"/b/rootfs\",\n  \"created\": \"2024-05-06T07:08:09.5Z\",\n"
              "  \"owner\": \"\"\n}");
}

TEST(StateJson, StoppedHasPidZero) {
    auto j = nlohmann::json::parse(state_json(json_sample(), ContainerStatus::stopped, false));
    EXPECT_EQ(j["pid"], 0);
    EXPECT_EQ(j["status"], "stopped");
}

TEST(StateJson, AnnotationsBeforeOwnerWhenPresent) {
    ContainerState s = json_sample();
    s.config_json = R"({"ociVersion":"1.0.2","annotations":{"z":"1","a":"2"}})";
    EXPECT_EQ(state_json(s, ContainerStatus::running, false),
              R"({"ociVersion":"1.0.2","id":"c1","pid":42,"status":"running","bundle":"/b",)"
              R"("rootfs":"/b/rootfs","created":"2024-05-06T07:08:09.5Z","annotations":{"a":"2","z":"1"},"owner":""})");
    s.config_json = R"({"ociVersion":"1.0.2","annotations":{}})";
    EXPECT_EQ(nlohmann::json::parse(state_json(s, ContainerStatus::running, false)).count("annotations"), 0u);
    s.config_json = "";  // no config saved: no version, no crash
    EXPECT_EQ(nlohmann::json::parse(state_json(s, ContainerStatus::running, false))["ociVersion"], "");
}

TEST(HookStateJson, RuntimeSpecFieldOrder) {
    ContainerState s = json_sample();
    spec::Config config;
    config.ociVersion = "1.2.0";
    config.annotations = {{"k", "v"}, {"a", "b"}};
    EXPECT_EQ(hook_state_json(s, ContainerStatus::created, config),
              R"({"ociVersion":"1.2.0","id":"c1","status":"created","pid":42,"bundle":"/b",)"
              R"("annotations":{"a":"b","k":"v"}})");
    // No pid once stopped (poststop) or before there is one; no empty annotations.
    config.annotations.clear();
    EXPECT_EQ(hook_state_json(s, ContainerStatus::stopped, config),
              R"({"ociVersion":"1.2.0","id":"c1","status":"stopped","bundle":"/b"})");
    s.pid = 0;
    EXPECT_EQ(hook_state_json(s, ContainerStatus::creating, config),
              R"({"ociVersion":"1.2.0","id":"c1","status":"creating","bundle":"/b"})");
}

TEST(NowRfc3339, GoRfc3339NanoFormatInUtc) {
    const std::regex shape(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{0,8}[1-9])?Z)");
    std::time_t before = std::time(nullptr);
    std::string now = now_rfc3339();
    std::time_t after = std::time(nullptr);
    EXPECT_TRUE(std::regex_match(now, shape)) << now;
    struct tm tm {};
    ASSERT_NE(::strptime(now.c_str(), "%Y-%m-%dT%H:%M:%S", &tm), nullptr) << now;
    std::time_t parsed = ::timegm(&tm);
    EXPECT_GE(parsed, before);
    EXPECT_LE(parsed, after);
}

TEST(ContainerStatusNames, ToString) {
    EXPECT_STREQ(to_string(ContainerStatus::creating), "creating");
    EXPECT_STREQ(to_string(ContainerStatus::created), "created");
    EXPECT_STREQ(to_string(ContainerStatus::running), "running");
    EXPECT_STREQ(to_string(ContainerStatus::paused), "paused");
    EXPECT_STREQ(to_string(ContainerStatus::stopped), "stopped");
}

}  // namespace
}  // namespace rong::container
