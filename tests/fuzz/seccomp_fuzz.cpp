// libFuzzer target: a linux.seccomp object → a libseccomp filter built in memory and exported as
// BPF to /dev/null, never loaded. Any input must end in a filter or an Error, never a crash, a leak
// or undefined behaviour.
#include <fcntl.h>
#include <seccomp.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "security/seccomp.hpp"
#include "spec/parse.hpp"

using namespace rong;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // Exporting makes libseccomp generate the BPF program, as loading would, without loading it.
    static const int devnull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto seccomp = spec::parse_seccomp(text);
    if (!seccomp) return 0;
    (void)security::seccomp_uses_notify(*seccomp);
    auto filter = security::compile_seccomp(*seccomp);
    if (!filter) return 0;
    if (devnull >= 0) (void)seccomp_export_bpf(filter->get(), devnull);
    return 0;
}
