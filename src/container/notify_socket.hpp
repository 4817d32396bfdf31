// sd_notify through the runtime, as runc and crun do it: with NOTIFY_SOCKET in rong's environment
// (a systemd unit of Type=notify; podman's default --sdnotify=container), the container gets a
// socket of its own, <state dir>/notify/notify.sock, seen at /run/notify/notify.sock inside (its
// NOTIFY_SOCKET). Once the container's process runs, `start` (or `run`) waits for its READY=1 and
// passes it on to the caller's socket, with the init as MAINPID.
#pragma once

#include <sys/types.h>

#include <string>

#include "base/result.hpp"
#include "spec/config.hpp"
#include "sys/fd.hpp"

namespace rong::container {

inline constexpr const char* kNotifyDir = "notify";  // in the state directory
inline constexpr const char* kNotifySocketName = "notify.sock";  // in kNotifyDir
inline constexpr const char* kNotifySocketInContainer = "/run/notify/notify.sock";

// The caller's NOTIFY_SOCKET, or "" when there is none (then nothing here applies).
std::string host_notify_socket();

// At create: the directory for the socket, bound read-only at /run/notify, and the process's
// NOTIFY_SOCKET pointing into it.
Status add_notify_socket(spec::Config& config, const std::string& state_dir);

// At start (run: at create): the socket itself, bound in the directory.
Result<sys::Fd> bind_notify_socket(const std::string& state_dir);

// Waits for READY= on `socket` and sends it, then MAINPID=`init`, to `host_socket`; returns early,
// without an error, when the init (pinned by `init_pidfd`) exits first.
Status forward_ready(int socket, int init_pidfd, pid_t init, const std::string& host_socket);

}  // namespace rong::container
