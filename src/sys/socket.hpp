// Unix-socket helpers: the sync channel between rong and the container's init, and fd passing.
#pragma once

#include <string>
#include <utility>

#include "base/result.hpp"
#include "sys/fd.hpp"

namespace rong::sys {

// A SOCK_SEQPACKET pair: each send is one message, each receive gets exactly one.
Result<std::pair<Fd, Fd>> seqpacket_pair();

// One message of any size: a large one (a state with large annotations) travels in a memfd,
// which recv_message reads back.
Status send_message(int sock, std::string_view data);
// An empty result means the peer closed the socket.
Result<std::string> recv_message(int sock);

// The same by write(2) and read(2), for an init whose seccomp filter may be loaded already: a
// profile runc's init starts under allows those, not sendto or recvmsg. No MSG_NOSIGNAL: a
// SIGPIPE ends an init whose parent is gone. A message too large for one datagram still goes as
// send_message's memfd, which only recv_message reads back (read_message refuses it).
Status write_message(int sock, std::string_view data);
Result<std::string> read_message(int sock);

// Sends `fd` with SCM_RIGHTS and a short payload (runc sends the pty's name).
Status send_fd(int sock, int fd, std::string_view payload);
Result<Fd> recv_fd(int sock);

// Connects to a unix stream socket by path.
Result<Fd> connect_unix(const std::string& path);

}  // namespace rong::sys
