#include "security/seccomp.hpp"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <vector>

#include "base/log.hpp"

namespace rong::security {

namespace {

Error scmp_error(const std::string& op, int rc) { return Error::sys(op, -rc); }

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// The SECCOMP_FILTER_FLAG_* names of runtime-spec's linux.seccomp.flags → filter attributes.
Status apply_flag(scmp_filter_ctx ctx, const std::string& flag, const std::string& field) {
    enum scmp_filter_attr attr;
    if (flag == "SECCOMP_FILTER_FLAG_TSYNC") attr = SCMP_FLTATR_CTL_TSYNC;
    else if (flag == "SECCOMP_FILTER_FLAG_LOG") attr = SCMP_FLTATR_CTL_LOG;
    else if (flag == "SECCOMP_FILTER_FLAG_SPEC_ALLOW") attr = SCMP_FLTATR_CTL_SSB;
    else if (flag == "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV")
        return Error::msg(field + ": " + flag + " is not supported by libseccomp " +
                          std::to_string(SCMP_VER_MAJOR) + "." + std::to_string(SCMP_VER_MINOR) + "." +
                          std::to_string(SCMP_VER_MICRO));
    else return Error::msg(field + ": unknown seccomp flag \"" + flag + "\"");
    if (int rc = seccomp_attr_set(ctx, attr, 1); rc < 0) return scmp_error(field + ": set " + flag, rc);
    return {};
}

}  // namespace

SeccompFilter& SeccompFilter::operator=(SeccompFilter&& other) noexcept {
    if (this != &other) {
        if (ctx_) seccomp_release(ctx_);
        ctx_ = std::exchange(other.ctx_, nullptr);
        notify_ = other.notify_;
    }
    return *this;
}

SeccompFilter::~SeccompFilter() {
    if (ctx_) seccomp_release(ctx_);
}

Result<uint32_t> seccomp_action(const std::string& name, std::optional<uint32_t> errno_ret, const std::string& field) {
    if (errno_ret && *errno_ret > 0xffff)
        return Error::msg(field + ": errnoRet " + std::to_string(*errno_ret) + " is out of range");
    uint32_t ret = errno_ret.value_or(EPERM);
    if (name == "SCMP_ACT_KILL" || name == "SCMP_ACT_KILL_THREAD") return SCMP_ACT_KILL_THREAD;
    if (name == "SCMP_ACT_KILL_PROCESS") return SCMP_ACT_KILL_PROCESS;
    if (name == "SCMP_ACT_TRAP") return SCMP_ACT_TRAP;
    if (name == "SCMP_ACT_ERRNO") return SCMP_ACT_ERRNO(ret);
    if (name == "SCMP_ACT_TRACE") return SCMP_ACT_TRACE(ret);
    if (name == "SCMP_ACT_ALLOW") return SCMP_ACT_ALLOW;
    if (name == "SCMP_ACT_LOG") return SCMP_ACT_LOG;
    if (name == "SCMP_ACT_NOTIFY") return SCMP_ACT_NOTIFY;
    return Error::msg(field + ": unknown seccomp action \"" + name + "\"");
}

Result<uint32_t> seccomp_arch(const std::string& name) {
    constexpr std::string_view prefix = "SCMP_ARCH_";
    if (name.rfind(prefix, 0) == 0 && name.size() > prefix.size()) {
        uint32_t arch = seccomp_arch_resolve_name(lower(name.substr(prefix.size())).c_str());
        if (arch != 0) return arch;
    }
    return Error::msg("unknown seccomp architecture \"" + name + "\"");
}

Result<scmp_compare> seccomp_operator(const std::string& name) {
    if (name == "SCMP_CMP_NE") return SCMP_CMP_NE;
    if (name == "SCMP_CMP_LT") return SCMP_CMP_LT;
    if (name == "SCMP_CMP_LE") return SCMP_CMP_LE;
    if (name == "SCMP_CMP_EQ") return SCMP_CMP_EQ;
    if (name == "SCMP_CMP_GE") return SCMP_CMP_GE;
    if (name == "SCMP_CMP_GT") return SCMP_CMP_GT;
    if (name == "SCMP_CMP_MASKED_EQ") return SCMP_CMP_MASKED_EQ;
    return Error::msg("unknown seccomp operator \"" + name + "\"");
}

bool seccomp_uses_notify(const spec::Seccomp& config) {
    if (config.defaultAction == "SCMP_ACT_NOTIFY") return true;
    for (const auto& s : config.syscalls)
        if (s.action == "SCMP_ACT_NOTIFY") return true;
    return false;
}

Result<SeccompFilter> compile_seccomp(const spec::Seccomp& config) {
    const std::string base = "linux.seccomp";
    uint32_t default_action = TRY(seccomp_action(config.defaultAction, config.defaultErrnoRet, base + ".defaultAction"));
    // The runtime needs write() for its own errors until execve: as runc, no NOTIFY default.
    if (default_action == SCMP_ACT_NOTIFY)
        return Error::msg(base + ".defaultAction: SCMP_ACT_NOTIFY cannot be the default action");
    scmp_filter_ctx raw = seccomp_init(default_action);
    if (!raw) return Error::msg(base + ": seccomp_init failed");
    SeccompFilter filter(raw);
    // no_new_privs is process.noNewPrivileges' business, not the filter's.
    if (int rc = seccomp_attr_set(raw, SCMP_FLTATR_CTL_NNP, 0); rc < 0) return scmp_error("seccomp: clear NNP", rc);

    for (size_t i = 0; i < config.architectures.size(); ++i) {
        const std::string field = base + ".architectures[" + std::to_string(i) + "]";
        auto arch = seccomp_arch(config.architectures[i]);
        if (!arch) return Error::msg(field + ": " + arch.error().message);
        int rc = seccomp_arch_add(raw, *arch);
        if (rc < 0 && rc != -EEXIST) return scmp_error(field + ": add architecture " + config.architectures[i], rc);
    }
    for (size_t i = 0; i < config.flags.size(); ++i)
        TRY(apply_flag(raw, config.flags[i], base + ".flags[" + std::to_string(i) + "]"));

    for (size_t i = 0; i < config.syscalls.size(); ++i) {
        const auto& rule = config.syscalls[i];
        const std::string field = base + ".syscalls[" + std::to_string(i) + "]";
        uint32_t action = TRY(seccomp_action(rule.action, rule.errnoRet, field + ".action"));
        if (action == SCMP_ACT_NOTIFY) {
            // The init's own write()s (its exec fifo, its errors) would wait on the agent (runc's rule).
            for (const auto& name : rule.names)
                if (name == "write") return Error::msg(field + ": SCMP_ACT_NOTIFY cannot be used for the write syscall");
            filter.set_notifies();
        }

        std::vector<scmp_arg_cmp> conds;
        bool same_index = false;
        unsigned counts[6] = {};
        for (size_t a = 0; a < rule.args.size(); ++a) {
            const auto& arg = rule.args[a];
            const std::string afield = field + ".args[" + std::to_string(a) + "]";
            if (arg.index >= 6) return Error::msg(afield + ".index: " + std::to_string(arg.index) + " is not below 6");
            auto op = seccomp_operator(arg.op);
            if (!op) return Error::msg(afield + ".op: " + op.error().message);
            if (++counts[arg.index] > 1) same_index = true;
            conds.push_back(scmp_arg_cmp{arg.index, *op, arg.value, arg.valueTwo});
        }
        // Redundant with the default: libseccomp refuses it, runc drops it silently.
        if (action == default_action) continue;

        for (const auto& name : rule.names) {
            int nr = seccomp_syscall_resolve_name(name.c_str());
            if (nr == __NR_SCMP_ERROR) {
                log::debug("seccomp: unknown syscall \"" + name + "\" skipped");
                continue;
            }
            auto add = [&](const scmp_arg_cmp* c, unsigned n) -> Status {
                if (int rc = seccomp_rule_add_array(raw, action, nr, n, c); rc < 0)
                    return scmp_error(field + ": add rule for " + name, rc);
                return {};
            };
            if (!same_index) {
                TRY(add(conds.data(), static_cast<unsigned>(conds.size())));
            } else {
                // runc: conditions sharing an argument cannot be ANDed by libseccomp; each is a rule.
                for (const auto& c : conds) TRY(add(&c, 1));
            }
        }
    }
    return filter;
}

Result<sys::Fd> load_seccomp(const SeccompFilter& filter) {
    if (int rc = seccomp_load(filter.get()); rc < 0) return scmp_error("load seccomp filter", rc);
    if (!filter.notifies()) return sys::Fd();
    int fd = seccomp_notify_fd(filter.get());
    if (fd < 0) return scmp_error("seccomp listener fd", fd);
    return sys::Fd(fd);
}

}  // namespace rong::security
