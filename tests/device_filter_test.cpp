// cgroups/device_filter: the rule emulation (runc's v1 semantics), the instructions, what they
// decide (run by a small interpreter of the instructions the generator uses), and the kernel
// verifying, attaching and enforcing them on a real cgroup2 directory.
#include "cgroups/device_filter.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/magic.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <tuple>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "cgroups/cgroups.hpp"
#include "sys/fd.hpp"

namespace rong::cgroups {
namespace {

namespace fs = std::filesystem;

spec::DeviceRule rule(bool allow, const char* type, int64_t major, int64_t minor, const char* access) {
    spec::DeviceRule r;
    r.allow = allow;
    r.type = type;
    if (major >= 0) r.major = major;
    if (minor >= 0) r.minor = minor;
    r.access = access;
    return r;
}
spec::DeviceRule deny_all() { return rule(false, "a", -1, -1, "rwm"); }
spec::DeviceRule allow_all() { return rule(true, "a", -1, -1, "rwm"); }

// Runs a device program the way the kernel would for one access; -1 (and a test failure) for an
// instruction the generator is not supposed to produce.
int run(const std::vector<bpf_insn>& prog, uint32_t type, uint32_t access, uint32_t major, uint32_t minor) {
    const uint32_t ctx[3] = {type | (access << 16), major, minor};
    uint64_t reg[11] = {};
    for (size_t pc = 0; pc < prog.size(); ++pc) {
        const bpf_insn& i = prog[pc];
        uint64_t& dst = reg[i.dst_reg];
        switch (i.code) {
        case BPF_LDX | BPF_MEM | BPF_W:
            if (i.src_reg != BPF_REG_1 || i.off % 4 != 0 || i.off < 0 || i.off > 8) break;
            dst = ctx[i.off / 4];
            continue;
        case BPF_ALU | BPF_AND | BPF_K: dst = static_cast<uint32_t>(dst) & static_cast<uint32_t>(i.imm); continue;
        case BPF_ALU | BPF_RSH | BPF_K: dst = static_cast<uint32_t>(dst) >> i.imm; continue;
        case BPF_ALU | BPF_MOV | BPF_K: dst = static_cast<uint32_t>(i.imm); continue;
        case BPF_ALU | BPF_MOV | BPF_X: dst = static_cast<uint32_t>(reg[i.src_reg]); continue;
        case BPF_JMP | BPF_JNE | BPF_K:
            if (dst != static_cast<uint64_t>(static_cast<int64_t>(i.imm))) pc += i.off;
            continue;
        case BPF_JMP | BPF_JEQ | BPF_K:
            if (dst == static_cast<uint64_t>(static_cast<int64_t>(i.imm))) pc += i.off;
            continue;
        case BPF_JMP | BPF_JNE | BPF_X:
            if (dst != reg[i.src_reg]) pc += i.off;
            continue;
        case BPF_JMP | BPF_EXIT: return static_cast<int>(reg[0]);
        }
        ADD_FAILURE() << "unexpected instruction " << int(i.code) << " at " << pc;
        return -1;
    }
    ADD_FAILURE() << "the program falls off its end";
    return -1;
}

constexpr uint32_t C = BPF_DEVCG_DEV_CHAR, B = BPF_DEVCG_DEV_BLOCK;
constexpr uint32_t R = BPF_DEVCG_ACC_READ, W = BPF_DEVCG_ACC_WRITE, M = BPF_DEVCG_ACC_MKNOD;

std::vector<bpf_insn> program_for(const std::vector<spec::DeviceRule>& rules) {
    auto set = emulate_device_rules(rules);
    EXPECT_TRUE(set) << set.error().message;
    return set ? device_filter_program(*set) : std::vector<bpf_insn>{};
}

TEST(DeviceFilter, EmulationLikeRunc) {
    // Deny-all to start with; allow rules become exceptions, sorted by (major, minor, type),
    // and rules for the same device merge their access.
    auto set = *emulate_device_rules({rule(true, "c", 5, 1, "r"), rule(true, "c", 1, 3, "r"), rule(true, "b", 1, 3, "w"),
                                      rule(true, "c", -1, -1, "m"), rule(true, "c", 1, 3, "w")});
    EXPECT_FALSE(set.default_allow);
    std::vector<DeviceRuleSet::Exception> want = {
        {'c', -1, -1, M}, {'b', 1, 3, W}, {'c', 1, 3, R | W}, {'c', 5, 1, R}};
    EXPECT_EQ(set.exceptions, want);
    // A rule of type "a" (or no type) resets, whatever its numbers and access.
    set = *emulate_device_rules({rule(true, "c", 1, 3, "rwm"), rule(true, "", 7, 7, "r")});
    EXPECT_TRUE(set.default_allow);
    EXPECT_TRUE(set.exceptions.empty());
    // A deny in deny-all mode takes access away from the matching exception.
    set = *emulate_device_rules({deny_all(), rule(true, "c", 1, 3, "rwm"), rule(false, "c", 1, 3, "w")});
    ASSERT_EQ(set.exceptions.size(), 1u);
    EXPECT_EQ(set.exceptions[0].access, R | M);
    set = *emulate_device_rules({deny_all(), rule(true, "c", 1, 3, "r"), rule(false, "c", 1, 3, "rwm")});
    EXPECT_TRUE(set.exceptions.empty());
    // In allow-all mode, deny rules are the exceptions and allow rules remove them.
    set = *emulate_device_rules({allow_all(), rule(false, "b", 8, -1, "w"), rule(false, "c", 1, 5, "rw"),
                                 rule(true, "c", 1, 5, "r")});
    EXPECT_TRUE(set.default_allow);
    want = {{'c', 1, 5, W}, {'b', 8, -1, W}};
    EXPECT_EQ(set.exceptions, want);
    // A rule without access is refused, as runc ("device access ... cannot be empty").
    EXPECT_FALSE(emulate_device_rules({deny_all(), rule(true, "c", 1, 3, "")}));
}

TEST(DeviceFilter, EmulationRefusals) {
    // A hole in a wildcard exception: v1 would ignore it silently.
    auto set = emulate_device_rules({deny_all(), rule(true, "c", -1, -1, "rwm"), rule(false, "c", 1, 3, "r")});
    ASSERT_FALSE(set);
    EXPECT_NE(set.error().message.find("c *:* rwm"), std::string::npos) << set.error().message;
    EXPECT_FALSE(emulate_device_rules({deny_all(), rule(true, "c", 1, -1, "r"), rule(false, "c", 1, 3, "rw")}));
    EXPECT_FALSE(emulate_device_rules({allow_all(), rule(false, "b", -1, 0, "m"), rule(true, "b", 8, 0, "m")}));
    // Without overlapping access, or for another type, it is not a hole.
    EXPECT_TRUE(emulate_device_rules({deny_all(), rule(true, "c", 1, -1, "r"), rule(false, "c", 1, 3, "w")}));
    EXPECT_TRUE(emulate_device_rules({deny_all(), rule(true, "b", -1, -1, "r"), rule(false, "c", 1, 3, "r")}));
    EXPECT_FALSE(emulate_device_rules({deny_all(), rule(true, "c", int64_t{1} << 32, 0, "r")}));
    EXPECT_FALSE(emulate_device_rules({deny_all(), rule(true, "p", 1, 1, "r")}));
}

TEST(DeviceFilter, Instructions) {
    auto prog = program_for({deny_all(), rule(true, "c", 1, 3, "r")});
    auto is = [](const bpf_insn& i, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
        return i.code == code && i.dst_reg == dst && i.src_reg == src && i.off == off && i.imm == imm;
    };
    ASSERT_EQ(prog.size(), 16u);
    // The block loads each field of the context it compares; each mismatch jumps to the default
    // at 14.
    EXPECT_TRUE(is(prog[0], BPF_LDX | BPF_MEM | BPF_W, 2, 1, 0, 0));  // type
    EXPECT_TRUE(is(prog[1], BPF_ALU | BPF_AND | BPF_K, 2, 0, 0, 0xffff));
    EXPECT_TRUE(is(prog[2], BPF_JMP | BPF_JNE | BPF_K, 2, 0, 11, BPF_DEVCG_DEV_CHAR));
    EXPECT_TRUE(is(prog[3], BPF_LDX | BPF_MEM | BPF_W, 3, 1, 0, 0));  // access
    EXPECT_TRUE(is(prog[4], BPF_ALU | BPF_RSH | BPF_K, 3, 0, 0, 16));
    EXPECT_TRUE(is(prog[5], BPF_ALU | BPF_MOV | BPF_X, 2, 3, 0, 0));
    EXPECT_TRUE(is(prog[6], BPF_ALU | BPF_AND | BPF_K, 2, 0, 0, BPF_DEVCG_ACC_READ));
    EXPECT_TRUE(is(prog[7], BPF_JMP | BPF_JNE | BPF_X, 2, 3, 6, 0));
    EXPECT_TRUE(is(prog[8], BPF_LDX | BPF_MEM | BPF_W, 2, 1, 4, 0));  // major
    EXPECT_TRUE(is(prog[9], BPF_JMP | BPF_JNE | BPF_K, 2, 0, 4, 1));
    EXPECT_TRUE(is(prog[10], BPF_LDX | BPF_MEM | BPF_W, 2, 1, 8, 0));  // minor
    EXPECT_TRUE(is(prog[11], BPF_JMP | BPF_JNE | BPF_K, 2, 0, 2, 3));
    EXPECT_TRUE(is(prog[12], BPF_ALU | BPF_MOV | BPF_K, 0, 0, 0, 1));
    EXPECT_TRUE(is(prog[13], BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
    EXPECT_TRUE(is(prog[14], BPF_ALU | BPF_MOV | BPF_K, 0, 0, 0, 0));
    EXPECT_TRUE(is(prog[15], BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
    // rwm needs no access check, a wildcard no number check.
    EXPECT_EQ(program_for({deny_all(), rule(true, "b", -1, -1, "rwm")}).size(), 3u + 2u + 2u);
    // A deny exception matches when it covers any of the access asked for.
    prog = program_for({allow_all(), rule(false, "c", 1, 3, "w")});
    ASSERT_EQ(prog.size(), 16u);
    EXPECT_TRUE(is(prog[7], BPF_JMP | BPF_JEQ | BPF_K, 2, 0, 6, 0));
    EXPECT_TRUE(is(prog[12], BPF_ALU | BPF_MOV | BPF_K, 0, 0, 0, 0));
    EXPECT_TRUE(is(prog[14], BPF_ALU | BPF_MOV | BPF_K, 0, 0, 0, 1));
}

// Rule sets of every shape: wildcards, shared majors, mixed access, both defaults.
std::vector<DeviceRuleSet> rule_sets_of_every_shape() {
    const int64_t numbers[] = {-1, 0, 1, 5, 136};
    uint32_t seed = 7;
    auto next = [&seed](uint32_t n) {
        seed = seed * 1103515245 + 12345;
        return (seed >> 16) % n;
    };
    std::vector<DeviceRuleSet> sets;
    for (int round = 0; round < 400; ++round) {
        DeviceRuleSet set;
        set.default_allow = next(2);
        std::map<std::tuple<char, int64_t, int64_t>, uint32_t> exceptions;
        for (uint32_t k = next(9); k > 0; --k)
            exceptions[{next(2) ? 'b' : 'c', numbers[next(5)], numbers[next(5)]}] = 1 + next(7);
        for (const auto& [key, access] : exceptions)
            set.exceptions.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), access});
        sets.push_back(std::move(set));
    }
    return sets;
}

// The program decides as the rule set means, for every access a process can ask for.
TEST(DeviceFilter, ProgramDecidesAsTheRulesMean) {
    auto means = [](const DeviceRuleSet& set, uint32_t type, uint32_t access, int64_t major, int64_t minor) {
        for (const auto& e : set.exceptions) {
            if ((e.type == 'b' ? B : C) != type || (e.major >= 0 && e.major != major) || (e.minor >= 0 && e.minor != minor))
                continue;
            if (set.default_allow ? (access & e.access) != 0 : (access & e.access) == access) return set.default_allow ? 0 : 1;
        }
        return set.default_allow ? 1 : 0;
    };
    auto sets = rule_sets_of_every_shape();
    for (size_t round = 0; round < sets.size(); ++round) {
        const DeviceRuleSet& set = sets[round];
        auto prog = device_filter_program(set);
        for (uint32_t type : {C, B})
            for (uint32_t access = 1; access <= (R | W | M); ++access)
                for (int64_t major : {0, 1, 2, 5, 136, 4095})
                    for (int64_t minor : {0, 1, 3, 5, 136, 1048575}) {
                        int got = run(prog, type, access, static_cast<uint32_t>(major), static_cast<uint32_t>(minor));
                        ASSERT_EQ(got, means(set, type, access, major, minor))
                            << "round " << round << " type " << type << " access " << access << " " << major << ":" << minor;
                    }
    }
}

TEST(DeviceFilter, ContainerDefaults) {
    // What a container gets: the config's deny-all and read-only fuse, then runc's defaults; a
    // linux.devices node gets no rule of its own.
    spec::Linux linux;
    linux.resources.emplace();
    linux.resources->devices.push_back(deny_all());
    linux.resources->devices.push_back(rule(true, "c", 10, 229, "r"));
    linux.devices.push_back({"c", "/dev/fuse", 10, 229, {}, {}, {}});
    linux.devices.push_back({"c", "/dev/kmsg", 1, 11, {}, {}, {}});
    auto prog = program_for(resources_for(linux).devices);
    EXPECT_EQ(run(prog, C, R | W, 1, 3), 1);    // null
    EXPECT_EQ(run(prog, C, R, 1, 5), 1);        // zero
    EXPECT_EQ(run(prog, C, R | W, 136, 7), 1);  // a pts, any minor
    EXPECT_EQ(run(prog, C, R, 10, 229), 1);     // fuse, read as the rule says
    EXPECT_EQ(run(prog, C, W, 10, 229), 0);     // but not written
    EXPECT_EQ(run(prog, C, R, 1, 11), 0);       // kmsg: a node, no rule
    EXPECT_EQ(run(prog, C, M, 4, 1), 1);        // mknod of any char device
    EXPECT_EQ(run(prog, B, M, 8, 0), 1);        // and of any block device
    EXPECT_EQ(run(prog, B, R, 8, 0), 0);        // but no access to it
    EXPECT_EQ(run(prog, C, R, 4, 1), 0);        // tty1
    EXPECT_EQ(run(prog, C, R, 1, 1), 0);        // mem
    EXPECT_EQ(run(prog, C, R | M, 4, 1), 0);    // every access asked for must be granted
}

TEST(DeviceFilter, AllowAllWithExceptions) {
    auto prog = program_for({allow_all(), rule(false, "c", 1, 5, "w"), rule(false, "b", 8, -1, "rwm")});
    EXPECT_EQ(run(prog, C, R, 1, 5), 1);
    EXPECT_EQ(run(prog, C, W, 1, 5), 0);
    EXPECT_EQ(run(prog, C, R | W, 1, 5), 0);
    EXPECT_EQ(run(prog, C, W, 1, 3), 1);
    EXPECT_EQ(run(prog, B, R, 8, 17), 0);
    EXPECT_EQ(run(prog, B, R, 9, 0), 1);
    EXPECT_EQ(run(prog, C, R, 8, 0), 1);  // the type counts
    // Nothing allowed at all.
    prog = program_for({allow_all(), deny_all()});
    EXPECT_EQ(prog.size(), 2u);  // the verdict alone
    EXPECT_EQ(run(prog, C, R, 1, 3), 0);
}

// ---------------------------------------------------------------- the kernel

// A cgroup2 mount: the unified tree of a hybrid host, or the whole hierarchy.
std::string cgroup2_mount() {
    for (const char* p : {"/sys/fs/cgroup/unified", "/sys/fs/cgroup"}) {
        struct statfs st {};
        if (::statfs(p, &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC) return p;
    }
    return "";
}

// A cgroup of the test's own; removed (it holds no process by then) when the test ends.
struct TestCgroup {
    std::string path;
    explicit TestCgroup(std::string p) : path(std::move(p)) { EXPECT_EQ(::mkdir(path.c_str(), 0755), 0) << path; }
    ~TestCgroup() {
        for (int i = 0; i < 200 && ::rmdir(path.c_str()) < 0 && errno == EBUSY; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        EXPECT_FALSE(fs::exists(path)) << path;
    }
};

// In a child that joins the cgroup: mknod of /dev/null's and /dev/zero's numbers and of a loop
// block device in `dir`, then opens; each result is the errno (0 for success).
std::string probe(const std::string& cgroup, const std::string& dir) {
    int fds[2];
    if (::pipe(fds) < 0) return "pipe failed";
    pid_t pid = ::fork();
    if (pid == 0) {
        ::close(fds[0]);
        std::string me = std::to_string(::getpid());
        int procs = ::open((cgroup + "/cgroup.procs").c_str(), O_WRONLY);
        if (procs < 0 || ::write(procs, me.data(), me.size()) < 0) ::_exit(1);
        std::string out;
        auto step = [&](const char* what, int rc) { out += std::string(what) + "=" + (rc < 0 ? strerrorname_np(errno) : "0") + " "; };
        std::string null = dir + "/null", zero = dir + "/zero", loop = dir + "/loop";
        step("mknod-null", ::mknod(null.c_str(), S_IFCHR | 0666, makedev(1, 3)));
        step("mknod-zero", ::mknod(zero.c_str(), S_IFCHR | 0666, makedev(1, 5)));
        step("mknod-loop", ::mknod(loop.c_str(), S_IFBLK | 0600, makedev(7, 0)));
        int fd = ::open(null.c_str(), O_RDWR);
        step("open-null", fd);
        if (fd >= 0) ::close(fd);
        fd = ::open(zero.c_str(), O_RDONLY);
        step("read-zero", fd);
        if (fd >= 0) ::close(fd);
        fd = ::open(zero.c_str(), O_WRONLY);
        step("write-zero", fd);
        if (fd >= 0) ::close(fd);
        ::unlink(null.c_str());
        ::unlink(zero.c_str());
        ::unlink(loop.c_str());
        if (::write(fds[1], out.data(), out.size()) < 0) ::_exit(1);
        ::_exit(0);
    }
    ::close(fds[1]);
    std::string out;
    char buf[512];
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return out;
}

// The verifier takes the program of every shape.
TEST(DeviceFilter, KernelAcceptsEveryShape) {
    std::string mount = cgroup2_mount();
    if (::geteuid() != 0 || mount.empty()) GTEST_SKIP() << "needs root and a cgroup2 mount";
    TestCgroup cg(mount + "/rong-devtest-shapes-" + std::to_string(::getpid()));
    sys::Fd dir(::open(cg.path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    ASSERT_TRUE(dir);
    for (const auto& set : rule_sets_of_every_shape()) {
        auto st = attach_device_filter(dir.get(), device_filter_program(set));
        ASSERT_TRUE(st) << st.error().message;
    }
}

TEST(DeviceFilter, KernelEnforcesAndUpdateReplaces) {
    std::string mount = cgroup2_mount();
    if (::geteuid() != 0 || mount.empty()) GTEST_SKIP() << "needs root and a cgroup2 mount";
    TestCgroup cg(mount + "/rong-device-filter-test-" + std::to_string(::getpid()));
    std::string tmpl = (fs::temp_directory_path() / "rong-device-filter-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    struct Cleanup {
        std::string dir;
        ~Cleanup() { fs::remove_all(dir); }
    } cleanup{tmpl};
    sys::Fd dir(::open(cg.path.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC));
    ASSERT_TRUE(dir.valid());
    // Before: a process in the cgroup may do it all.
    EXPECT_EQ(probe(cg.path, tmpl), "mknod-null=0 mknod-zero=0 mknod-loop=0 open-null=0 read-zero=0 write-zero=0 ");

    std::vector<spec::DeviceRule> rules = {deny_all(), rule(true, "c", 1, 3, "rwm"), rule(true, "c", -1, -1, "m")};
    auto st = attach_device_filter(dir.get(), program_for(rules));
    ASSERT_TRUE(st) << st.error().message;
    EXPECT_EQ(attached_device_filters(dir.get())->size(), 1u);
    EXPECT_EQ(probe(cg.path, tmpl),
              "mknod-null=0 mknod-zero=0 mknod-loop=EPERM open-null=0 read-zero=EPERM write-zero=EPERM ");

    // An update replaces the program: still one, and it is the new rules that count.
    rules.push_back(rule(true, "c", 1, 5, "r"));
    st = attach_device_filter(dir.get(), program_for(rules));
    ASSERT_TRUE(st) << st.error().message;
    EXPECT_EQ(attached_device_filters(dir.get())->size(), 1u);
    EXPECT_EQ(probe(cg.path, tmpl),
              "mknod-null=0 mknod-zero=0 mknod-loop=EPERM open-null=0 read-zero=0 write-zero=EPERM ");
}

// The v2 manager: set() with device rules attaches the filter, set() with other rules replaces
// it, set() without any (update of a limit) keeps it; destroy() removes the cgroup. (Its create()
// is left out: it would delegate controllers in the host's hierarchy root.)
TEST(DeviceFilter, V2ManagerSetAndDestroy) {
    std::string mount = cgroup2_mount();
    if (::geteuid() != 0 || mount.empty()) GTEST_SKIP() << "needs root and a cgroup2 mount";
    TestCgroup cg(mount + "/rong-device-manager-test-" + std::to_string(::getpid()));
    std::string tmpl = (fs::temp_directory_path() / "rong-device-filter-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    struct Cleanup {
        std::string dir;
        ~Cleanup() { fs::remove_all(dir); }
    } cleanup{tmpl};
    auto m = make_manager(Mode::unified, Paths{{"", cg.path}});
    // A container's rules: the config's deny-all, then runc's defaults (null, zero, mknod, ...).
    spec::Linux linux;
    linux.resources.emplace();
    linux.resources->devices.push_back(deny_all());
    auto st = m->set(resources_for(linux));
    ASSERT_TRUE(st) << st.error().message;
    EXPECT_EQ(attached_device_filters(m->dir_fd())->size(), 1u);
    EXPECT_EQ(probe(cg.path, tmpl),
              "mknod-null=0 mknod-zero=0 mknod-loop=0 open-null=0 read-zero=0 write-zero=0 ");
    spec::Resources update;
    update.devices = {allow_all(), rule(false, "c", 1, 5, "r")};
    st = m->set(update);
    ASSERT_TRUE(st) << st.error().message;
    EXPECT_EQ(attached_device_filters(m->dir_fd())->size(), 1u);
    EXPECT_EQ(probe(cg.path, tmpl),
              "mknod-null=0 mknod-zero=0 mknod-loop=0 open-null=0 read-zero=EPERM write-zero=0 ");
    ASSERT_TRUE(m->set(spec::Resources{}));
    EXPECT_EQ(attached_device_filters(m->dir_fd())->size(), 1u);
    EXPECT_NE(probe(cg.path, tmpl).find("read-zero=EPERM"), std::string::npos);
    // A rule list runc refuses leaves the filter as it was.
    update.devices = {deny_all(), rule(true, "c", -1, -1, "rwm"), rule(false, "c", 1, 3, "w")};
    EXPECT_FALSE(m->set(update));
    EXPECT_EQ(attached_device_filters(m->dir_fd())->size(), 1u);
    ASSERT_TRUE(m->destroy());
    EXPECT_FALSE(fs::exists(cg.path));
}

}  // namespace
}  // namespace rong::cgroups
