// linux.seccomp as the kernel takes it: the classic BPF program libseccomp generates, behind a
// stub that answers ENOSYS for syscalls newer than the profile knows, loaded with seccomp(2)
// directly. Programs are cached by content in the state root, so a repeated profile is not
// compiled again.
//
// Why the stub: a profile written before a syscall existed cannot name it, so its default action
// (often EPERM, or a kill) hits it; programs such as glibc probe new syscalls (clone3, statx,
// faccessat2...) and fall back only on ENOSYS. As runc does, any syscall number above the largest
// one the profile names (for that architecture) gets ENOSYS, unless the default action already
// lets unknown syscalls through (ALLOW, LOG).
#pragma once

#include <linux/filter.h>

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "spec/config.hpp"
#include "sys/fd.hpp"

namespace rong::security {

struct SeccompProgram {
    std::vector<sock_filter> code;
    unsigned flags = 0;     // SECCOMP_FILTER_FLAG_* from linux.seccomp.flags
    bool notifies = false;  // some rule is SCMP_ACT_NOTIFY: loading yields a listener fd
};

// compile_seccomp, exported to BPF, with the ENOSYS stub in front.
Result<SeccompProgram> seccomp_program(const spec::Seccomp& config);

// The same, through the cache in `cache_dir` (made 0700 if missing). The cache is used only if it
// is a directory of ours that nobody else can write; an entry that does not read back whole and
// for exactly this profile is ignored and replaced. Entries are written to a temp file and renamed.
Result<SeccompProgram> seccomp_program_cached(const spec::Seccomp& config, const std::string& cache_dir);

// What identifies a program: the profile's fields that shape it, the native architecture and
// libseccomp's version (the cache key; the hash of it names the entry).
std::string seccomp_cache_key(const spec::Seccomp& config);

// Serialised entry (key + program + checksum) and back; parse fails on any mismatch.
std::string seccomp_cache_entry(const std::string& key, const SeccompProgram& program);
Result<SeccompProgram> parse_seccomp_cache_entry(const std::string& entry, const std::string& key);

// seccomp(SECCOMP_SET_MODE_FILTER) in the calling thread. When the program notifies, returns the
// listener fd (else an empty Fd). Without no_new_privs the caller needs CAP_SYS_ADMIN.
Result<sys::Fd> load_seccomp_program(const SeccompProgram& program);

}  // namespace rong::security
