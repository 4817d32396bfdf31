// The rest of the container process's kernel attributes: linux.sysctl (namespaced ones only,
// written through a verified procfs), linux.personality, linux.memoryPolicy, process.scheduler,
// process.ioPriority, process.execCPUAffinity, process.apparmorProfile, process.selinuxLabel; and
// clear refusals for what this host or rong cannot do (an LSM that is absent, Intel RDT, netDevices).
#pragma once

#include <sched.h>

#include <string>

#include "base/result.hpp"
#include "spec/config.hpp"

namespace rong::security {

// What `create` checks before anything runs (pure but for the LSM probes): sysctl keys against
// the namespaces, known names of policies, classes, modes, domains; CPU lists.
Status check_linux_attrs(const spec::Config& config);

// runc's rule: sysctl `key` is allowed when its kernel namespace is the container's own.
Status check_sysctl(const std::string& key, const spec::Linux& linux_config);

// "0-3,7" → a CPU set; errors name `field`.
Result<cpu_set_t> parse_cpu_list(const std::string& list, const std::string& field);

// In the init, after pivot_root and before the read-only paths: each sysctl written through
// /proc opened and checked to be procfs (fstatfs), each file opened beneath it without symlinks
// or mount crossings and checked again (CVE-2019-19921, CVE-2023-27561).
Status apply_sysctls(const std::map<std::string, std::string>& sysctl);

// The AppArmor profile the next execve enters (its "exec" attribute), written through the /proc
// of the caller's mount namespace, checked as for sysctls: called while that is still the host's
// /proc, so a container's fake procfs cannot swallow it (CVE-2019-16884).
Status set_apparmor_profile(const std::string& profile);
// SELinux: the label of the next execve and of the keys created before it ("keycreate", for the
// container's session keyring), written likewise.
Status set_selinux_labels(const std::string& label);

// In the init before the process's own setup: personality, memory policy, scheduler, I/O
// priority.
Status apply_linux_attrs(const spec::Config& config);

// process.execCPUAffinity, for exec'd processes only (the spec exempts the init). `initial` is
// for the runtime before the process enters the container's cgroup: exec sets it on itself before
// the clone, which the process inherits. `final` is the process's once in the cgroup; without it,
// a process that had an `initial` one gets the cgroup's CPUs back.
Status set_initial_cpu_affinity(const spec::Process& process);
Status set_final_cpu_affinity(const spec::Process& process);

}  // namespace rong::security
