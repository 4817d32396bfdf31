// The seccomp agent hand-over (runtime-spec "seccomp state"): once the init has loaded a filter
// with SCMP_ACT_NOTIFY, `create` connects to linux.seccomp.listenerPath and sends, in one
// SCM_RIGHTS message, the listener fd and
//   {"ociVersion","fds":["seccompFd"],"pid","metadata","state":{the container's state}}.
#pragma once

#include <sys/types.h>

#include <string>

#include "base/result.hpp"
#include "security/seccomp.hpp"
#include "spec/config.hpp"

namespace rong::container {

// The JSON payload; `state_json` is the container's state as hooks get it.
std::string seccomp_state_json(const spec::Seccomp& seccomp, pid_t pid, const std::string& state_json);

Status send_seccomp_listener(const spec::Seccomp& seccomp, int listener_fd, pid_t pid, const std::string& state_json);

}  // namespace rong::container
