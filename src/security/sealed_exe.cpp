#include "security/sealed_exe.hpp"

#include <elf.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "base/strings.hpp"
#include "security/capabilities.hpp"
#include "sys/fd.hpp"
#include "sys/file.hpp"
#include "sys/process.hpp"

namespace rong::security {

namespace {

// By the capability the names resolve to, as the init grants them: not by one spelling of it.
bool has_ptrace(const spec::Capabilities* caps) {
    if (!caps) return false;
    auto sets = resolve_capabilities(*caps);
    return !sets || std::find(sets->bounding.begin(), sets->bounding.end(), CAP_SYS_PTRACE) != sets->bounding.end();
}

Status read_at(int fd, void* buf, size_t size, off_t offset) {
    if (::pread(fd, buf, size, offset) != static_cast<ssize_t>(size)) return Error::sys("read the ELF headers of rong");
    return {};
}

// How much of the binary execve maps: to the end of its last loadable segment. The debug
// sections after it (most of the file) need no copy.
Result<size_t> loaded_length(int fd) {
    Elf64_Ehdr eh;
    TRY(read_at(fd, &eh, sizeof eh, 0));
    if (std::string_view(reinterpret_cast<const char*>(eh.e_ident), SELFMAG) != ELFMAG ||
        eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof(Elf64_Phdr))
        return Error::msg("rong is not the 64-bit ELF binary it was built as");
    size_t end = eh.e_phoff + size_t{eh.e_phnum} * sizeof(Elf64_Phdr);
    std::vector<Elf64_Phdr> ph(eh.e_phnum);
    TRY(read_at(fd, ph.data(), ph.size() * sizeof(Elf64_Phdr), static_cast<off_t>(eh.e_phoff)));
    for (const auto& p : ph)
        if (p.p_type == PT_LOAD) end = std::max<size_t>(end, p.p_offset + p.p_filesz);
    return end;
}

}  // namespace

bool may_trace_runtime(const spec::Config& config, const spec::Capabilities* exec_caps) {
    // In a user namespace of its own (or joined), the container's capabilities end at it.
    if (config.linux && config.linux->find_namespace("user")) return false;
    if (config.process && has_ptrace(config.process->capabilities ? &*config.process->capabilities : nullptr))
        return true;
    if (has_ptrace(exec_caps)) return true;
    const spec::Namespace* pid = config.linux ? config.linux->find_namespace("pid") : nullptr;
    return pid && !pid->path.empty();
}

Status run_from_sealed_copy() {
    sys::Fd self(::open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
    if (!self) return Error::sys("open /proc/self/exe");
    int seals = ::fcntl(self.get(), F_GET_SEALS);
    if (seals >= 0 && (seals & F_SEAL_WRITE)) {
        // This is the copy, named after the fd it was started from ("3"): named rong again for ps.
        ::prctl(PR_SET_NAME, "rong", 0, 0, 0);
        return {};
    }
    size_t length = TRY(loaded_length(self.get()));
    sys::Fd copy(::memfd_create("rong", MFD_CLOEXEC | MFD_ALLOW_SEALING));
    if (!copy) return Error::sys("memfd_create");
    for (off_t offset = 0; static_cast<size_t>(offset) < length;) {
        if (::sendfile(copy.get(), self.get(), &offset, length - static_cast<size_t>(offset)) <= 0)
            return Error::sys("copy rong into a memfd");
    }
    if (::fcntl(copy.get(), F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
        return Error::sys("seal the copy of rong");
    // Each argument ends with a NUL: the field after the last one is not an argument.
    std::vector<std::string> args = split(TRY(sys::read_file("/proc/self/cmdline")), '\0');
    args.pop_back();
    auto argv = sys::exec_vector(args);
    ::execveat(copy.get(), "", argv.data(), environ, AT_EMPTY_PATH);
    return Error::sys("execute the sealed copy of rong");
}

}  // namespace rong::security
