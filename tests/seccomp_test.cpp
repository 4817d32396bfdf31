// security/seccomp.hpp and seccomp_program.hpp: linux.seccomp compiled to a libseccomp filter and
// exported to the BPF program rong loads (ENOSYS stub, cache); the behaviour is checked by loading
// the program in a forked child and making real syscalls there.
#include <dirent.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/seccomp.h>

#include <gtest/gtest.h>

#include <cstring>
#include <functional>

#include "container/seccomp_notify.hpp"
#include "security/seccomp.hpp"
#include "security/seccomp_program.hpp"
#include "sys/file.hpp"

namespace rong::security {
namespace {

spec::SeccompSyscall rule(std::vector<std::string> names, std::string action,
                          std::vector<spec::SeccompArg> args = {}, std::optional<uint32_t> errno_ret = {}) {
    spec::SeccompSyscall s;
    s.names = std::move(names);
    s.action = std::move(action);
    s.args = std::move(args);
    s.errnoRet = errno_ret;
    return s;
}

spec::SeccompArg arg(unsigned index, const char* op, uint64_t value, uint64_t two = 0) {
    spec::SeccompArg a;
    a.index = index;
    a.op = op;
    a.value = value;
    a.valueTwo = two;
    return a;
}

// Loads the program in a child (with no_new_privs, so no privilege is needed), runs `probe` there
// and returns what it returned (its exit status), or 128+signal when it was killed.
int in_child(const SeccompProgram& program, const std::function<int()>& probe) {
    pid_t pid = ::fork();
    if (pid == 0) {
        ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        if (!load_seccomp_program(program)) ::_exit(200);
        // The raw exit_group, not _exit: a sanitizer build intercepts _exit, and its hook makes
        // syscalls (sigaltstack, mmap) that the filter under test denies, so it dies with 1.
        int result = probe();
        ::syscall(SYS_exit_group, result);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

int in_child(const spec::Seccomp& config, const std::function<int()>& probe) {
    auto program = seccomp_program(config);
    EXPECT_TRUE(program) << program.error().message;
    if (!program) return -1;
    return in_child(*program, probe);
}

// errno of a raw syscall, 0 if it succeeded
int err_of(long rc) { return rc < 0 ? errno : 0; }

TEST(Seccomp, ErrnoRuleDefaultsToEpermAndTakesErrnoRet) {
    spec::Seccomp c;
    c.defaultAction = "SCMP_ACT_ALLOW";
    c.syscalls = {rule({"getpgid"}, "SCMP_ACT_ERRNO"), rule({"getsid"}, "SCMP_ACT_ERRNO", {}, 28)};
    EXPECT_EQ(in_child(c, [] { return err_of(::syscall(SYS_getpgid, 0)); }), EPERM);
    EXPECT_EQ(in_child(c, [] { return err_of(::syscall(SYS_getsid, 0)); }), 28);
    EXPECT_EQ(in_child(c, [] { return err_of(::syscall(SYS_getppid)); }), 0);
}

TEST(Seccomp, DefaultErrnoRet) {
    spec::Seccomp c;
    c.defaultAction = "SCMP_ACT_ERRNO";
    c.defaultErrnoRet = 38;
    // exit_group and the like must stay allowed for the child to report
    c.syscalls = {rule({"exit_group", "exit", "getppid"}, "SCMP_ACT_ALLOW")};
    EXPECT_EQ(in_child(c, [] { return err_of(::syscall(SYS_getpgid, 0)); }), 38);
    EXPECT_EQ(in_child(c, [] { return err_of(::syscall(SYS_getppid)); }), 0);
}

TEST(Seccomp, ConditionsOnDifferentArgsAreAnded) {
    spec::Seccomp c;
    c.defaultAction = "SCMP_ACT_ALLOW";
    c.syscalls = {rule({"getpgid"}, "SCMP_ACT_ERRNO", {arg(0, "SCMP_CMP_GE", 10), arg(1, "SCMP_CMP_EQ", 3)})};
    EXPECT_EQ(in_child(c, [] { return err_of(::syscall(SYS_getpgid, 10, 3)); }), EPERM);
    EXPECT_EQ(in_child(c, [] { return err_of(::syscall(SYS_getpgid, 0, 3)); }), 0);
    // arg 0 matches, arg 1 does not: the real call fails with ESRCH (no pid 10 here), not EPERM
    EXPECT_NE(in_child(c, [] { return err_of(::syscall(SYS_getpgid, 999999, 4)); }), EPERM);
}

TEST(Seccomp, ConditionsOnTheSameArgBecomeSeparateRules) {
    spec::Seccomp c;
    c.defaultAction = "SCMP_ACT_ALLOW";
    c.syscalls = {rule({"getpgid"}, "SCMP_ACT_ERRNO", {arg(0, "SCMP_CMP_EQ", 5), arg(0, "SCMP_CMP_EQ", 7)})};
    EXPECT_EQ(in_child(c, [] { return err_of(::syscall(SYS_getpgid, 5)); }), EPERM);
    EXPECT_EQ(in_child(c, [] { return err_of(::syscall(SYS_getpgid, 7)); }), EPERM);
    EXPECT_EQ(in_child(c, [] { return err_of(::syscall(SYS_getpgid, 0)); }), 0);
}

TEST(Seccomp, MaskedEqAndOtherOperators) {
    spec::Seccomp c;
    c.defaultAction = "SCMP_ACT_ALLOW";
    // value is the mask, valueTwo the datum (libseccomp's order)
    c.syscalls = {rule({"getpgid"}, "SCMP_ACT_ERRNO", {arg(0, "SCMP_CMP_MASKED_EQ", 0xff00, 0x1200)}),
                  rule({"getsid"}, "SCMP_ACT_ERRNO", {arg(0, "SCMP_CMP_GT", 100)}, 11),
                  rule({"getsid"}, "SCMP_ACT_ERRNO", {arg(0, "SCMP_CMP_LT", 2), arg(1, "SCMP_CMP_NE", 0)}, 12)};
    EXPECT_EQ(in_child(c, [] { return err_of(::syscall(SYS_getpgid, 0x1234)); }), EPERM);
    EXPECT_NE(in_child(c, [] { return err_of(::syscall(SYS_getpgid, 0x1334)); }), EPERM);
    EXPECT_EQ(in_child(c, [] { return err_of(::syscall(SYS_getsid, 101)); }), 11);
    EXPECT_EQ(in_child(c, [] { return err_of(::syscall(SYS_getsid, 1, 1)); }), 12);
    EXPECT_EQ(in_child(c, [] { return err_of(::syscall(SYS_getsid, 0, 0)); }), 0);
}

TEST(Seccomp, KillActionsKill) {
    spec::Seccomp c;
    c.defaultAction = "SCMP_ACT_ALLOW";
    c.syscalls = {rule({"getpgid"}, "SCMP_ACT_KILL_PROCESS"), rule({"getsid"}, "SCMP_ACT_KILL"),
                  rule({"getppid"}, "SCMP_ACT_TRAP")};
    EXPECT_EQ(in_child(c, [] { return err_of(::syscall(SYS_getpgid, 0)); }), 128 + SIGSYS);
    EXPECT_EQ(in_child(c, [] { return err_of(::syscall(SYS_getsid, 0)); }), 128 + SIGSYS);
    EXPECT_EQ(in_child(c, [] { return err_of(::syscall(SYS_getppid)); }), 128 + SIGSYS);
}

TEST(Seccomp, UnknownSyscallIsSkippedAndRuleLikeDefaultDropped) {
    spec::Seccomp c;
    c.defaultAction = "SCMP_ACT_ALLOW";
    c.syscalls = {rule({"no_such_syscall_xyz", "getpgid"}, "SCMP_ACT_ERRNO"), rule({"getppid"}, "SCMP_ACT_ALLOW")};
    EXPECT_EQ(in_child(c, [] { return err_of(::syscall(SYS_getpgid, 0)); }), EPERM);
}

TEST(Seccomp, ErrorsNameTheField) {
    struct Case {
        std::function<void(spec::Seccomp&)> edit;
        std::string want;
    };
    std::vector<Case> cases = {
        {[](spec::Seccomp& c) { c.defaultAction = "SCMP_ACT_NOPE"; }, "linux.seccomp.defaultAction: unknown seccomp action \"SCMP_ACT_NOPE\""},
        {[](spec::Seccomp& c) { c.architectures = {"SCMP_ARCH_X86_64", "SCMP_ARCH_VAX"}; },
         "linux.seccomp.architectures[1]: unknown seccomp architecture \"SCMP_ARCH_VAX\""},
        {[](spec::Seccomp& c) { c.flags = {"SECCOMP_FILTER_FLAG_BOGUS"}; }, "linux.seccomp.flags[0]: unknown seccomp flag"},
        {[](spec::Seccomp& c) { c.syscalls = {rule({"getpid"}, "SCMP_ACT_ALLOW"), rule({"getpid"}, "BAD")}; },
         "linux.seccomp.syscalls[1].action: unknown seccomp action \"BAD\""},
        {[](spec::Seccomp& c) { c.syscalls = {rule({"getpid"}, "SCMP_ACT_ERRNO", {arg(0, "SCMP_CMP_EQ", 1), arg(1, "SCMP_CMP_XX", 1)})}; },
         "linux.seccomp.syscalls[0].args[1].op: unknown seccomp operator \"SCMP_CMP_XX\""},
        {[](spec::Seccomp& c) { c.syscalls = {rule({"getpid"}, "SCMP_ACT_ERRNO", {arg(6, "SCMP_CMP_EQ", 1)})}; },
         "linux.seccomp.syscalls[0].args[0].index"},
        {[](spec::Seccomp& c) { c.defaultAction = "SCMP_ACT_NOTIFY"; }, "cannot be the default action"},
        {[](spec::Seccomp& c) { c.syscalls = {rule({"read", "write"}, "SCMP_ACT_NOTIFY")}; },
         "linux.seccomp.syscalls[0]: SCMP_ACT_NOTIFY cannot be used for the write syscall"},
    };
    for (const auto& tc : cases) {
        spec::Seccomp c;
        c.defaultAction = "SCMP_ACT_ALLOW";
        tc.edit(c);
        auto f = compile_seccomp(c);
        ASSERT_FALSE(f) << tc.want;
        EXPECT_NE(f.error().message.find(tc.want), std::string::npos) << f.error().message;
    }
}

TEST(Seccomp, ArchitecturesFlagsAndAttributes) {
    spec::Seccomp c;
    c.defaultAction = "SCMP_ACT_ERRNO";
    c.architectures = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"};
    c.flags = {"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"};
    auto f = compile_seccomp(c);
    ASSERT_TRUE(f) << f.error().message;
    uint32_t v = 0;
    ASSERT_EQ(seccomp_attr_get(f->get(), SCMP_FLTATR_ACT_DEFAULT, &v), 0);
    EXPECT_EQ(v, SCMP_ACT_ERRNO(EPERM));
    ASSERT_EQ(seccomp_attr_get(f->get(), SCMP_FLTATR_CTL_NNP, &v), 0);
    EXPECT_EQ(v, 0u) << "the filter must not set no_new_privs itself";
    ASSERT_EQ(seccomp_attr_get(f->get(), SCMP_FLTATR_CTL_TSYNC, &v), 0);
    EXPECT_EQ(v, 1u);
    ASSERT_EQ(seccomp_attr_get(f->get(), SCMP_FLTATR_CTL_LOG, &v), 0);
    EXPECT_EQ(v, 1u);
    EXPECT_EQ(seccomp_arch_exist(f->get(), SCMP_ARCH_X86), 0);
    EXPECT_EQ(seccomp_arch_exist(f->get(), SCMP_ARCH_X32), 0);
    EXPECT_FALSE(f->notifies());
    // The program rong loads carries them as seccomp(2) flags, its stub one block per architecture.
    auto p = seccomp_program(c);
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_EQ(p->flags, unsigned(SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW));

    c.flags = {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"};
    auto g = compile_seccomp(c);
    ASSERT_FALSE(g);
    EXPECT_NE(g.error().message.find("not supported by libseccomp"), std::string::npos) << g.error().message;
}

TEST(Seccomp, NotifyIsNoticed) {
    spec::Seccomp c;
    c.defaultAction = "SCMP_ACT_ALLOW";
    c.syscalls = {rule({"mkdir", "mkdirat"}, "SCMP_ACT_NOTIFY")};
    EXPECT_TRUE(seccomp_uses_notify(c));
    auto f = compile_seccomp(c);
    ASSERT_TRUE(f) << f.error().message;
    EXPECT_TRUE(f->notifies());
    auto p = seccomp_program(c);
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_TRUE(p->notifies);
}

TEST(Seccomp, StateJsonForTheAgent) {
    spec::Seccomp c;
    c.listenerMetadata = "meta";
    std::string j = container::seccomp_state_json(
        c, 42, R"({"ociVersion":"1.0.2","id":"x","status":"creating","pid":42,"bundle":"/b"})");
    EXPECT_EQ(j, R"({"ociVersion":"1.0.2","fds":["seccompFd"],"pid":42,"metadata":"meta","state":)"
                 R"({"ociVersion":"1.0.2","id":"x","status":"creating","pid":42,"bundle":"/b"}})");
}

// Default EPERM, a few syscalls allowed; process_mrelease (448 on x86-64) is the highest named.
spec::Seccomp enosys_profile() {
    spec::Seccomp c;
    c.defaultAction = "SCMP_ACT_ERRNO";
    c.syscalls = {rule({"exit_group", "exit", "getpid"}, "SCMP_ACT_ALLOW"),
                  rule({"process_mrelease"}, "SCMP_ACT_ERRNO", {}, 1)};
    return c;
}

TEST(SeccompProgram, SyscallsAboveTheProfileGetEnosys) {
#ifdef __x86_64__
    spec::Seccomp c = enosys_profile();
    // Known (below the highest named) but not allowed: the default action.
    EXPECT_EQ(in_child(c, [] { return err_of(::syscall(440)); }), EPERM);
    EXPECT_EQ(in_child(c, [] { return err_of(::syscall(448)); }), EPERM);
    // Beyond it: ENOSYS, as if the kernel had no such syscall.
    EXPECT_EQ(in_child(c, [] { return err_of(::syscall(449)); }), ENOSYS);
    EXPECT_EQ(in_child(c, [] { return err_of(::syscall(1000)); }), ENOSYS);
    EXPECT_EQ(in_child(c, [] { return err_of(::syscall(SYS_getpid)) == 0 ? 0 : 1; }), 0);
    // x32 calls (not in the profile's architectures) are left to libseccomp's filter.
    EXPECT_NE(in_child(c, [] { return err_of(::syscall(0x40000000 | 1000)); }), ENOSYS);
#else
    GTEST_SKIP() << "syscall numbers are x86-64's";
#endif
}

TEST(SeccompProgram, NoStubWhenTheDefaultAllows) {
    spec::Seccomp c;
    c.defaultAction = "SCMP_ACT_ALLOW";
    c.syscalls = {rule({"getpgid"}, "SCMP_ACT_ERRNO")};
    auto with = seccomp_program(c);
    ASSERT_TRUE(with) << with.error().message;
    c.defaultAction = "SCMP_ACT_ERRNO";
    c.syscalls = {rule({"getpgid"}, "SCMP_ACT_ALLOW")};
    auto stubbed = seccomp_program(c);
    ASSERT_TRUE(stubbed) << stubbed.error().message;
    // The stub is a few instructions per architecture in front of libseccomp's program.
    EXPECT_GT(stubbed->code.size(), with->code.size());
    EXPECT_EQ(in_child(*with, [] { return err_of(::syscall(SYS_getpgid, 0)); }), EPERM);
}

TEST(SeccompProgram, CacheEntryRoundTripsAndRejectsDamage) {
    spec::Seccomp c = enosys_profile();
    auto program = seccomp_program(c);
    ASSERT_TRUE(program) << program.error().message;
    std::string key = seccomp_cache_key(c);
    std::string entry = seccomp_cache_entry(key, *program);
    auto back = parse_seccomp_cache_entry(entry, key);
    ASSERT_TRUE(back) << back.error().message;
    ASSERT_EQ(back->code.size(), program->code.size());
    EXPECT_EQ(std::memcmp(back->code.data(), program->code.data(), program->code.size() * sizeof(sock_filter)), 0);
    EXPECT_EQ(back->flags, program->flags);
    // Another profile's key, a flipped byte, a truncated entry: all refused.
    spec::Seccomp other = c;
    other.syscalls[1].errnoRet = 2;
    EXPECT_NE(seccomp_cache_key(other), key);
    EXPECT_FALSE(parse_seccomp_cache_entry(entry, seccomp_cache_key(other)));
    std::string flipped = entry;
    flipped[flipped.size() / 2] ^= 1;
    EXPECT_FALSE(parse_seccomp_cache_entry(flipped, key));
    EXPECT_FALSE(parse_seccomp_cache_entry(entry.substr(0, entry.size() - 9), key));
    EXPECT_FALSE(parse_seccomp_cache_entry("", key));
}

TEST(SeccompProgram, CachedProgramIsWrittenOnceAndDamageIsRecompiled) {
    char tmpl[] = "/tmp/rong-seccomp-cache-test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    std::string dir = std::string(tmpl) + "/cache";
    spec::Seccomp c = enosys_profile();
    auto first = seccomp_program_cached(c, dir);
    ASSERT_TRUE(first) << first.error().message;
    struct stat st {};
    ASSERT_EQ(::stat(dir.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
    std::string entry_path;
    int entries = 0;
    if (DIR* d = ::opendir(dir.c_str())) {
        while (auto* e = ::readdir(d))
            if (e->d_name[0] != '.') entry_path = dir + "/" + e->d_name, ++entries;
        ::closedir(d);
    }
    ASSERT_EQ(entries, 1);
    // Damaged: ignored, compiled again (same program), and the entry replaced by a good one.
    ASSERT_TRUE(sys::write_file(entry_path, "garbage", O_WRONLY | O_TRUNC));
    auto again = seccomp_program_cached(c, dir);
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(again->code.size(), first->code.size());
    EXPECT_EQ(in_child(*again, [] { return err_of(::syscall(1000)); }), ENOSYS);
    auto text = sys::read_file(entry_path);
    ASSERT_TRUE(text);
    EXPECT_TRUE(parse_seccomp_cache_entry(*text, seccomp_cache_key(c)));
    // A cache directory others can write is not used at all.
    std::string open_dir = std::string(tmpl) + "/open";
    ASSERT_EQ(::mkdir(open_dir.c_str(), 0777), 0);
    ASSERT_EQ(::chmod(open_dir.c_str(), 0777), 0);
    ASSERT_TRUE(seccomp_program_cached(c, open_dir));
    EXPECT_EQ(::rmdir(open_dir.c_str()), 0) << "an entry was written to a world-writable cache";
    ::unlink(entry_path.c_str());
    ::rmdir(dir.c_str());
    ::rmdir(tmpl);
}

}  // namespace
}  // namespace rong::security
