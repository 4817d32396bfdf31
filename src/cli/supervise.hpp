// The foreground side of `run` and `exec`: forward signals to the container's process, proxy its
// terminal, reap it.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include "base/result.hpp"
#include "sys/fd.hpp"

namespace rong::cli {

// Blocks the signals rong forwards for its lifetime (create it before the clone so none is lost;
// the container's process unblocks them for itself).
class ForwardedSignals {
public:
    ForwardedSignals();
    ~ForwardedSignals();
    ForwardedSignals(const ForwardedSignals&) = delete;
    ForwardedSignals& operator=(const ForwardedSignals&) = delete;

    // Waits for `pid` (a child of ours), forwarding signals and, with `master` >= 0, proxying the
    // pty to our stdio in raw mode. Returns its wait status.
    Result<int> supervise(pid_t pid, int master);

private:
    sigset_t set_;
    sigset_t previous_;
};

}  // namespace rong::cli
