#include "container/features.hpp"

#include <sys/capability.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "namespaces/namespaces.hpp"
#include "rootfs/mount_options.hpp"

namespace rong::container {

namespace {

std::vector<std::string> capability_names() {
    std::vector<std::string> out;
    for (cap_value_t c = 0; c < static_cast<cap_value_t>(cap_max_bits()); ++c) {
        char* name = cap_to_name(c);
        if (!name) continue;
        std::string upper = name;
        cap_free(name);
        std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char ch) { return std::toupper(ch); });
        out.push_back(upper);
    }
    return out;
}

}  // namespace

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
    linux["capabilities"] = capability_names();
    linux["cgroup"] = {{"v1", true}, {"v2", true}, {"systemd", false}, {"systemdUser", false}, {"rdma", false}};
    linux["seccomp"] = {{"enabled", false}};
    linux["apparmor"] = {{"enabled", false}};
    linux["selinux"] = {{"enabled", false}};
    linux["intelRdt"] = {{"enabled", false}};
    linux["mountExtensions"] = {{"idmap", {{"enabled", false}}}};
    j["linux"] = linux;
    j["annotations"] = nlohmann::ordered_json::object();
    return j.dump(4);
}

}  // namespace rong::container
