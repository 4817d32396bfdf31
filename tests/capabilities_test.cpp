// security/capabilities.hpp: capability names of process.capabilities resolved to values.
#include <linux/capability.h>

#include <gtest/gtest.h>

#include "security/capabilities.hpp"

namespace rong::security {
namespace {

using Values = std::vector<cap_value_t>;

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

TEST(ResolveCapabilities, UnknownNameIsAnErrorNamingTheSet) {
    struct Case {
        std::vector<std::string> spec::Capabilities::*set;
        const char* name;
    };
    const Case cases[] = {
        {&spec::Capabilities::bounding, "bounding"},       {&spec::Capabilities::effective, "effective"},
        {&spec::Capabilities::inheritable, "inheritable"}, {&spec::Capabilities::permitted, "permitted"},
        {&spec::Capabilities::ambient, "ambient"},
    };
    for (const auto& c : cases) {
        spec::Capabilities caps;
        caps.*c.set = {"CAP_KILL", "CAP_FLY"};
        auto sets = resolve_capabilities(caps);
        ASSERT_FALSE(sets) << c.name;
        EXPECT_EQ(sets.error().message,
                  std::string("process.capabilities.") + c.name + ": unknown capability \"CAP_FLY\"");
    }
    spec::Capabilities no_prefix;
    no_prefix.bounding = {"KILL"};
    EXPECT_FALSE(resolve_capabilities(no_prefix));
}

}  // namespace
}  // namespace rong::security
