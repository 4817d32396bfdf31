// Process attributes applied by the init before exec: rlimits, OOM score, the user and groups,
// umask, no_new_privs, and the executable lookup in the container's PATH.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "spec/config.hpp"

namespace rong::security {

Status apply_rlimits(const std::vector<spec::Rlimit>& rlimits);
Status set_oom_score_adj(int value);
// Hands fds 0-2 (pipes, FIFOs, the pty) to `uid`, as runc does, so that a process that is not root
// can reopen them (/dev/stdout, its tty). Not /dev/null, nor what `uid` owns already.
Status give_stdio_to(uint32_t uid);
// setgroups, setresgid, setresuid. Capabilities survive it (PR_SET_KEEPCAPS) for apply_capabilities.
Status set_user(const spec::User& user);
Status set_no_new_privs();

// The fields of uid's line in /etc/passwd (of the caller's root), read as a file as runc does:
// NSS would load the container's libraries, and rong is linked statically.
std::optional<std::vector<std::string>> passwd_entry(uint32_t uid);
// The process environment as runc gives it: a name given twice once, in its first place with its
// last value; HOME added when the config leaves it out or empty: the user's home from the
// container's /etc/passwd (read as a file: NSS would load the container's libraries), else "/".
// Entries are NAME=value (spec/parse.cpp checks).
std::vector<std::string> process_env(const std::vector<std::string>& env, uint32_t uid);

// The search of the container's PATH (none without one, as runc and crun), done before
// `create` returns so a missing binary fails `create`:
// exec: "foo": executable file not found in $PATH
Result<std::string> find_executable(const std::string& name, const std::vector<std::string>& env);

}  // namespace rong::security
