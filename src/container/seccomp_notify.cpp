#include "container/seccomp_notify.hpp"

#include <nlohmann/json.hpp>

#include "sys/socket.hpp"

namespace rong::container {

std::string seccomp_state_json(const spec::Seccomp& seccomp, pid_t pid, const std::string& state_json) {
    nlohmann::ordered_json state = nlohmann::ordered_json::parse(state_json, nullptr, false);
    nlohmann::ordered_json j;
    j["ociVersion"] = state.is_object() ? state.value("ociVersion", "") : "";
    j["fds"] = nlohmann::ordered_json::array({"seccompFd"});
    j["pid"] = pid;
    if (!seccomp.listenerMetadata.empty()) j["metadata"] = seccomp.listenerMetadata;
    j["state"] = state;
    return j.dump();
}

Status send_seccomp_listener(const spec::Seccomp& seccomp, int listener_fd, pid_t pid, const std::string& state_json) {
    auto sock = sys::connect_unix(seccomp.listenerPath);
    if (!sock) return std::move(sock).error().wrap("seccomp agent");
    if (auto st = sys::send_fd(sock->get(), listener_fd, seccomp_state_json(seccomp, pid, state_json)); !st)
        return std::move(st).error().wrap("send seccomp listener to " + seccomp.listenerPath);
    return {};
}

}  // namespace rong::container
