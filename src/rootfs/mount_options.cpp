#include "rootfs/mount_options.hpp"

#include <linux/mount.h>
#include <sys/mount.h>

#include <algorithm>
#include <string_view>

namespace rong::rootfs {

namespace {

struct FlagOption {
    std::string_view name;
    bool clear;  // "rw", "suid", ...: undo a flag rather than set it
    unsigned long flag;
};

constexpr FlagOption kFlagOptions[] = {
    {"defaults", false, 0},
    {"ro", false, MS_RDONLY},
    {"rw", true, MS_RDONLY},
    {"nosuid", false, MS_NOSUID},
    {"suid", true, MS_NOSUID},
    {"nodev", false, MS_NODEV},
    {"dev", true, MS_NODEV},
    {"noexec", false, MS_NOEXEC},
    {"exec", true, MS_NOEXEC},
    {"sync", false, MS_SYNCHRONOUS},
    {"async", true, MS_SYNCHRONOUS},
    {"dirsync", false, MS_DIRSYNC},
    {"remount", false, MS_REMOUNT},
    {"mand", false, MS_MANDLOCK},
    {"nomand", true, MS_MANDLOCK},
    {"atime", true, MS_NOATIME},
    {"noatime", false, MS_NOATIME},
    {"diratime", true, MS_NODIRATIME},
    {"nodiratime", false, MS_NODIRATIME},
    {"relatime", false, MS_RELATIME},
    {"norelatime", true, MS_RELATIME},
    {"strictatime", false, MS_STRICTATIME},
    {"nostrictatime", true, MS_STRICTATIME},
    {"bind", false, MS_BIND},
    {"rbind", false, MS_BIND | MS_REC},
    {"nosymfollow", false, MS_NOSYMFOLLOW},
    {"symfollow", true, MS_NOSYMFOLLOW},
    {"iversion", false, MS_I_VERSION},
    {"noiversion", true, MS_I_VERSION},
    {"lazytime", false, MS_LAZYTIME},
    {"nolazytime", true, MS_LAZYTIME},
    {"acl", false, MS_POSIXACL},
    {"noacl", true, MS_POSIXACL},
    {"silent", false, MS_SILENT},
    {"loud", true, MS_SILENT},
};

struct PropagationOption {
    std::string_view name;
    unsigned long flag;
};

constexpr PropagationOption kPropagation[] = {
    {"private", MS_PRIVATE},          {"rprivate", MS_PRIVATE | MS_REC},
    {"shared", MS_SHARED},            {"rshared", MS_SHARED | MS_REC},
    {"slave", MS_SLAVE},              {"rslave", MS_SLAVE | MS_REC},
    {"unbindable", MS_UNBINDABLE},    {"runbindable", MS_UNBINDABLE | MS_REC},
};

struct AttrOption {
    std::string_view name;
    bool clear;
    uint64_t attr;
};

// The "r" options apply to a whole mount tree through mount_setattr(AT_RECURSIVE).
constexpr AttrOption kRecursiveAttrs[] = {
    {"rro", false, MOUNT_ATTR_RDONLY},
    {"rrw", true, MOUNT_ATTR_RDONLY},
    {"rnosuid", false, MOUNT_ATTR_NOSUID},
    {"rsuid", true, MOUNT_ATTR_NOSUID},
    {"rnodev", false, MOUNT_ATTR_NODEV},
    {"rdev", true, MOUNT_ATTR_NODEV},
    {"rnoexec", false, MOUNT_ATTR_NOEXEC},
    {"rexec", true, MOUNT_ATTR_NOEXEC},
    {"rnodiratime", false, MOUNT_ATTR_NODIRATIME},
    {"rdiratime", true, MOUNT_ATTR_NODIRATIME},
    {"rnosymfollow", false, MOUNT_ATTR_NOSYMFOLLOW},
    {"rsymfollow", true, MOUNT_ATTR_NOSYMFOLLOW},
    // The atime family is one field (MOUNT_ATTR__ATIME): any change to it clears the whole field,
    // then sets the chosen value. The "clear" ones (ratime, rnorelatime, rnostrictatime) leave the
    // field at the kernel's default, relatime (MOUNT_ATTR_RELATIME is 0).
    {"rrelatime", false, MOUNT_ATTR_RELATIME},
    {"rnorelatime", true, MOUNT_ATTR_RELATIME},
    {"rnoatime", false, MOUNT_ATTR_NOATIME},
    {"ratime", true, MOUNT_ATTR_NOATIME},
    {"rstrictatime", false, MOUNT_ATTR_STRICTATIME},
    {"rnostrictatime", true, MOUNT_ATTR_STRICTATIME},
};

}  // namespace

bool MountOptions::is_bind() const { return flags & MS_BIND; }

unsigned long MountOptions::remount_flags() const {
    return flags & ~(MS_BIND | MS_REC | MS_REMOUNT | MS_SILENT);
}

MountOptions parse_mount_options(const std::vector<std::string>& options) {
    MountOptions out;
    for (const auto& opt : options) {
        bool known = false;
        for (const auto& f : kFlagOptions) {
            if (f.name != opt) continue;
            if (f.clear)
                out.flags &= ~f.flag;
            else
                out.flags |= f.flag;
            known = true;
            break;
        }
        for (const auto& p : kPropagation) {
            if (known || p.name != opt) continue;
            out.propagation.push_back(p.flag);
            known = true;
        }
        for (const auto& a : kRecursiveAttrs) {
            if (known || a.name != opt) continue;
            if ((a.attr & MOUNT_ATTR__ATIME) == a.attr) {
                out.attr_clr |= MOUNT_ATTR__ATIME;
                out.attr_set = (out.attr_set & ~MOUNT_ATTR__ATIME) | (a.clear ? 0 : a.attr);
            } else if (a.clear) {
                out.attr_clr |= a.attr;
                out.attr_set &= ~a.attr;
            } else {
                out.attr_set |= a.attr;
                out.attr_clr &= ~a.attr;
            }
            known = true;
        }
        if (known) continue;
        if (opt == "tmpcopyup") {
            out.tmpcopyup = true;
            continue;
        }
        if (opt == "idmap" || opt == "ridmap") {
            out.idmap = true;
            out.recursive_idmap = opt == "ridmap";
            continue;
        }
        if (!out.data.empty()) out.data += ',';
        out.data += opt;
    }
    return out;
}

std::vector<std::string> mount_option_names() {
    std::vector<std::string> out;
    for (const auto& f : kFlagOptions) out.emplace_back(f.name);
    for (const auto& p : kPropagation) out.emplace_back(p.name);
    for (const auto& a : kRecursiveAttrs) out.emplace_back(a.name);
    for (const char* extra : {"tmpcopyup", "idmap", "ridmap"}) out.emplace_back(extra);
    std::sort(out.begin(), out.end());
    return out;
}

std::string with_mount_label(const std::string& data, const std::string& type, const std::string& label) {
    if (label.empty()) return data;
    for (const char* unlabelled : {"proc", "sysfs", "mqueue", "cgroup", "cgroup2", "bind"})
        if (type == unlabelled) return data;
    return data + (data.empty() ? "" : ",") + "context=\"" + label + "\"";
}

unsigned long propagation_flag(const std::string& name) {
    for (const auto& p : kPropagation)
        if (p.name == name) return p.flag;
    return 0;
}

}  // namespace rong::rootfs
