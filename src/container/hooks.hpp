// OCI hooks: each runs with the container's state JSON on its stdin, its own args and env, and is
// killed when its timeout passes.
#pragma once

#include <string>
#include <vector>

#include "base/result.hpp"
#include "spec/config.hpp"

namespace rong::container {

// Runs `hooks` in order; the first failure stops them and is returned ("prestart hook #0 (/bin/x):
// exit status 1").
Status run_hooks(const char* kind, const std::vector<spec::Hook>& hooks, const std::string& state_json);

}  // namespace rong::container
