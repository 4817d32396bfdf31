// config.json → spec::Config. Unknown fields are ignored (forward compatibility); a wrong type, a
// missing required field or an invalid value is one Error naming the JSON path:
//   "config.json: .process.args: expected a non-empty array of strings"
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/result.hpp"
#include "spec/config.hpp"

namespace rong::spec {

// Parses and validates a whole config (ociVersion 1.0.0 to 1.3.x). `origin` prefixes errors.
Result<Config> parse_config(std::string_view json_text, std::string_view origin = "config.json");

// Parses a process object alone (exec --process FILE).
Result<Process> parse_process(std::string_view json_text, std::string_view origin = "process.json");

// Parses a LinuxResources object alone (update --resources FILE).
Result<Resources> parse_resources(std::string_view json_text, std::string_view origin = "resources");

// The inverse of parse_resources: the fields of `r` that are set, as linux.resources JSON.
nlohmann::ordered_json resources_json(const Resources& r);

// Parses a linux.seccomp object alone (a profile file; the seccomp fuzz target).
Result<Seccomp> parse_seccomp(std::string_view json_text, std::string_view origin = "seccomp");

// The config `rong spec` writes: busybox-friendly, runc's defaults (sh, terminal, the default
// mounts, capabilities, masked and read-only paths, namespaces). `rootless` maps the caller's ids.
std::string default_config_json(bool rootless, uint32_t uid = 0, uint32_t gid = 0);

}  // namespace rong::spec
