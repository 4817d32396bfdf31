// CVE-2019-5736 where non-dumpable is not enough. While rong runs in a container's namespaces
// (the init until its execve, exec's process until its own), a process of the container that can
// open /proc/<that pid>/exe gets a handle on the rong binary; once no rong runs any more, it can
// reopen it for writing and replace the host's runtime. PR_SET_DUMPABLE 0 (both set it first)
// keeps out every process without CAP_SYS_PTRACE in rong's user namespace, which is enough for
// most containers. For one that may have such a process, rong first re-executes itself from a
// sealed copy in memory: /proc/<pid>/exe is then that copy, which nobody can write. The copy and
// the second start cost about 2 ms here, paid by those containers only (crun re-executes itself
// on every command).
#pragma once

#include "base/result.hpp"
#include "spec/config.hpp"

namespace rong::security {

// Whether a process of the container may hold CAP_SYS_PTRACE over rong: the container shares
// rong's user namespace, and CAP_SYS_PTRACE is in its process's bounding set, or in
// `exec_caps` (the one exec starts), or it shares a pid namespace with processes whose
// capabilities rong does not know.
bool may_trace_runtime(const spec::Config& config, const spec::Capabilities* exec_caps = nullptr);

// Re-executes rong, with the same arguments and environment, from a sealed copy of its loaded
// part in a memfd, unless it runs from one already (then it returns). Returns only on failure
// otherwise; it must come before the command has done anything.
Status run_from_sealed_copy();

}  // namespace rong::security
