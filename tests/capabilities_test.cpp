// security/capabilities.hpp: capability names of process.capabilities resolved to values.
#include <linux/capability.h>

#include <gtest/gtest.h>

#include "security/capabilities.hpp"
#include "security/sealed_exe.hpp"

namespace rong::security {
namespace {

using Values = std::vector<int>;

TEST(ResolveCapabilities, EachSetKeepsItsNamesInOrder) {
    spec::Capabilities caps;
    caps.bounding = {"CAP_KILL", "CAP_CHOWN", "CAP_NET_BIND_SERVICE", "CAP_AUDIT_WRITE"};
    caps.effective = {"CAP_CHOWN"};
    caps.inheritable = {};
    caps.permitted = {"CAP_SYS_ADMIN", "CAP_SETUID"};
    caps.ambient = {"CAP_NET_RAW"};
    auto sets = resolve_capabilities(caps);
    ASSERT_TRUE(sets) << sets.error().message;
    EXPECT_EQ(sets->bounding, (Values{CAP_KILL, CAP_CHOWN, CAP_NET_BIND_SERVICE, CAP_AUDIT_WRITE}));
    EXPECT_EQ(sets->effective, (Values{CAP_CHOWN}));
    EXPECT_EQ(sets->inheritable, Values{});
    EXPECT_EQ(sets->permitted, (Values{CAP_SYS_ADMIN, CAP_SETUID}));
    EXPECT_EQ(sets->ambient, (Values{CAP_NET_RAW}));
}

TEST(ResolveCapabilities, NamesAreCaseInsensitive) {
    spec::Capabilities caps;
    caps.bounding = {"cap_kill", "Cap_Chown"};
    auto sets = resolve_capabilities(caps);
    ASSERT_TRUE(sets) << sets.error().message;
    EXPECT_EQ(sets->bounding, (Values{CAP_KILL, CAP_CHOWN}));
}

// runc 1.1+ warns and ignores unknown capability names (1.0 failed). The warnings are the
// runtime's (unavailable_capabilities), not the init's, which could not be seen with --log.
TEST(ResolveCapabilities, UnknownNameIsWarnedAndIgnored) {
    struct Case {
        std::vector<std::string> spec::Capabilities::*set;
        Values CapabilitySets::*out;
        const char* name;
    };
    const Case cases[] = {
        {&spec::Capabilities::bounding, &CapabilitySets::bounding, "bounding"},
        {&spec::Capabilities::effective, &CapabilitySets::effective, "effective"},
        {&spec::Capabilities::inheritable, &CapabilitySets::inheritable, "inheritable"},
        {&spec::Capabilities::permitted, &CapabilitySets::permitted, "permitted"},
        {&spec::Capabilities::ambient, &CapabilitySets::ambient, "ambient"},
    };
    for (const auto& c : cases) {
        spec::Capabilities caps;
        caps.*c.set = {"CAP_KILL", "CAP_FLY", "12"};
        auto sets = resolve_capabilities(caps);
        ASSERT_TRUE(sets) << c.name << ": " << sets.error().message;
        EXPECT_EQ((*sets).*c.out, (Values{CAP_KILL})) << c.name;
        EXPECT_EQ(unavailable_capabilities(caps),
                  std::vector<std::string>{std::string("process.capabilities.") + c.name +
                                           ": ignoring unknown or unavailable capabilities: [CAP_FLY 12]"});
    }
    spec::Capabilities no_prefix;
    no_prefix.bounding = {"KILL", "CAP_KILL"};
    auto sets = resolve_capabilities(no_prefix);
    ASSERT_TRUE(sets);
    EXPECT_EQ(sets->bounding, (Values{CAP_KILL}));
    auto warned = unavailable_capabilities(no_prefix);
    ASSERT_EQ(warned.size(), 1u);
    EXPECT_NE(warned[0].find("[KILL]"), std::string::npos) << warned[0];
    spec::Capabilities known;
    known.bounding = {"CAP_KILL"};
    EXPECT_TRUE(unavailable_capabilities(known).empty());
}

// CVE-2019-5736: whether rong runs from its sealed copy follows the capability the init grants,
// however the config spells it (a lower-case name once slipped past a string compare).
TEST(MayTraceRuntime, FollowsTheGrantedCapability) {
    auto config_with = [](std::vector<std::string> bounding) {
        spec::Config config;
        config.linux.emplace();
        config.process.emplace();
        config.process->capabilities.emplace();
        config.process->capabilities->bounding = std::move(bounding);
        return config;
    };
    EXPECT_FALSE(may_trace_runtime(config_with({"CAP_KILL"})));
    EXPECT_TRUE(may_trace_runtime(config_with({"CAP_SYS_PTRACE"})));
    EXPECT_TRUE(may_trace_runtime(config_with({"cap_sys_ptrace"})));
    EXPECT_TRUE(may_trace_runtime(config_with({"Cap_Sys_Ptrace", "CAP_KILL"})));
    spec::Capabilities exec_caps;
    exec_caps.bounding = {"cap_sys_ptrace"};
    EXPECT_TRUE(may_trace_runtime(config_with({"CAP_KILL"}), &exec_caps));
    // In a user namespace of its own the container's capabilities end there.
    spec::Config in_userns = config_with({"cap_sys_ptrace"});
    in_userns.linux->namespaces.push_back({"user", ""});
    EXPECT_FALSE(may_trace_runtime(in_userns));
}

}  // namespace
}  // namespace rong::security
