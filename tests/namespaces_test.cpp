// namespaces/namespaces.hpp: which namespaces clone3 creates and which are joined by path, decided
// from the config alone; namespace type names; the uid_map/gid_map text.
#include <sched.h>

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "namespaces/namespaces.hpp"
#include "spec/parse.hpp"

namespace rong::namespaces {
namespace {

spec::Config with_namespaces(std::vector<spec::Namespace> namespaces) {
    spec::Config config;
    config.linux.emplace();
    config.linux->namespaces = std::move(namespaces);
    return config;
}

std::vector<std::string> join_types(const Plan& p) {
    std::vector<std::string> out;
    for (const auto& j : p.joins) out.push_back(j.type);
    return out;
}

TEST(NamespacesPlan, RuncDefaultConfig) {
    auto config = spec::parse_config(spec::default_config_json(false));
    ASSERT_TRUE(config) << config.error().message;
    Plan p = plan(*config);
    EXPECT_EQ(p.clone_flags, uint64_t{CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNS});
    EXPECT_TRUE(p.joins.empty());
    EXPECT_FALSE(p.new_user);
    EXPECT_FALSE(p.join_pid);
    EXPECT_FALSE(p.unshare_time);
}

TEST(NamespacesPlan, RootlessDefaultConfigCreatesAUserNamespaceAndNoNetwork) {
    auto config = spec::parse_config(spec::default_config_json(true, 1000, 1000));
    ASSERT_TRUE(config) << config.error().message;
    Plan p = plan(*config);
    EXPECT_EQ(p.clone_flags, uint64_t{CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNS | CLONE_NEWUSER});
    EXPECT_TRUE(p.new_user);
}

TEST(NamespacesPlan, NoLinuxSectionPlansNothing) {
    Plan p = plan(spec::Config{});
    EXPECT_EQ(p.clone_flags, 0u);
    EXPECT_TRUE(p.joins.empty());
}

TEST(NamespacesPlan, JoinedNamespacesAreOrderedUserFirst) {
    // Config order is deliberately scrambled: the plan's order is fixed.
    Plan p = plan(with_namespaces({{"mount", "/proc/9/ns/mnt"},
                                      {"network", "/var/run/netns/x"},
                                      {"cgroup", "/proc/9/ns/cgroup"},
                                      {"ipc", "/proc/9/ns/ipc"},
                                      {"uts", "/proc/9/ns/uts"},
                                      {"user", "/proc/9/ns/user"}}));
    EXPECT_EQ(join_types(p), (std::vector<std::string>{"user", "ipc", "uts", "network", "cgroup", "mount"}));
    ASSERT_EQ(p.joins.size(), 6u);
    EXPECT_EQ(p.joins[0].nstype, CLONE_NEWUSER);
    EXPECT_EQ(p.joins[0].path, "/proc/9/ns/user");
    EXPECT_EQ(p.joins[3].nstype, CLONE_NEWNET);
    EXPECT_EQ(p.joins[3].path, "/var/run/netns/x");
    EXPECT_EQ(p.joins[5].nstype, CLONE_NEWNS);
    EXPECT_EQ(p.clone_flags, 0u);
    EXPECT_FALSE(p.new_user);
}

TEST(NamespacesPlan, MixOfNewAndJoined) {
    Plan p = plan(with_namespaces({{"pid", ""}, {"network", "/var/run/netns/x"}, {"mount", ""}, {"uts", ""}}));
    EXPECT_EQ(p.clone_flags, uint64_t{CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS});
    EXPECT_EQ(join_types(p), std::vector<std::string>{"network"});
}

TEST(NamespacesPlan, JoinedPidIsEnteredByTheParent) {
    Plan p = plan(with_namespaces({{"pid", "/proc/9/ns/pid"}, {"mount", ""}}));
    EXPECT_TRUE(p.join_pid);
    EXPECT_TRUE(p.joins.empty());  // not setns'd by the init
    EXPECT_EQ(p.clone_flags, uint64_t{CLONE_NEWNS});
}

TEST(NamespacesPlan, NewTimeNamespaceIsUnsharedByTheInit) {
    Plan p = plan(with_namespaces({{"time", ""}, {"mount", ""}}));
    EXPECT_TRUE(p.unshare_time);
    EXPECT_EQ(p.clone_flags, uint64_t{CLONE_NEWNS});  // never CLONE_NEWTIME at clone time
    Plan joined = plan(with_namespaces({{"time", "/proc/9/ns/time"}}));
    EXPECT_FALSE(joined.unshare_time);
    EXPECT_EQ(join_types(joined), std::vector<std::string>{"time"});
}

TEST(NamespacesPlan, NewUserNamespaceWithJoinedOnesIsStaged) {
    // The network namespace is the host's: only a process still outside the new user namespace
    // may join it, so the init cannot be cloned straight into the new one.
    Plan p = plan(with_namespaces({{"user", ""}, {"mount", ""}, {"network", "/var/run/netns/x"}}));
    EXPECT_TRUE(p.new_user);
    EXPECT_TRUE(p.in_user_namespace());
    EXPECT_EQ(p.clone_flags, uint64_t{CLONE_NEWUSER | CLONE_NEWNS});
    EXPECT_EQ(join_types(p), std::vector<std::string>{"network"});
    EXPECT_TRUE(p.staged);
    // Nothing to join first: one clone.
    EXPECT_FALSE(plan(with_namespaces({{"user", ""}, {"mount", ""}})).staged);
    // A joined pid namespace alone is entered by the parent around the clone.
    EXPECT_FALSE(plan(with_namespaces({{"user", ""}, {"mount", ""}, {"pid", "/proc/9/ns/pid"}})).staged);
}

TEST(NamespacesPlan, JoinedUserNamespaceOwningNewOnesIsStaged) {
    Plan p = plan(with_namespaces({{"user", "/proc/9/ns/user"}, {"mount", ""}, {"pid", ""}}));
    EXPECT_TRUE(p.join_user);
    EXPECT_FALSE(p.new_user);
    EXPECT_TRUE(p.in_user_namespace());
    EXPECT_TRUE(p.staged);
    EXPECT_EQ(p.clone_flags, uint64_t{CLONE_NEWNS | CLONE_NEWPID});
    // Joining the user namespace and only joining the rest: the init joins them itself.
    Plan all_joined = plan(with_namespaces({{"user", "/proc/9/ns/user"}, {"mount", "/proc/9/ns/mnt"}}));
    EXPECT_EQ(join_types(all_joined), (std::vector<std::string>{"user", "mount"}));
    EXPECT_FALSE(all_joined.staged);
    EXPECT_TRUE(all_joined.join_user);
}

TEST(Namespaces, CloneFlagAndProcName) {
    struct Case {
        const char* type;
        int flag;
        const char* proc;
    };
    const Case cases[] = {
        {"user", CLONE_NEWUSER, "user"}, {"ipc", CLONE_NEWIPC, "ipc"},       {"uts", CLONE_NEWUTS, "uts"},
        {"network", CLONE_NEWNET, "net"}, {"pid", CLONE_NEWPID, "pid"},       {"cgroup", CLONE_NEWCGROUP, "cgroup"},
        {"mount", CLONE_NEWNS, "mnt"},   {"time", CLONE_NEWTIME, "time"},    {"net", 0, ""},
        {"mnt", 0, ""},                  {"", 0, ""},                        {"PID", 0, ""},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(clone_flag(c.type), c.flag) << c.type;
        EXPECT_EQ(proc_name(c.type), c.proc) << c.type;
    }
}

TEST(Namespaces, FormatIdMap) {
    EXPECT_EQ(format_id_map({}), "");
    EXPECT_EQ(format_id_map({{0, 1000, 1}}), "0 1000 1\n");
    EXPECT_EQ(format_id_map({{0, 100000, 65536}, {65536, 4294967294u, 1}}),
              "0 100000 65536\n65536 4294967294 1\n");
}

}  // namespace
}  // namespace rong::namespaces
