#include "security/seccomp_program.hpp"

#include <fcntl.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <map>

#include "base/log.hpp"
#include "security/seccomp.hpp"

namespace rong::security {

namespace {

constexpr uint32_t kX32Bit = 0x40000000;  // __X32_SYSCALL_BIT
constexpr std::string_view kEntryMagic = "rong-seccomp-bpf-1\n";

sock_filter stmt(uint16_t code, uint32_t k) { return sock_filter{code, 0, 0, k}; }
sock_filter jump(uint16_t code, uint32_t k, uint8_t jt, uint8_t jf) { return sock_filter{code, jt, jf, k}; }

// libseccomp writes the program to an fd only (2.5): through a memfd, read back whole.
Result<std::vector<sock_filter>> export_bpf(scmp_filter_ctx ctx) {
    sys::Fd mem(static_cast<int>(::syscall(SYS_memfd_create, "rong-seccomp", MFD_CLOEXEC)));
    if (!mem) return Error::sys("memfd_create for the seccomp program");
    if (int rc = seccomp_export_bpf(ctx, mem.get()); rc < 0) return Error::sys("export seccomp program", -rc);
    off_t size = ::lseek(mem.get(), 0, SEEK_END);
    if (size < 0 || size % sizeof(sock_filter) != 0) return Error::msg("export seccomp program: odd size");
    std::vector<sock_filter> code(static_cast<size_t>(size) / sizeof(sock_filter));
    if (::pread(mem.get(), code.data(), static_cast<size_t>(size), 0) != size) return Error::sys("read seccomp program");
    return code;
}

// The syscall numbers the profile can name, per audit architecture: the largest of each, split on
// x86-64 into native and x32 (both report AUDIT_ARCH_X86_64; x32 numbers carry kX32Bit).
struct KnownMax {
    std::map<uint32_t, uint32_t> by_arch;  // audit arch -> largest number (native on x86-64)
    std::optional<uint32_t> x32;
};

KnownMax known_max(const spec::Seccomp& config) {
    std::vector<uint32_t> tokens{seccomp_arch_native()};
    for (const auto& name : config.architectures)
        if (auto t = seccomp_arch(name)) tokens.push_back(*t);
    KnownMax out;
    for (uint32_t token : tokens) {
        for (const auto& rule : config.syscalls)
            for (const auto& name : rule.names) {
                int nr = seccomp_syscall_resolve_name_arch(token, name.c_str());
                if (nr < 0) continue;  // unknown here, or a multiplexed pseudo-syscall
                auto n = static_cast<uint32_t>(nr);
                if (token == SCMP_ARCH_X32) {
                    n |= kX32Bit;
                    out.x32 = std::max(out.x32.value_or(0), n);
                } else {
                    out.by_arch[token] = std::max(out.by_arch[token], n);  // the token is the audit arch
                }
            }
    }
    return out;
}

// In front of the program: per architecture, a number above the largest known returns ENOSYS;
// anything else falls through to libseccomp's program.
std::vector<sock_filter> enosys_stub(const KnownMax& known) {
    const uint32_t enosys = SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA);
    const uint32_t arch_at = offsetof(seccomp_data, arch), nr_at = offsetof(seccomp_data, nr);
    std::vector<sock_filter> out;
    for (const auto& [arch, max] : known.by_arch) {
        if (arch == AUDIT_ARCH_X86_64) {
            // x32 calls (kX32Bit set) compare with the x32 maximum; none in the profile: never.
            uint32_t x32_max = known.x32.value_or(0xffffffff);
            out.insert(out.end(), {
                stmt(BPF_LD | BPF_W | BPF_ABS, arch_at),
                jump(BPF_JMP | BPF_JEQ | BPF_K, arch, 0, 5),
                stmt(BPF_LD | BPF_W | BPF_ABS, nr_at),
                jump(BPF_JMP | BPF_JGE | BPF_K, kX32Bit, 0, 1),
                jump(BPF_JMP | BPF_JGT | BPF_K, x32_max, 1, 2),
                jump(BPF_JMP | BPF_JGT | BPF_K, max, 0, 1),
                stmt(BPF_RET | BPF_K, enosys),
            });
        } else {
            out.insert(out.end(), {
                stmt(BPF_LD | BPF_W | BPF_ABS, arch_at),
                jump(BPF_JMP | BPF_JEQ | BPF_K, arch, 0, 3),
                stmt(BPF_LD | BPF_W | BPF_ABS, nr_at),
                jump(BPF_JMP | BPF_JGT | BPF_K, max, 0, 1),
                stmt(BPF_RET | BPF_K, enosys),
            });
        }
    }
    return out;
}

Result<unsigned> filter_flags(const spec::Seccomp& config) {
    unsigned flags = 0;
    for (size_t i = 0; i < config.flags.size(); ++i) {
        const auto& f = config.flags[i];
        if (f == "SECCOMP_FILTER_FLAG_TSYNC") flags |= SECCOMP_FILTER_FLAG_TSYNC;
        else if (f == "SECCOMP_FILTER_FLAG_LOG") flags |= SECCOMP_FILTER_FLAG_LOG;
        else if (f == "SECCOMP_FILTER_FLAG_SPEC_ALLOW") flags |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
        else return Error::msg("linux.seccomp.flags[" + std::to_string(i) + "]: unknown seccomp flag \"" + f + "\"");
    }
    return flags;
}

uint64_t fnv1a(std::string_view data, uint64_t h = 14695981039346656037ULL) {
    for (unsigned char c : data) h = (h ^ c) * 1099511628211ULL;
    return h;
}

template <typename T>
void put(std::string& out, T value) {
    out.append(reinterpret_cast<const char*>(&value), sizeof value);
}

template <typename T>
bool take(std::string_view& in, T& value) {
    if (in.size() < sizeof value) return false;
    std::memcpy(&value, in.data(), sizeof value);
    in.remove_prefix(sizeof value);
    return true;
}

// The cache directory as an fd (made first if `create`), or an empty Fd (with the reason logged)
// when it is missing or not safe to use.
sys::Fd open_cache_dir(const std::string& dir, bool create) {
    if (create && ::mkdir(dir.c_str(), 0700) < 0 && errno != EEXIST) {
        log::debug("seccomp cache: mkdir " + dir + ": " + std::strerror(errno));
        return {};
    }
    sys::Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    struct stat st {};
    if (!fd || ::fstat(fd.get(), &st) < 0) {
        if (errno != ENOENT) log::debug("seccomp cache: open " + dir + ": " + std::strerror(errno));
        return {};
    }
    if (st.st_uid != ::geteuid() || (st.st_mode & 077) != 0) {
        log::debug("seccomp cache: " + dir + " is not ours alone (owner or mode); not used");
        return {};
    }
    return fd;
}

}  // namespace

