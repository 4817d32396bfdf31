// Device rules: reduced to what they mean (as the v1 kernel applies them, and runc's emulator),
// then written to v1's devices.deny/devices.allow, or, for cgroup v2, compiled into an eBPF program of type
// BPF_PROG_TYPE_CGROUP_DEVICE (hand-assembled, no libbpf) and attached to a cgroup directory with
// the bpf() syscall. cgroup v2 has no devices.allow/deny files: the program decides every open and
// mknod of a device node by a process in the cgroup (and below it).
#pragma once

#include <linux/bpf.h>

#include <cstdint>
#include <vector>

#include "base/result.hpp"
#include "cgroups/cgroups.hpp"
#include "spec/config.hpp"

namespace rong::cgroups {

// What a rule list means once applied in order, as the v1 devices cgroup does it and runc's
// emulator mirrors it for v2: a rule of type "a" resets everything to allow-all or deny-all; any
// other rule adds an exception to the default (allow rules in deny mode, deny rules in allow
// mode) or takes access away from an existing one. So every exception has the opposite action of
// the default, and their order does not matter.
struct DeviceRuleSet {
    struct Exception {
        char type;       // 'c' or 'b'
        int64_t major;   // -1: any
        int64_t minor;   // -1: any
        uint32_t access; // BPF_DEVCG_ACC_* bits, never empty
        bool operator==(const Exception&) const = default;
    };
    bool default_allow = false;
    std::vector<Exception> exceptions;  // sorted by (major, minor, type) as runc lists them
};

// Errors: a rule without access (runc refuses it), a major or minor above 2^32-1, and taking
// access away from part of a wildcard exception ("deny c 1:3" after "allow c *:* rwm"), which the
// v1 kernel would silently ignore and runc refuses.
Result<DeviceRuleSet> emulate_device_rules(const std::vector<spec::DeviceRule>& rules);

// The v1 devices cgroup writes for a rule set: its default ("a" to devices.deny or
// devices.allow, which also clears what was there), then each exception to the other file.
std::vector<Write> v1_device_writes(const DeviceRuleSet& rules);

// The program for a rule set: r2 = device type, r3 = access, r4 = major, r5 = minor, then one
// block per exception (a mismatch jumps to the next block; a match returns its action), then the
// default. An allow exception matches when it grants all the access asked for, a deny exception
// when it covers any of it (runc 1.1's program needs all for both, so its deny-"w" exception lets
// an O_RDWR open through).
std::vector<bpf_insn> device_filter_program(const DeviceRuleSet& rules);

// Loads `program` and attaches it to the cgroup directory `cgroup_fd` (BPF_F_ALLOW_MULTI), then
// detaches every program that was attached there before (rong's own, from create or an earlier
// update): the cgroup is never without a filter. The attachment holds the program; no fd is kept.
// `replace` false: the directory is known to have none (made a moment ago), nothing is looked up.
Status attach_device_filter(int cgroup_fd, const std::vector<bpf_insn>& program, bool replace = true);

// The ids of the device programs attached directly to a cgroup directory.
Result<std::vector<uint32_t>> attached_device_filters(int cgroup_fd);

}  // namespace rong::cgroups
