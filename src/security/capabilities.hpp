// The five capability sets of process.capabilities, through libcap.
#pragma once

#include <sys/capability.h>

#include <vector>

#include "base/result.hpp"
#include "spec/config.hpp"

namespace rong::security {

struct CapabilitySets {
    std::vector<cap_value_t> bounding, effective, inheritable, permitted, ambient;
};

// Names to values. As runc 1.1+, a name nobody knows, or one the running kernel lacks, is dropped
// with a warning (a config written for a newer kernel or another libcap still runs).
Result<CapabilitySets> resolve_capabilities(const spec::Capabilities& caps);

// Step one, while still privileged: drop from the bounding set everything not in it.
Status drop_bounding(const CapabilitySets& caps);
// Step two, after the uid change: effective, permitted and inheritable, then the ambient set.
// Inheritable is exactly the config's: never widened (CVE-2022-29162).
Status apply_capabilities(const CapabilitySets& caps);

}  // namespace rong::security
