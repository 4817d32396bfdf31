// linux.seccomp through libseccomp: compile (pure: config → filter, unit-tested without loading)
// and load (into the calling thread, the container's init or an exec'd process).
//
// runc's rules, followed here: an unknown syscall name is skipped (debug log: the kernel or
// libseccomp may not know it); an unknown action, operator, architecture or flag is an error
// naming the field; a rule whose action is the default action is dropped (libseccomp refuses it);
// several conditions on the same argument index become one rule per condition (OR), otherwise a
// rule's conditions are ANDed; ERRNO and TRACE without errnoRet return EPERM; the filter does not
// set no_new_privs itself (process.noNewPrivileges decides).
#pragma once

#include <seccomp.h>

#include <string>

#include "base/result.hpp"
#include "spec/config.hpp"
#include "sys/fd.hpp"

namespace rong::security {

// Sole owner of a libseccomp filter context.
class SeccompFilter {
public:
    SeccompFilter() = default;
    explicit SeccompFilter(scmp_filter_ctx ctx) : ctx_(ctx) {}
    SeccompFilter(SeccompFilter&& other) noexcept : ctx_(other.ctx_), notify_(other.notify_) { other.ctx_ = nullptr; }
    SeccompFilter& operator=(SeccompFilter&& other) noexcept;
    SeccompFilter(const SeccompFilter&) = delete;
    SeccompFilter& operator=(const SeccompFilter&) = delete;
    ~SeccompFilter();

    scmp_filter_ctx get() const { return ctx_; }
    // Some rule uses SCMP_ACT_NOTIFY: loading yields a listener fd for a seccomp agent.
    bool notifies() const { return notify_; }
    void set_notifies() { notify_ = true; }

private:
    scmp_filter_ctx ctx_ = nullptr;
    bool notify_ = false;
};

// SCMP_ACT_* name (with the rule's or the default errnoRet) → libseccomp action; `field` names the
// JSON field in errors.
Result<uint32_t> seccomp_action(const std::string& name, std::optional<uint32_t> errno_ret, const std::string& field);
// SCMP_ARCH_* → libseccomp arch token.
Result<uint32_t> seccomp_arch(const std::string& name);
// SCMP_CMP_* → operator.
Result<scmp_compare> seccomp_operator(const std::string& name);

// The whole linux.seccomp object to a filter, nothing loaded.
Result<SeccompFilter> compile_seccomp(const spec::Seccomp& config);

// Loads the filter into the calling thread. When it notifies, returns the listener fd (else an
// empty Fd). Without no_new_privs the caller needs CAP_SYS_ADMIN.
Result<sys::Fd> load_seccomp(const SeccompFilter& filter);

// Does the config use SCMP_ACT_NOTIFY anywhere (decided without compiling)?
bool seccomp_uses_notify(const spec::Seccomp& config);

}  // namespace rong::security
