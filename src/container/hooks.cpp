#include "container/hooks.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <optional>

#include "base/log.hpp"
#include "sys/fd.hpp"
#include "sys/file.hpp"
#include "sys/process.hpp"

extern char** environ;

namespace rong::container {

namespace {

// How much of a failed hook's stdout and stderr its error quotes.
constexpr size_t kOutputQuoted = 4096;

// What the hook wrote to `fd`, without the trailing newline, cut at kOutputQuoted.
std::string output_of(int fd) {
    std::string out(kOutputQuoted, '\0');
    ssize_t n = ::pread(fd, out.data(), out.size(), 0);
    out.resize(n > 0 ? static_cast<size_t>(n) : 0);
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
}

// Waits for the hook to exit, or kills it when `timeout` (seconds) has passed: its process group,
// which a hook with a timeout leads, so that what it started is not left running.
Result<int> wait_hook(pid_t pid, int pidfd, std::optional<int> timeout, const std::string& what) {
    if (timeout && pidfd >= 0) {
        struct pollfd p {
            pidfd, POLLIN, 0
        };
        int ready;
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(*timeout);
        do {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            ready = ::poll(&p, 1, static_cast<int>(std::max<long>(0, left.count())));
        } while (ready < 0 && errno == EINTR);
        if (ready == 0) {
            ::kill(-pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
            return Error::msg(what + ": timed out after " + std::to_string(*timeout) + "s");
        }
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return Error::sys("waitpid").wrap(what);
    }
    return status;
}

Status run_hook(const char* kind, size_t index, const spec::Hook& hook, const std::string& state_json,
                const HookPlace& place) {
    std::string what = std::string(kind) + " hook #" + std::to_string(index) + " (" + hook.path + ")";
    // Files, not pipes: writing the state cannot block past the timeout, and a hook that writes a
    // lot (or leaves a daemon holding its stdout) cannot block either.
    auto in = sys::memfd_holding("rong-hook-state", state_json);
    auto out = sys::memfd_holding("rong-hook-stdout", "");
    auto err = sys::memfd_holding("rong-hook-stderr", "");
    for (auto* made : {&in, &out, &err})
        if (!*made) return std::move(*made).error().wrap(what);

    std::vector<std::string> args = hook.args.empty() ? std::vector<std::string>{hook.path} : hook.args;
    auto argv = sys::exec_vector(args);
    bool inherit_env = hook.env.empty() && !place.env;
    std::vector<std::string> env = !hook.env.empty() ? hook.env : place.env ? *place.env : std::vector<std::string>{};
    auto envp = sys::exec_vector(env);
    char** hook_env = inherit_env ? environ : envp.data();

    pid_t pid = ::fork();
    if (pid < 0) return Error::sys("fork").wrap(what);
    if (pid == 0) {
        // Nothing of rong's: not its signal mask (run blocks the signals it forwards), not its
        // fds (the preserved ones, the caller's).
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        if (hook.timeout) ::setpgid(0, 0);
        if (::dup2(in->get(), 0) < 0 || ::dup2(out->get(), 1) < 0 || ::dup2(err->get(), 2) < 0) ::_exit(126);
        ::syscall(SYS_close_range, 3U, ~0U, 0U);
        if (!place.cwd.empty() && ::chdir(place.cwd.c_str()) < 0) ::_exit(126);
        ::execve(hook.path.c_str(), argv.data(), hook_env);
        ::_exit(127);
    }
    if (hook.timeout) ::setpgid(pid, pid);  // (as the child does: whichever runs first)
    int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    sys::Fd pidfd_owner(pidfd);
    int status = TRY(wait_hook(pid, pidfd, hook.timeout, what));
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
    std::string failure;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && ::access(hook.path.c_str(), X_OK) < 0)
        return Error::sys("exec " + hook.path).wrap(what);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 126 && !place.cwd.empty() && ::access(place.cwd.c_str(), X_OK) < 0)
        return Error::sys("chdir " + place.cwd).wrap(what);
    if (WIFSIGNALED(status))
        failure = "killed by signal " + std::to_string(WTERMSIG(status));
    else
        failure = "exit status " + std::to_string(WEXITSTATUS(status));
    return Error::msg(what + ": " + failure + ", stdout: " + output_of(out->get()) + ", stderr: " + output_of(err->get()));
}

}  // namespace

Status run_hooks(const char* kind, const std::vector<spec::Hook>& hooks, const std::string& state_json,
                 const HookPlace& place) {
    for (size_t i = 0; i < hooks.size(); ++i) TRY(run_hook(kind, i, hooks[i], state_json, place));
    return {};
}

void run_hooks_warning(const char* kind, const std::vector<spec::Hook>& hooks, const std::string& state_json,
                       const HookPlace& place) {
    for (size_t i = 0; i < hooks.size(); ++i) {
        if (auto st = run_hook(kind, i, hooks[i], state_json, place); !st) log::warn(st.error().message);
    }
}

}  // namespace rong::container