Result<SeccompProgram> seccomp_program(const spec::Seccomp& config) {
    SeccompFilter filter = TRY(compile_seccomp(config));
    SeccompProgram program;
    program.flags = TRY(filter_flags(config));
    program.notifies = filter.notifies();
    program.code = TRY(export_bpf(filter.get()));
    if (config.defaultAction != "SCMP_ACT_ALLOW" && config.defaultAction != "SCMP_ACT_LOG") {
        std::vector<sock_filter> code = enosys_stub(known_max(config));
        code.insert(code.end(), program.code.begin(), program.code.end());
        program.code = std::move(code);
    }
    if (program.code.size() > BPF_MAXINSNS)
        return Error::msg("linux.seccomp: the filter has " + std::to_string(program.code.size()) +
                          " instructions, more than the kernel's " + std::to_string(BPF_MAXINSNS));
    return program;
}

std::string seccomp_cache_key(const spec::Seccomp& config) {
    // Length-prefixed fields: no two profiles serialise alike.
    std::string k;
    auto str = [&](const std::string& s) { k += std::to_string(s.size()) + ":" + s + ";"; };
    auto num = [&](uint64_t v) { k += std::to_string(v) + ";"; };
    auto opt = [&](const std::optional<uint32_t>& v) { v ? num(*v) : void(k += "-;"); };
    const scmp_version* v = seccomp_version();
    k += "libseccomp " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->micro) + ";";
    num(seccomp_arch_native());
    str(config.defaultAction);
    opt(config.defaultErrnoRet);
    num(config.architectures.size());
    for (const auto& a : config.architectures) str(a);
    num(config.flags.size());
    for (const auto& f : config.flags) str(f);
    num(config.syscalls.size());
    for (const auto& s : config.syscalls) {
        num(s.names.size());
        for (const auto& n : s.names) str(n);
        str(s.action);
        opt(s.errnoRet);
        num(s.args.size());
        for (const auto& a : s.args) {
            num(a.index);
            num(a.value);
            num(a.valueTwo);
            str(a.op);
        }
    }
    return k;
}

