#include "container/hooks.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>

#include "sys/fd.hpp"
#include "sys/file.hpp"
#include "sys/process.hpp"

namespace rong::container {

namespace {

// The hook may have exited (or closed its stdin) before we write: the write then fails with EPIPE,
// which must not kill rong with SIGPIPE. The signal is blocked around the write and a pending one
// discarded; ignoring it instead would be inherited by the container's process through execve.
void write_state(int fd, const std::string& state_json) {
    sigset_t pipe_only, old;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    ::sigprocmask(SIG_BLOCK, &pipe_only, &old);
    // State JSON is far below a pipe's buffer: this never blocks.
    (void)sys::write_all(fd, state_json, "hook stdin");
    struct timespec zero {};
    while (::sigtimedwait(&pipe_only, nullptr, &zero) == SIGPIPE) {
    }
    ::sigprocmask(SIG_SETMASK, &old, nullptr);
}

Status run_hook(const char* kind, size_t index, const spec::Hook& hook, const std::string& state_json) {
    std::string what = std::string(kind) + " hook #" + std::to_string(index) + " (" + hook.path + ")";
    int pipefd[2];
    if (::pipe2(pipefd, O_CLOEXEC) < 0) return Error::sys("pipe").wrap(what);
    sys::Fd stdin_read(pipefd[0]), stdin_write(pipefd[1]);

    std::vector<std::string> args = hook.args.empty() ? std::vector<std::string>{hook.path} : hook.args;
    std::vector<std::string> env = hook.env;
    auto argv = sys::exec_vector(args);
    auto envp = sys::exec_vector(env);

    pid_t pid = ::fork();
    if (pid < 0) return Error::sys("fork").wrap(what);
    if (pid == 0) {
        ::dup2(stdin_read.get(), 0);
        ::execve(hook.path.c_str(), argv.data(), envp.data());
        ::_exit(127);
    }
    stdin_read.reset();
    int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    sys::Fd pidfd_owner(pidfd);
    write_state(stdin_write.get(), state_json);
    stdin_write.reset();

    if (hook.timeout && pidfd >= 0) {
        struct pollfd p {
            pidfd, POLLIN, 0
        };
        int ready;
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(*hook.timeout);
        do {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            ready = ::poll(&p, 1, static_cast<int>(std::max<long>(0, left.count())));
        } while (ready < 0 && errno == EINTR);
        if (ready == 0) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
            return Error::msg(what + ": timed out after " + std::to_string(*hook.timeout) + "s");
        }
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return Error::sys("waitpid").wrap(what);
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && ::access(hook.path.c_str(), X_OK) < 0)
        return Error::sys("exec " + hook.path).wrap(what);
    if (WIFSIGNALED(status)) return Error::msg(what + ": killed by signal " + std::to_string(WTERMSIG(status)));
    return Error::msg(what + ": exit status " + std::to_string(WEXITSTATUS(status)));
}

}  // namespace

Status run_hooks(const char* kind, const std::vector<spec::Hook>& hooks, const std::string& state_json) {
    for (size_t i = 0; i < hooks.size(); ++i) TRY(run_hook(kind, i, hooks[i], state_json));
    return {};
}

}  // namespace rong::container
