#include "sys/socket.hpp"

#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>

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

Result<std::string> read_memfd(Fd fd) {
    std::string out;
    char chunk[65536];
    for (off_t at = 0;;) {
        ssize_t n = ::pread(fd.get(), chunk, sizeof chunk, at);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return Error::sys("read a sync message's memfd");
        if (n == 0) return out;
        out.append(chunk, static_cast<size_t>(n));
        at += n;
    }
}

}  // namespace

Status send_message(int sock, std::string_view data) {
    if (data.size() > kInlineMax) {
        Fd memfd(::memfd_create("rong-sync", MFD_CLOEXEC));
        if (!memfd) return Error::sys("memfd_create");
        TRY(write_all(memfd.get(), data, "sync message memfd"));
        return send_fd(sock, memfd.get(), std::string_view(&kInMemfd, 1));
    }
    for (;;) {
        if (::send(sock, data.data(), data.size(), MSG_NOSIGNAL) >= 0) return {};
        if (errno != EINTR) return Error::sys("send on sync socket");
    }
}

Result<std::string> recv_message(int sock) {
    std::string buf(kInlineMax, '\0');
    bool reset_seen = false;
    for (;;) {
        struct iovec iov {
            buf.data(), buf.size()
        };
        char control[CMSG_SPACE(sizeof(int))] = {};
        struct msghdr msg {};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        ssize_t n = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
        // Nothing came before the reset: that is the error, not an orderly end.
        if (n == 0 && reset_seen) return Error::sys("recv on sync socket", ECONNRESET);
        if (n >= 0) {
            struct cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
            if (cmsg && cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS) {
                int fd;
                std::memcpy(&fd, CMSG_DATA(cmsg), sizeof fd);
                Fd memfd(fd);
                if (n == 1 && buf[0] == kInMemfd) return read_memfd(std::move(memfd));
                return Error::msg("sync: a file descriptor came with an unexpected message");
            }
            if (msg.msg_flags & MSG_TRUNC) return Error::msg("sync: message truncated");
            buf.resize(static_cast<size_t>(n));
            return buf;
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

Status send_fd(int sock, int fd, std::string_view payload) {
    struct iovec iov {
        const_cast<char*>(payload.data()), payload.size()
    };
    char control[CMSG_SPACE(sizeof(int))] = {};
    struct msghdr msg {};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    struct cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(cmsg), &fd, sizeof fd);
    while (::sendmsg(sock, &msg, MSG_NOSIGNAL) < 0) {
        if (errno != EINTR) return Error::sys("sendmsg SCM_RIGHTS");
    }
    return {};
}

Result<Fd> recv_fd(int sock) {
    char data[4096];
    struct iovec iov {
        data, sizeof data
    };
    char control[CMSG_SPACE(sizeof(int))] = {};
    struct msghdr msg {};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    while (::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) < 0) {
        if (errno != EINTR) return Error::sys("recvmsg SCM_RIGHTS");
    }
    struct cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
    if (!cmsg || cmsg->cmsg_type != SCM_RIGHTS) return Error::msg("recvmsg: no file descriptor received");
    int fd;
    std::memcpy(&fd, CMSG_DATA(cmsg), sizeof fd);
    return Fd(fd);
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
