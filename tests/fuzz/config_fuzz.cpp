// libFuzzer target: config.json text → spec::Config (parsed and validated), then the pure
// translations create makes of it: mount options, capability names, cgroup v1 and v2 writes. Any
// input must end in a value or an Error, never a crash, a leak or undefined behaviour.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "cgroups/cgroups.hpp"
#include "rootfs/mount_options.hpp"
#include "security/capabilities.hpp"
#include "spec/parse.hpp"

using namespace rong;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto config = spec::parse_config(text);
    if (!config) return 0;
    for (const auto& m : config->mounts) (void)rootfs::parse_mount_options(m.options);
    if (config->process && config->process->capabilities)
        (void)security::resolve_capabilities(*config->process->capabilities);
    if (config->linux) {
        (void)rootfs::propagation_flag(config->linux->rootfsPropagation);
        if (config->linux->resources) {
            (void)cgroups::v1_writes(*config->linux->resources);
            (void)cgroups::v2_writes(*config->linux->resources);
        }
    }
    return 0;
}
