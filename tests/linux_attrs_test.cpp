// security/linux_attrs.hpp: which sysctls a container may set, CPU lists, and the refusals.
#include <gtest/gtest.h>

#include "security/linux_attrs.hpp"

namespace rong::security {
namespace {

spec::Linux with_namespaces(std::vector<std::string> types) {
    spec::Linux l;
    for (auto& t : types) {
        spec::Namespace ns;
        ns.type = t;
        l.namespaces.push_back(ns);
    }
    return l;
}

TEST(Sysctl, AllowedOnlyInTheContainersOwnNamespace) {
    auto all = with_namespaces({"ipc", "network", "uts", "mount"});
    auto none = with_namespaces({"mount"});
    for (const char* key : {"kernel.shmmax", "kernel.msgmnb", "kernel.sem", "kernel.shm_rmid_forced",
                            "fs.mqueue.msg_max", "net.ipv4.ip_forward", "net.core.somaxconn", "kernel.domainname"}) {
        EXPECT_TRUE(check_sysctl(key, all)) << key;
        EXPECT_FALSE(check_sysctl(key, none)) << key;
    }
    auto e = check_sysctl("kernel.shmmax", none);
    EXPECT_EQ(e.error().message, "linux.sysctl: sysctl \"kernel.shmmax\" is not allowed in the hosts ipc namespace");
    e = check_sysctl("net.ipv4.ip_forward", with_namespaces({"ipc"}));
    EXPECT_EQ(e.error().message,
              "linux.sysctl: sysctl \"net.ipv4.ip_forward\" is not allowed in the hosts network namespace");
    e = check_sysctl("vm.swappiness", all);
    EXPECT_EQ(e.error().message, "linux.sysctl: sysctl \"vm.swappiness\" is not in a separate kernel namespace");
    e = check_sysctl("kernel.hostname", all);
    EXPECT_NE(e.error().message.find("conflicts with the OCI \"hostname\" field"), std::string::npos);
    EXPECT_FALSE(check_sysctl("kernel.msgmax.extra", all));
}

TEST(CpuList, Parses) {
    auto set = parse_cpu_list("0-2,5", "f");
    ASSERT_TRUE(set) << set.error().message;
    EXPECT_EQ(CPU_COUNT(&*set), 4);
    EXPECT_TRUE(CPU_ISSET(5, &*set));
    EXPECT_FALSE(CPU_ISSET(3, &*set));
    for (const char* bad : {"", "a", "3-1", "1,", "-1", "1--2", "99999999"}) {
        auto r = parse_cpu_list(bad, "process.execCPUAffinity.final");
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error().message, std::string("process.execCPUAffinity.final: invalid list \"") + bad + "\"");
    }
}

TEST(LinuxAttrs, UnknownNamesAndUnsupportedFeaturesAreRefused) {
    struct Case {
        std::function<void(spec::Config&)> edit;
        std::string want;
    };
    std::vector<Case> cases = {
        {[](spec::Config& c) { c.process->scheduler = spec::Scheduler{"SCHED_NOPE"}; }, "process.scheduler.policy: unknown value"},
        {[](spec::Config& c) { c.process->ioPriority = spec::IoPriority{"IOPRIO_CLASS_BE", 9}; }, "process.ioPriority.priority: 9"},
        {[](spec::Config& c) { c.process->ioPriority = spec::IoPriority{"BE", 1}; }, "process.ioPriority.class: unknown value"},
        {[](spec::Config& c) { c.linux->personality = spec::Personality{"LINUX64", {}}; }, "linux.personality.domain: unknown value"},
        {[](spec::Config& c) { c.linux->memoryPolicy = spec::MemoryPolicy{"MPOL_BIND", "0-x", {}}; }, "linux.memoryPolicy.nodes: invalid list"},
        {[](spec::Config& c) { c.linux->intelRdt = spec::IntelRdt{}; }, "linux.intelRdt: Intel RDT is not supported"},
        {[](spec::Config& c) { c.linux->netDevices["eth0"] = {}; }, "linux.netDevices: moving network devices is not supported"},
        {[](spec::Config& c) { c.linux->sysctl["vm.swappiness"] = "1"; }, "not in a separate kernel namespace"},
    };
    for (const auto& tc : cases) {
        spec::Config c;
        c.process.emplace();
        c.linux = with_namespaces({"mount"});
        EXPECT_TRUE(check_linux_attrs(c));
        tc.edit(c);
        auto st = check_linux_attrs(c);
        ASSERT_FALSE(st) << tc.want;
        EXPECT_NE(st.error().message.find(tc.want), std::string::npos) << st.error().message;
    }
}

}  // namespace
}  // namespace rong::security
