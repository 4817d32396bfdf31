// sys/process.hpp: signal names, wait statuses, and what /proc/<pid>/stat says about a process.
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "sys/process.hpp"

namespace rong::sys {
namespace {

TEST(ParseSignal, NamesAndNumbers) {
    const std::pair<std::string, int> cases[] = {
        {"KILL", SIGKILL},   {"SIGKILL", SIGKILL}, {"9", SIGKILL},       {"TERM", SIGTERM},
        {"SIGTERM", SIGTERM}, {"15", SIGTERM},     {"HUP", SIGHUP},       {"SIGUSR1", SIGUSR1},
        {"USR2", SIGUSR2},   {"CHLD", SIGCHLD},    {"SIGWINCH", SIGWINCH}, {"STOP", SIGSTOP},
        {"CONT", SIGCONT},   {"SYS", SIGSYS},      {"1", 1},              {"64", 64},
        {"0", 0},  // kill(2)'s existence probe, which runc passes through too
        {"RTMIN+1", SIGRTMIN + 1}, {"SIGRTMIN+3", SIGRTMIN + 3}, {"RTMAX-1", SIGRTMAX - 1},
    };
    for (const auto& [name, sig] : cases) {
        auto parsed = parse_signal(name);
        ASSERT_TRUE(parsed.has_value()) << name;
        EXPECT_EQ(*parsed, sig) << name;
    }
    EXPECT_EQ(parse_signal("RTMIN+1"), 35);  // glibc keeps 32 and 33 for itself, as kill(1) shows
}

TEST(ParseSignal, Rejects) {
    for (const char* name : {"", "FOO", "SIGFOO", "SIG", "-9", "-1", "65", "99999999999999999999", "9x", " 9",
                             "SIGKILL ", "SIGSIGKILL", "+9"}) {
        EXPECT_EQ(parse_signal(name), std::nullopt) << '"' << name << '"';
    }
}

TEST(ExitCodeOf, ExitedAndSignalled) {
    EXPECT_EQ(exit_code_of(W_EXITCODE(0, 0)), 0);
    EXPECT_EQ(exit_code_of(W_EXITCODE(1, 0)), 1);
    EXPECT_EQ(exit_code_of(W_EXITCODE(255, 0)), 255);
    EXPECT_EQ(exit_code_of(W_EXITCODE(0, SIGKILL)), 137);
    EXPECT_EQ(exit_code_of(W_EXITCODE(0, SIGTERM)), 143);
    EXPECT_EQ(exit_code_of(W_STOPCODE(SIGSTOP)), 255);  // neither: not a final status
}

// A child that sets its command name, reports it is ready, and sleeps until killed.
pid_t spawn_sleeper(const char* comm) {
    int pipefd[2];
    EXPECT_EQ(::pipe(pipefd), 0);
    pid_t pid = ::fork();
    if (pid == 0) {
        ::prctl(PR_SET_NAME, comm, 0, 0, 0);
        (void)!::write(pipefd[1], "x", 1);
        for (;;) ::pause();
    }
    char c;
    EXPECT_EQ(::read(pipefd[0], &c, 1), 1);
    ::close(pipefd[0]);
    ::close(pipefd[1]);
    return pid;
}

// Polls until the child is a zombie: it has exited, nobody has waited for it yet.
bool wait_zombie(pid_t pid) {
    for (int i = 0; i < 500; ++i) {
        auto st = read_proc_stat(pid);
        if (st && st->state == 'Z') return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

TEST(ProcStat, OwnProcess) {
    auto st = read_proc_stat(::getpid());
    ASSERT_TRUE(st);
    EXPECT_EQ(st->state, 'R');
    EXPECT_EQ(st->ppid, ::getppid());
    EXPECT_GT(st->start_time, 0u);
    EXPECT_TRUE(process_alive(::getpid(), st->start_time));
    EXPECT_FALSE(process_alive(::getpid(), st->start_time + 1));  // a recycled pid is not ours
    EXPECT_FALSE(process_alive(0, st->start_time));
    EXPECT_FALSE(process_alive(-1, st->start_time));
}

TEST(ProcStat, CommandNameWithSpacesAndParentheses) {
    // Parsing from the first ')' would read state 'Z' and a garbage ppid.
    pid_t pid = spawn_sleeper("a) Z (b c)");
    auto st = read_proc_stat(pid);
    ASSERT_TRUE(st);
    EXPECT_EQ(st->ppid, ::getpid());
    EXPECT_NE(st->state, 'Z');
    EXPECT_TRUE(process_alive(pid, st->start_time));
    ::kill(pid, SIGKILL);
    auto status = wait_for(pid);
    ASSERT_TRUE(status);
    EXPECT_EQ(exit_code_of(*status), 128 + SIGKILL);
}

TEST(ProcStat, ExitedChildIsNotAliveAsZombieNorAfterReaping) {
    pid_t pid = ::fork();
    if (pid == 0) ::_exit(7);
    ASSERT_GT(pid, 0);
    ASSERT_TRUE(wait_zombie(pid));
    auto st = read_proc_stat(pid);
    ASSERT_TRUE(st);
    EXPECT_EQ(st->ppid, ::getpid());
    EXPECT_GT(st->start_time, 0u);
    EXPECT_FALSE(process_alive(pid, st->start_time));

    auto status = wait_for(pid);
    ASSERT_TRUE(status);
    EXPECT_EQ(exit_code_of(*status), 7);
    EXPECT_EQ(read_proc_stat(pid), std::nullopt);
    EXPECT_FALSE(process_alive(pid, st->start_time));
}

TEST(ProcStat, NoSuchPid) {
    EXPECT_EQ(read_proc_stat(0), std::nullopt);
    EXPECT_EQ(read_proc_stat(-5), std::nullopt);
}

TEST(WaitFor, NotAChild) {
    auto status = wait_for(::getppid());
    ASSERT_FALSE(status);
    EXPECT_EQ(status.error().errnum, ECHILD);
    EXPECT_EQ(status.error().message, "waitpid " + std::to_string(::getppid()) + ": No child processes");
}

}  // namespace
}  // namespace rong::sys
