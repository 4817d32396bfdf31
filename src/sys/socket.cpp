#include "sys/socket.hpp"

#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>

namespace rong::sys {

Result<std::pair<Fd, Fd>> seqpacket_pair() {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0) return Error::sys("socketpair");
    return std::pair{Fd(fds[0]), Fd(fds[1])};
}

Status send_message(int sock, std::string_view data) {
    for (;;) {
        if (::send(sock, data.data(), data.size(), MSG_NOSIGNAL) >= 0) return {};
        if (errno != EINTR) return Error::sys("send on sync socket");
    }
}

Result<std::string> recv_message(int sock) {
    std::string buf(65536, '\0');
    bool reset_seen = false;
    for (;;) {
        ssize_t n = ::recv(sock, buf.data(), buf.size(), 0);
        // Nothing came before the reset: that is the error, not an orderly end.
        if (n == 0 && reset_seen) return Error::sys("recv on sync socket", ECONNRESET);
        if (n >= 0) {
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
