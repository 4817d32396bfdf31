// spec/kernel_names.hpp: the tables are complete and agree with the running kernel.
#include <sys/resource.h>
#include <unistd.h>

#include <set>
#include <string>

#include <gtest/gtest.h>

#include "spec/kernel_names.hpp"

namespace rong::spec {
namespace {

TEST(KernelNames, EveryRlimitOnceByItsName) {
    std::set<int> resources;
    for (const auto& r : kRlimitTypes) {
        EXPECT_EQ(rlimit_resource(r.name), r.resource) << r.name;
        EXPECT_EQ("RLIMIT_" + std::string(r.name.substr(7)), r.name);
        resources.insert(r.resource);
    }
    EXPECT_EQ(resources.size(), static_cast<std::size_t>(RLIM_NLIMITS));
    for (const char* name : {"NOFILE", "rlimit_nofile", "RLIMIT_", "", "RLIMIT_NOFILE "})
        EXPECT_EQ(rlimit_resource(name), -1) << '"' << name << '"';
}

TEST(KernelNames, NamespaceTypesMatchProc) {
    std::set<int> flags;
    for (const auto& t : kNamespaceTypes) {
        EXPECT_EQ(find_namespace_type(t.type), &t);
        std::string link = "/proc/self/ns/" + std::string(t.proc);
        EXPECT_EQ(::access(link.c_str(), F_OK), 0) << link;
        flags.insert(t.clone_flag);
    }
    EXPECT_EQ(flags.size(), kNamespaceTypes.size());
    EXPECT_EQ(kNamespaceTypes.front().type, "user");  // entered first: it grants the rest
    EXPECT_EQ(find_namespace_type("net"), nullptr);    // the /proc name is not the spec's
    EXPECT_EQ(find_namespace_type(""), nullptr);
}

}  // namespace
}  // namespace rong::spec
