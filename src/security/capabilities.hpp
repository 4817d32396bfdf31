// The five capability sets of process.capabilities: names to numbers, then prctl and capset(2).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "spec/config.hpp"

namespace rong::security {

// Capability numbers (<linux/capability.h>: CAP_CHOWN is 0).
struct CapabilitySets {
    std::vector<int> bounding, effective, inheritable, permitted, ambient;
};

// "CAP_CHOWN" ... for every capability this build and the running kernel both know, in order.
std::vector<std::string> known_capabilities();

// Names to values. As runc 1.1+, a name nobody knows, or one the running kernel lacks, is dropped
// (a config written for a newer kernel still runs), with a warning from unavailable_capabilities.
Result<CapabilitySets> resolve_capabilities(const spec::Capabilities& caps);
// The warnings for what resolve_capabilities drops, one per set that names any. Given by the
// runtime, not the init: the init's warnings would reach neither --log nor the caller's stderr.
std::vector<std::string> unavailable_capabilities(const spec::Capabilities& caps);

// Step one, while still privileged: drop from the bounding set everything not in it. `current`:
// the bounding set as it is (CapBnd), if known; else every number is tried up to the kernel's end.
Status drop_bounding(const CapabilitySets& caps, std::optional<uint64_t> current);
// Step two, after the uid change: effective, permitted and inheritable, then the ambient set.
// Inheritable is exactly the config's: never widened (CVE-2022-29162).
Status apply_capabilities(const CapabilitySets& caps);

}  // namespace rong::security
