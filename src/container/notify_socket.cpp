#include "container/notify_socket.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "base/strings.hpp"
#include "sys/file.hpp"

namespace rong::container {

namespace {

// A unix socket address for `path`; "@name" is an abstract one, as systemd may give.
Result<std::pair<sockaddr_un, socklen_t>> unix_address(const std::string& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof addr.sun_path) return Error::msg("NOTIFY_SOCKET " + path + ": not a socket path");
    std::memcpy(addr.sun_path, path.data(), path.size());
    if (path[0] == '@') addr.sun_path[0] = '\0';
    return std::pair{addr, static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + (path[0] == '@' ? 0 : 1))};
}

}  // namespace

std::string host_notify_socket() {
    const char* s = ::getenv("NOTIFY_SOCKET");
    return s ? s : "";
}

Status add_notify_socket(spec::Config& config, const std::string& state_dir) {
    std::string dir = state_dir + "/" + kNotifyDir;
    if (::mkdir(dir.c_str(), 0755) < 0 && errno != EEXIST) return Error::sys("mkdir " + dir);
    std::string in_container = kNotifySocketInContainer;
    config.mounts.push_back(spec::Mount{in_container.substr(0, in_container.rfind('/')), "bind", dir,
                                        {"bind", "nosuid", "noexec", "nodev", "ro"}, {}, {}});
    config.process->env.push_back("NOTIFY_SOCKET=" + in_container);
    return {};
}

Result<sys::Fd> bind_notify_socket(const std::string& state_dir) {
    // Bound through the directory's fd: a state directory's path can be longer than sun_path.
    sys::Fd dir = TRY(sys::open_file(state_dir + "/" + kNotifyDir, O_PATH | O_DIRECTORY));
    std::string path = "/proc/self/fd/" + std::to_string(dir.get()) + "/" + kNotifySocketName;
    ::unlinkat(dir.get(), kNotifySocketName, 0);  // one a `start` before us left
    sys::Fd sock(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!sock) return Error::sys("socket for NOTIFY_SOCKET");
    auto [addr, len] = TRY(unix_address(path));
    if (::bind(sock.get(), reinterpret_cast<sockaddr*>(&addr), len) < 0)
        return Error::sys("bind " + state_dir + "/" + kNotifyDir + "/" + kNotifySocketName);
    // Any user of the container's may notify (as runc's).
    if (::fchmodat(dir.get(), kNotifySocketName, 0777, 0) < 0) return Error::sys("chmod " + std::string(kNotifySocketName));
    return sock;
}

Status forward_ready(int socket, int init_pidfd, pid_t init, const std::string& host_socket) {
    std::string ready;
    while (ready.empty()) {
        struct pollfd p[2] = {{socket, POLLIN, 0}, {init_pidfd, POLLIN, 0}};
        if (::poll(p, 2, -1) < 0) {
            if (errno == EINTR) continue;
            return Error::sys("poll NOTIFY_SOCKET");
        }
        if (p[0].revents & POLLIN) {
            char buf[4096];
            ssize_t n = ::recv(socket, buf, sizeof buf, 0);
            if (n < 0) return Error::sys("read NOTIFY_SOCKET");
            for (const auto& line : split(std::string_view(buf, static_cast<size_t>(n)), '\n'))
                if (line.rfind("READY=", 0) == 0) ready = line;
        } else if (p[1].revents & POLLIN) {
            return {};  // gone without a word: nothing to pass on
        }
    }
    std::string message = ready + "\nMAINPID=" + std::to_string(init) + "\n";
    sys::Fd out(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!out) return Error::sys("socket for NOTIFY_SOCKET");
    auto [addr, len] = TRY(unix_address(host_socket));
    if (::sendto(out.get(), message.data(), message.size(), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&addr), len) < 0)
        return Error::sys("send READY to NOTIFY_SOCKET " + host_socket);
    return {};
}

}  // namespace rong::container
