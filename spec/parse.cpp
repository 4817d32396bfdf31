// config.json: the top level, process and hooks. Linux-specific parts are in parse_linux.cpp and
// parse_resources.cpp, the JSON plumbing in json_reader.{hpp,cpp}.
#include "spec/parse.hpp"

#include <array>
#include <charconv>

#include "spec/json_reader.hpp"
#include "spec/kernel_names.hpp"

namespace rong::spec {

namespace detail {

namespace {

constexpr std::array<std::string_view, 3> kIoPriorityClasses = {"IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE",
                                                                "IOPRIO_CLASS_IDLE"};

// SemVer MAJOR.MINOR.PATCH with an optional -pre-release and +build: 1.0.0 up to any 1.3.x.
bool supported_version(std::string_view version) {
    unsigned numbers[3];
    const char* p = version.data();
    const char* end = p + version.size();
    for (int i = 0; i < 3; ++i) {
        auto [next, ec] = std::from_chars(p, end, numbers[i]);
        if (ec != std::errc() || next == p) return false;
        p = next;
        if (i < 2 && (p == end || *p++ != '.')) return false;
    }
    const bool suffix_ok = p == end || ((*p == '-' || *p == '+') && p + 1 != end);
    return suffix_ok && numbers[0] == 1 && numbers[1] <= 3;
}

}  // namespace

Status read(const Reader& r, Config& c) {
    TRY(r.expect_object());
    TRY(r.require("ociVersion", c.ociVersion));
    if (!supported_version(c.ociVersion))
        return r.at("ociVersion")
            .error("unsupported version " + quote(c.ociVersion) + " (rong supports 1.0.0 to 1.3.x)");
    TRY(r.require("root", c.root));
    TRY(r.get("mounts", c.mounts));
    TRY(r.get("process", c.process));
    TRY(r.get("hostname", c.hostname));
    TRY(r.get("domainname", c.domainname));
    TRY(r.get("hooks", c.hooks));
    TRY(r.get("annotations", c.annotations));
    TRY(r.get("linux", c.linux));

    // As runc's validator: the names are set in the container's UTS namespace, new or joined.
    const bool has_uts = c.linux && c.linux->find_namespace("uts");
    for (auto [key, value] : {std::pair{"hostname", &c.hostname}, std::pair{"domainname", &c.domainname}})
        if (!value->empty() && !has_uts)
            return r.at(key).error("unable to set " + std::string(key) + " without a private UTS namespace");
    return {};
}

Status read(const Reader& r, Root& root) {
    TRY(r.expect_object());
    TRY(r.require("path", root.path));
    TRY(r.get("readonly", root.readonly));
    if (root.path.empty()) return r.at("path").error("must not be empty");
    return {};
}

Status read(const Reader& r, Mount& m) {
    TRY(r.expect_object());
    TRY(r.require("destination", m.destination));
    TRY(r.get("type", m.type));
    TRY(r.get("source", m.source));
    TRY(r.get("options", m.options));
    TRY(r.get("uidMappings", m.uidMappings));
    TRY(r.get("gidMappings", m.gidMappings));
    if (m.destination.empty()) return r.at("destination").error("must not be empty");
    // runc 1.1 took relative destinations as relative to / (with a deprecation warning); so do we.
    if (!m.destination.starts_with('/')) m.destination.insert(0, "/");
    return {};
}

Status read(const Reader& r, Process& p) {
    TRY(r.expect_object());
    TRY(r.get("terminal", p.terminal));
    TRY(r.get("consoleSize", p.consoleSize));
    TRY(r.get("user", p.user));
    if (const json& args = r.at("args").value(); args.is_array() ? args.empty() : !args.is_null())
        return r.at("args").error("expected a non-empty array of strings");
    TRY(r.require("args", p.args));
    TRY(r.get("env", p.env));
    // runc's checks, with its words: NAME=value, a name, no NUL (execve would cut the string).
    for (size_t i = 0; i < p.env.size(); ++i) {
        const std::string& e = p.env[i];
        size_t eq = e.find('=');
        if (eq == std::string::npos) return r.at("env").at(i).error("invalid environment variable: " + quote(e));
        if (eq == 0) return r.at("env").at(i).error("environment variable name can't be empty: " + quote(e));
        if (e.find('\0') != std::string::npos)
            return r.at("env").at(i).error("environment variable can't contain null(\\x00): " + quote(e));
    }
    TRY(r.require("cwd", p.cwd));
    TRY(expect_absolute(r.at("cwd"), p.cwd));
    TRY(r.get("capabilities", p.capabilities));
    TRY(r.get("rlimits", p.rlimits));
    TRY(expect_unique(r.at("rlimits"), p.rlimits, &Rlimit::type, "rlimit"));
    TRY(r.get("noNewPrivileges", p.noNewPrivileges));
    TRY(r.get("apparmorProfile", p.apparmorProfile));
    TRY(r.get("oomScoreAdj", p.oomScoreAdj));
    TRY(r.get("selinuxLabel", p.selinuxLabel));
    TRY(r.get("scheduler", p.scheduler));
    TRY(r.get("ioPriority", p.ioPriority));
    TRY(r.get("execCPUAffinity", p.execCPUAffinity));
    return {};
}

Status read(const Reader& r, ConsoleSize& size) {
    TRY(r.expect_object());
    TRY(r.require("height", size.height));
    return r.require("width", size.width);
}

Status read(const Reader& r, User& user) {
    TRY(r.expect_object());
    TRY(r.require("uid", user.uid));
    TRY(r.require("gid", user.gid));
    TRY(r.get("umask", user.umask));
    TRY(r.get("additionalGids", user.additionalGids));
    return r.get("username", user.username);
}

Status read(const Reader& r, Capabilities& caps) {
    TRY(r.expect_object());
    const std::pair<const char*, std::vector<std::string>*> sets[] = {
        {"bounding", &caps.bounding},   {"effective", &caps.effective}, {"inheritable", &caps.inheritable},
        {"permitted", &caps.permitted}, {"ambient", &caps.ambient},
    };
    // Every name is kept: one rong or the kernel does not know is warned about and ignored later
    // (security::resolve_capabilities), as runc does.
    for (auto [key, names] : sets) TRY(r.get(key, *names));
    return {};
}

Status read(const Reader& r, Rlimit& limit) {
    TRY(r.expect_object());
    TRY(r.require("type", limit.type));
    TRY(expect_one_of(r.at("type"), limit.type, kRlimitNames, "rlimit type"));
    TRY(r.require("soft", limit.soft));
    TRY(r.require("hard", limit.hard));
    // The spec allows it, setrlimit(2) refuses it with EINVAL: better said here, with the path.
    if (limit.soft > limit.hard)
        return r.error("soft limit " + std::to_string(limit.soft) + " is greater than hard limit " +
                       std::to_string(limit.hard));
    return {};
}

Status read(const Reader& r, Scheduler& s) {
    TRY(r.expect_object());
    TRY(r.require("policy", s.policy));
    TRY(r.get("nice", s.nice));
    TRY(r.get("priority", s.priority));
    TRY(r.get("flags", s.flags));
    TRY(r.get("runtime", s.runtime));
    TRY(r.get("deadline", s.deadline));
    return r.get("period", s.period);
}

Status read(const Reader& r, IoPriority& io) {
    TRY(r.expect_object());
    TRY(r.require("class", io.ioClass));
    TRY(expect_one_of(r.at("class"), io.ioClass, kIoPriorityClasses, "I/O priority class"));
    return r.get("priority", io.priority);
}

Status read(const Reader& r, CpuAffinity& affinity) {
    TRY(r.expect_object());
    TRY(r.get("initial", affinity.initial));
    return r.get("final", affinity.final);
}

Status read(const Reader& r, Hooks& hooks) {
    TRY(r.expect_object());
    TRY(r.get("prestart", hooks.prestart));
    TRY(r.get("createRuntime", hooks.createRuntime));
    TRY(r.get("createContainer", hooks.createContainer));
    TRY(r.get("startContainer", hooks.startContainer));
    TRY(r.get("poststart", hooks.poststart));
    return r.get("poststop", hooks.poststop);
}

Status read(const Reader& r, Hook& hook) {
    TRY(r.expect_object());
    TRY(r.require("path", hook.path));
    TRY(expect_absolute(r.at("path"), hook.path));
    TRY(r.get("args", hook.args));
    TRY(r.get("env", hook.env));
    TRY(r.get("timeout", hook.timeout));
    if (hook.timeout && *hook.timeout <= 0)
        return r.at("timeout").error("must be a positive number of seconds");
    return {};
}

}  // namespace detail

Result<Config> parse_config(std::string_view json_text, std::string_view origin) {
    return detail::parse_document<Config>(json_text, origin);
}

Result<Process> parse_process(std::string_view json_text, std::string_view origin) {
    return detail::parse_document<Process>(json_text, origin);
}

Result<Resources> parse_resources(std::string_view json_text, std::string_view origin) {
    return detail::parse_document<Resources>(json_text, origin);
}

Result<Seccomp> parse_seccomp(std::string_view json_text, std::string_view origin) {
    return detail::parse_document<Seccomp>(json_text, origin);
}

}  // namespace rong::spec
