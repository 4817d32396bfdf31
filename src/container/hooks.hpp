// OCI hooks: each runs with the container's state JSON on its stdin, its own args and env, and is
// killed when its timeout passes.
#pragma once

#include <string>
#include <vector>

#include "base/result.hpp"
#include "spec/config.hpp"

namespace rong::container {

// Where hooks run, as runc runs them: the working directory ("" keeps rong's: the container's
// for startContainer) and the environment of a hook whose config gives none (null: rong's own,
// which the runtime's hooks inherit; the container process's for the container's hooks).
struct HookPlace {
    std::string cwd;
    const std::vector<std::string>* env = nullptr;
};

// Runs `hooks` in order; the first failure stops them and is returned ("prestart hook #0 (/bin/x):
// exit status 1, stdout: ..., stderr: ..."). A hook's own output is kept out of rong's (which may
// be the container's stdio) and shown only in that error.
Status run_hooks(const char* kind, const std::vector<spec::Hook>& hooks, const std::string& state_json,
                 const HookPlace& place = {});
// poststart and poststop: a failure is a warning, and the hooks after it run (the runtime spec;
// runc 1.1.5 stops at the first).
void run_hooks_warning(const char* kind, const std::vector<spec::Hook>& hooks, const std::string& state_json,
                       const HookPlace& place = {});

}  // namespace rong::container
