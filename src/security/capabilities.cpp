#include "security/capabilities.hpp"

#include <sys/prctl.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>

#include "base/log.hpp"

namespace rong::security {

namespace {

Result<std::vector<cap_value_t>> resolve_set(const std::vector<std::string>& names, const char* set) {
    std::vector<cap_value_t> out;
    std::string ignored;
    cap_value_t last = static_cast<cap_value_t>(cap_max_bits()) - 1;
    for (const auto& name : names) {
        std::string lower = name;
        std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
        cap_value_t value;
        // cap_from_name also takes numbers; only CAP_* names are capability names in a config.
        if (lower.rfind("cap_", 0) != 0 || cap_from_name(lower.c_str(), &value) < 0 || value > last) {
            ignored += (ignored.empty() ? "" : " ") + name;
            continue;
        }
        out.push_back(value);
    }
    // runc 1.1+: a config written for another kernel or libcap still runs.
    if (!ignored.empty())
        log::warn(std::string("process.capabilities.") + set + ": ignoring unknown or unavailable capabilities: [" +
                  ignored + "]");
    return out;
}

}  // namespace

Result<CapabilitySets> resolve_capabilities(const spec::Capabilities& caps) {
    CapabilitySets out;
    out.bounding = TRY(resolve_set(caps.bounding, "bounding"));
    out.effective = TRY(resolve_set(caps.effective, "effective"));
    out.inheritable = TRY(resolve_set(caps.inheritable, "inheritable"));
    out.permitted = TRY(resolve_set(caps.permitted, "permitted"));
    out.ambient = TRY(resolve_set(caps.ambient, "ambient"));
    return out;
}

Status drop_bounding(const CapabilitySets& caps) {
    cap_value_t last = static_cast<cap_value_t>(cap_max_bits()) - 1;
    for (cap_value_t c = 0; c <= last; ++c) {
        if (std::find(caps.bounding.begin(), caps.bounding.end(), c) != caps.bounding.end()) continue;
        if (::prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
            return Error::sys("drop capability " + std::string(cap_to_name(c)) + " from the bounding set");
    }
    return {};
}

Status apply_capabilities(const CapabilitySets& caps) {
    std::unique_ptr<struct _cap_struct, int (*)(void*)> state(cap_init(), cap_free);
    if (!state) return Error::sys("cap_init");
    auto set = [&](cap_flag_t flag, const std::vector<cap_value_t>& values) {
        return values.empty() ||
               cap_set_flag(state.get(), flag, static_cast<int>(values.size()), values.data(), CAP_SET) == 0;
    };
    if (!set(CAP_EFFECTIVE, caps.effective) || !set(CAP_PERMITTED, caps.permitted) ||
        !set(CAP_INHERITABLE, caps.inheritable))
        return Error::sys("cap_set_flag");
    if (cap_set_proc(state.get()) < 0) return Error::sys("set process capabilities");
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
        return Error::sys("clear ambient capabilities");
    auto has = [](const std::vector<cap_value_t>& set, cap_value_t c) {
        return std::find(set.begin(), set.end(), c) != set.end();
    };
    for (cap_value_t c : caps.ambient) {
        // Like runc: an ambient capability that is not also permitted and inheritable is skipped
        // (the kernel refuses it with EPERM: not asked).
        bool allowed = has(caps.permitted, c) && has(caps.inheritable, c);
        if (!allowed || ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
            log::debug("cannot raise ambient capability " + std::string(cap_to_name(c)) + ": " +
                       std::strerror(allowed ? errno : EPERM));
    }
    return {};
}

}  // namespace rong::security
