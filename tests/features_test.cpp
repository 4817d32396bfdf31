// `rong features` may claim only what the code accepts: every name it lists is run through the
// same parsers the config goes through.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "container/features.hpp"
#include "rootfs/mount_options.hpp"
#include "security/seccomp.hpp"
#include "spec/parse.hpp"

namespace rong {
namespace {

TEST(Features, SeccompNamesAreAcceptedBySeccompCode) {
    auto f = container::seccomp_features();
    for (const auto& a : f.actions) EXPECT_TRUE(security::seccomp_action(a, std::nullopt, "t")) << a;
    for (const auto& o : f.operators) EXPECT_TRUE(security::seccomp_operator(o)) << o;
    for (const auto& a : f.archs) EXPECT_TRUE(security::seccomp_arch(a)) << a;
    EXPECT_FALSE(security::seccomp_action("SCMP_ACT_NOPE", std::nullopt, "t"));
}

TEST(Features, SupportedSeccompFlagsCompile) {
    for (const auto& flag : container::seccomp_features().supported_flags) {
        spec::Seccomp s;
        s.defaultAction = "SCMP_ACT_ALLOW";
        s.flags = {flag};
        EXPECT_TRUE(security::compile_seccomp(s)) << flag;
    }
}

TEST(Features, MountOptionsAreAllUnderstood) {
    for (const auto& name : rootfs::mount_option_names()) {
        auto opts = rootfs::parse_mount_options({name});
        EXPECT_TRUE(opts.data.empty()) << name << " would be passed to the filesystem as data";
    }
}

TEST(Features, DocumentShape) {
    auto j = nlohmann::json::parse(container::features_json());
    EXPECT_EQ(j["ociVersionMin"], "1.0.0");
    EXPECT_EQ(j["ociVersionMax"], "1.3.0");
    EXPECT_EQ(j["hooks"].size(), 6u);
    EXPECT_TRUE(j["linux"]["seccomp"]["enabled"].get<bool>());
    EXPECT_EQ(j["linux"]["namespaces"].size(), 8u);
    // Every capability the running kernel has, by its config name.
    bool has_sys_admin = false;
    for (const auto& c : j["linux"]["capabilities"]) has_sys_admin |= c == "CAP_SYS_ADMIN";
    EXPECT_TRUE(has_sys_admin);
}

}  // namespace
}  // namespace rong