std::string seccomp_cache_entry(const std::string& key, const SeccompProgram& program) {
    std::string out(kEntryMagic);
    put<uint32_t>(out, static_cast<uint32_t>(key.size()));
    out += key;
    put<uint32_t>(out, program.flags);
    put<uint8_t>(out, program.notifies ? 1 : 0);
    put<uint32_t>(out, static_cast<uint32_t>(program.code.size()));
    out.append(reinterpret_cast<const char*>(program.code.data()), program.code.size() * sizeof(sock_filter));
    put<uint64_t>(out, fnv1a(out));
    return out;
}

Result<SeccompProgram> parse_seccomp_cache_entry(const std::string& entry, const std::string& key) {
    auto bad = [](const char* why) { return Error::msg(std::string("seccomp cache entry: ") + why); };
    if (entry.size() < kEntryMagic.size() + sizeof(uint64_t)) return bad("too short");
    std::string_view body(entry.data(), entry.size() - sizeof(uint64_t));
    uint64_t sum = 0;
    std::memcpy(&sum, entry.data() + body.size(), sizeof sum);
    if (sum != fnv1a(body)) return bad("checksum mismatch");
    std::string_view in = body;
    if (in.substr(0, kEntryMagic.size()) != kEntryMagic) return bad("not an entry");
    in.remove_prefix(kEntryMagic.size());
    uint32_t key_size = 0, flags = 0, count = 0;
    uint8_t notifies = 0;
    if (!take(in, key_size) || in.size() < key_size || in.substr(0, key_size) != key) return bad("another profile");
    in.remove_prefix(key_size);
    if (!take(in, flags) || !take(in, notifies) || !take(in, count)) return bad("truncated");
    if (count == 0 || count > BPF_MAXINSNS || in.size() != count * sizeof(sock_filter)) return bad("bad program size");
    SeccompProgram program;
    program.flags = flags;
    program.notifies = notifies != 0;
    program.code.resize(count);
    std::memcpy(program.code.data(), in.data(), in.size());
    return program;
}

Result<SeccompProgram> seccomp_program_cached(const spec::Seccomp& config, const std::string& cache_dir) {
    std::string key = seccomp_cache_key(config);
    char name[32];
    std::snprintf(name, sizeof name, "%016llx.bpf", static_cast<unsigned long long>(fnv1a(key)));
    sys::Fd dir = open_cache_dir(cache_dir, false);
    if (dir) {
        sys::Fd fd(::openat(dir.get(), name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
        if (fd) {
            std::string entry;
            char buf[16384];
            ssize_t n;
            while ((n = ::read(fd.get(), buf, sizeof buf)) > 0) entry.append(buf, static_cast<size_t>(n));
            auto cached = parse_seccomp_cache_entry(entry, key);
            if (cached) return cached;
            log::debug(cache_dir + "/" + name + ": " + cached.error().message + "; compiling again");
        }
    }
    // Made only now: a profile that does not compile leaves nothing behind.
    SeccompProgram program = TRY(seccomp_program(config));
    if (!dir) dir = open_cache_dir(cache_dir, true);
    if (!dir) return program;
    // Written whole under a unique name, then renamed over: readers see all of it or nothing.
    std::string entry = seccomp_cache_entry(key, program);
    std::string tmp = std::string(name) + "." + std::to_string(::getpid()) + ".tmp";
    sys::Fd out(::openat(dir.get(), tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    bool ok = out && ::write(out.get(), entry.data(), entry.size()) == static_cast<ssize_t>(entry.size());
    out.reset();
    if (!ok || ::renameat(dir.get(), tmp.c_str(), dir.get(), name) < 0) {
        log::debug("seccomp cache: write " + cache_dir + "/" + name + ": " + std::strerror(errno));
        ::unlinkat(dir.get(), tmp.c_str(), 0);
    }
    return program;
}

Result<sys::Fd> load_seccomp_program(const SeccompProgram& program) {
    sock_fprog prog{static_cast<unsigned short>(program.code.size()), const_cast<sock_filter*>(program.code.data())};
    unsigned flags = program.flags;
    if (program.notifies) {
        flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
        // TSYNC reports a thread it could not sync as its tid, which NEW_LISTENER also returns.
        if (flags & SECCOMP_FILTER_FLAG_TSYNC) flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
    }
    long rc = ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
    if (rc < 0) return Error::sys("load seccomp filter");
    if (program.notifies) return sys::Fd(static_cast<int>(rc));
    return sys::Fd();
}

}  // namespace rong::security
