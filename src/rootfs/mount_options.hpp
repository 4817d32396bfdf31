// The mount options of config.json, sorted into what each kernel interface takes: mount(2) flags,
// propagation changes, mount_setattr(2) recursive attributes, and the filesystem's data string.
// Pure: unit-tested without root.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace rong::rootfs {

struct MountOptions {
    unsigned long flags = 0;                 // MS_* to set (MS_BIND, MS_RDONLY, ...)
    std::vector<unsigned long> propagation;  // MS_PRIVATE, MS_SHARED|MS_REC, ... applied in order
    uint64_t attr_set = 0;                   // MOUNT_ATTR_* for rro, rnosuid, ...
    uint64_t attr_clr = 0;
    std::string data;                        // what the filesystem parses ("size=64k,mode=755")
    bool idmap = false;                      // idmap / ridmap
    bool recursive_idmap = false;
    bool tmpcopyup = false;                  // a tmpfs starts with what the rootfs had there

    bool is_bind() const;
    // Flags that a bind mount only honours on a second, MS_REMOUNT pass.
    unsigned long remount_flags() const;
};

MountOptions parse_mount_options(const std::vector<std::string>& options);

// Every option name parse_mount_options understands (for `rong features`), sorted.
std::vector<std::string> mount_option_names();

// The data of a `type` mount with linux.mountLabel as its SELinux context, where runc puts it:
// not on proc, sysfs, mqueue, cgroup or bind mounts. The label is checked to be usable (SELinux
// present) before; an empty label leaves the data as it is.
std::string with_mount_label(const std::string& data, const std::string& type, const std::string& label);

// MS_* propagation for linux.rootfsPropagation ("rslave" → MS_SLAVE|MS_REC); 0 for "".
unsigned long propagation_flag(const std::string& name);

}  // namespace rong::rootfs
