#include "sys/socket.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "sys/file.hpp"

namespace rong::sys {

Result<std::pair<Fd, Fd>> seqpacket_pair() {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0) return Error::sys("socketpair");
    return std::pair{Fd(fds[0]), Fd(fds[1])};
}

namespace {

// Above this, a message travels in a memfd: a datagram cannot exceed the socket's send buffer
// (~208 KiB), and a state with large annotations can.
constexpr size_t kInlineMax = 16384;
constexpr char kInMemfd = '\x01';  // the one byte sent along with such a memfd

// A message over one buffer, with room for one passed fd: for sendmsg and recvmsg. (Not to be
// copied: the msghdr points into it.)
struct FdMessage {
    struct iovec iov;
    char control[CMSG_SPACE(sizeof(int))] = {};
    struct msghdr msg {};
    FdMessage(void* data, size_t size) : iov{data, size} {
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
    }
    FdMessage(const FdMessage&) = delete;
    FdMessage& operator=(const FdMessage&) = delete;
};

// One recvmsg into `buf`, with room for one passed fd: the byte count (-1 with errno set), the fd
// that came along, if any, and the message's flags.
struct Received {
    ssize_t bytes;
    Fd fd;
    int flags = 0;
};
Received receive(int sock, char* buf, size_t size) {
    FdMessage m(buf, size);
    Received r{::recvmsg(sock, &m.msg, MSG_CMSG_CLOEXEC), Fd()};
    if (r.bytes < 0) return r;
    r.flags = m.msg.msg_flags;
    struct cmsghdr* cmsg = CMSG_FIRSTHDR(&m.msg);
    if (cmsg && cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS) {
        int fd;
        std::memcpy(&fd, CMSG_DATA(cmsg), sizeof fd);
        r.fd = Fd(fd);
    }
    return r;
}

}  // namespace

Status send_message(int sock, std::string_view data) {
    if (data.size() > kInlineMax) {
        Fd memfd = TRY(memfd_holding("rong-sync", data));
        return send_fd(sock, memfd.get(), std::string_view(&kInMemfd, 1));
    }
    for (;;) {
        if (::send(sock, data.data(), data.size(), MSG_NOSIGNAL) >= 0) return {};
        if (errno != EINTR) return Error::sys("send on sync socket");
    }
}

Result<std::string> recv_message(int sock) {
    char buf[kInlineMax];  // on the stack: only what arrives is touched (see read_message)
    bool reset_seen = false;
    for (;;) {
        Received r = receive(sock, buf, sizeof buf);
        // Nothing came before the reset: that is the error, not an orderly end.
        if (r.bytes == 0 && reset_seen) return Error::sys("recv on sync socket", ECONNRESET);
        if (r.bytes >= 0) {
            if (r.fd) {
                if (r.bytes == 1 && buf[0] == kInMemfd) return read_fd(r.fd.get());  // rewound by the sender
                return Error::msg("sync: a file descriptor came with an unexpected message");
            }
            if (r.flags & MSG_TRUNC) return Error::msg("sync: message truncated");
            return std::string(buf, static_cast<size_t>(r.bytes));
        }
        // The peer closed with a message of ours unread (an init that failed before reading G):
        // the kernel reports that once, ahead of what the peer sent before it closed, its error.
        if (errno == ECONNRESET && !reset_seen) {
            reset_seen = true;
            continue;
        }
        if (errno != EINTR) return Error::sys("recv on sync socket");
    }
}

Status write_message(int sock, std::string_view data) {
    if (data.size() > kInlineMax) return send_message(sock, data);
    for (;;) {
        if (::write(sock, data.data(), data.size()) >= 0) return {};
        if (errno != EINTR) return Error::sys("write on sync socket");
    }
}

Result<std::string> read_message(int sock) {
    // On the stack, where only what arrives is touched: a zeroed heap buffer of this size had
    // each process fault in every page of it.
    char buf[kInlineMax];
    for (;;) {
        ssize_t n = ::read(sock, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return Error::sys("read on sync socket");
        if (n == 1 && buf[0] == kInMemfd) return Error::msg("sync: a large message came where only a small one may");
        return std::string(buf, static_cast<size_t>(n));
    }
}

Status send_fd(int sock, int fd, std::string_view payload) {
    FdMessage m(const_cast<char*>(payload.data()), payload.size());
    struct cmsghdr* cmsg = CMSG_FIRSTHDR(&m.msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(cmsg), &fd, sizeof fd);
    while (::sendmsg(sock, &m.msg, MSG_NOSIGNAL) < 0) {
        if (errno != EINTR) return Error::sys("sendmsg SCM_RIGHTS");
    }
    return {};
}

Result<Fd> recv_fd(int sock) {
    char data[4096];
    Received r = receive(sock, data, sizeof data);
    while (r.bytes < 0) {
        if (errno != EINTR) return Error::sys("recvmsg SCM_RIGHTS");
        r = receive(sock, data, sizeof data);
    }
    if (!r.fd) return Error::msg("recvmsg: no file descriptor received");
    return std::move(r.fd);
}

Result<Fd> connect_unix(const std::string& path) {
    struct sockaddr_un addr {};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path) return Error::msg("socket path too long: " + path);
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    Fd sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!sock) return Error::sys("socket");
    if (::connect(sock.get(), reinterpret_cast<struct sockaddr*>(&addr), sizeof addr) < 0)
        return Error::sys("connect " + path);
    return sock;
}

}  // namespace rong::sys
