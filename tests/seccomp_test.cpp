// security/seccomp.hpp: linux.seccomp compiled to a libseccomp filter; the behaviour is checked by
// loading the filter in a forked child and making real syscalls there.
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <functional>

#include "container/seccomp_notify.hpp"
#include "security/seccomp.hpp"

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

// Loads the filter in a child (with no_new_privs, so no privilege is needed), runs `probe` there
// and returns what it returned (its exit status), or 128+signal when it was killed.
int in_child(const spec::Seccomp& config, const std::function<int()>& probe) {
    auto filter = compile_seccomp(config);
    EXPECT_TRUE(filter) << filter.error().message;
    if (!filter) return -1;
    pid_t pid = ::fork();
    if (pid == 0) {
        ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        if (!load_seccomp(*filter)) ::_exit(200);
        ::_exit(probe());
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
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
}

TEST(Seccomp, StateJsonForTheAgent) {
    spec::Seccomp c;
    c.listenerMetadata = "meta";
    std::string j = container::seccomp_state_json(
        c, 42, R"({"ociVersion":"1.0.2","id":"x","status":"creating","pid":42,"bundle":"/b"})");
    EXPECT_EQ(j, R"({"ociVersion":"1.0.2","fds":["seccompFd"],"pid":42,"metadata":"meta","state":)"
                 R"({"ociVersion":"1.0.2","id":"x","status":"creating","pid":42,"bundle":"/b"}})");
}

}  // namespace
}  // namespace rong::security
