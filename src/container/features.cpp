#include "container/features.hpp"

#include <seccomp.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "namespaces/namespaces.hpp"
#include "rootfs/mount_options.hpp"
#include "security/capabilities.hpp"

namespace rong::container {

SeccompFeatures seccomp_features() {
    SeccompFeatures f;
    f.actions = {"SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
                 "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY", "SCMP_ACT_TRACE", "SCMP_ACT_TRAP"};
    f.operators = {"SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE",
                   "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE"};
    f.archs = {"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32",
               "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64",
               "SCMP_ARCH_PPC64LE", "SCMP_ARCH_RISCV64", "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_X32",
               "SCMP_ARCH_X86", "SCMP_ARCH_X86_64"};
    f.known_flags = {"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_LOG",
                     "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"};
    // WAIT_KILLABLE_RECV needs a newer libseccomp than Debian 12's 2.5.4.
    f.supported_flags = {"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_LOG"};
    return f;
}

std::string features_json() {
    nlohmann::ordered_json j;
    j["ociVersionMin"] = "1.0.0";
    j["ociVersionMax"] = "1.3.0";
    j["hooks"] = {"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"};
    j["mountOptions"] = rootfs::mount_option_names();
    nlohmann::ordered_json linux;
    auto ns = namespaces::known_types();
    std::sort(ns.begin(), ns.end());
    linux["namespaces"] = ns;
    linux["capabilities"] = security::known_capabilities();
    linux["cgroup"] = {{"v1", true}, {"v2", true}, {"systemd", false}, {"systemdUser", false}, {"rdma", false}};
    SeccompFeatures sf = seccomp_features();
    linux["seccomp"] = {{"enabled", true},         {"actions", sf.actions},
                        {"operators", sf.operators}, {"archs", sf.archs},
                        {"knownFlags", sf.known_flags}, {"supportedFlags", sf.supported_flags}};
    linux["apparmor"] = {{"enabled", true}};
    linux["selinux"] = {{"enabled", true}};
    linux["intelRdt"] = {{"enabled", false}};
    linux["mountExtensions"] = {{"idmap", {{"enabled", true}}}};
    j["linux"] = linux;
    const struct scmp_version* v = seccomp_version();
    j["annotations"] = {{"io.github.seccomp.libseccomp.version", std::to_string(v->major) + "." +
                                                                   std::to_string(v->minor) + "." +
                                                                   std::to_string(v->micro)}};
    return j.dump(4);
}

}  // namespace rong::container
