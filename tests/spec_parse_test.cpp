// spec/parse.hpp: config.json, process.json and resources parsing, and `rong spec`'s default config.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "spec/parse.hpp"

namespace rong::spec {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

const std::filesystem::path kCorpus = std::filesystem::path(__FILE__).parent_path() / "corpus" / "spec";

std::string read_corpus(const std::string& name) {
    std::ifstream in(kCorpus / name);
    EXPECT_TRUE(in) << "cannot open " << (kCorpus / name);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

template <typename T>
std::string error_of(const Result<T>& result) {
    return result ? "<no error>" : result.error().message;
}

Config parse_ok(std::string_view text) {
    auto config = parse_config(text);
    EXPECT_TRUE(config) << error_of(config);
    return config ? *config : Config{};
}

// The smallest config that passes; the table below patches it (RFC 7386 merge patch: objects merge,
// arrays and scalars replace, null deletes).
constexpr std::string_view kMinimal = R"({
  "ociVersion": "1.3.0",
  "root": {"path": "rootfs"},
  "process": {"args": ["sh"], "cwd": "/"},
  "linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "uts"}]}
})";

std::string patched(std::string_view patch) {
    json doc = json::parse(kMinimal);
    doc.merge_patch(json::parse(patch));
    return doc.dump();
}

// --- good configs ----------------------------------------------------------------------------------

TEST(SpecParse, MinimalConfig) {
    Config c = parse_ok(kMinimal);
    EXPECT_EQ(c.ociVersion, "1.3.0");
    EXPECT_EQ(c.root.path, "rootfs");
    EXPECT_FALSE(c.root.readonly);
    ASSERT_TRUE(c.process);
    EXPECT_EQ(c.process->args, std::vector<std::string>{"sh"});
    EXPECT_EQ(c.process->user.uid, 0u);
    EXPECT_FALSE(c.process->capabilities);
    ASSERT_TRUE(c.linux);
    EXPECT_FALSE(c.linux->resources);
}

TEST(SpecParse, RuncDefaultSpec) {
    Config c = parse_ok(read_corpus("good/runc-1.1.5-spec.json"));
    EXPECT_EQ(c.ociVersion, "1.0.2-dev");
    EXPECT_EQ(c.hostname, "runc");
    ASSERT_TRUE(c.process);
    EXPECT_TRUE(c.process->terminal);
    EXPECT_TRUE(c.process->noNewPrivileges);
    ASSERT_TRUE(c.process->capabilities);
    EXPECT_EQ(c.process->capabilities->ambient.size(), 3u);
    EXPECT_TRUE(c.process->capabilities->inheritable.empty());
    ASSERT_EQ(c.process->rlimits.size(), 1u);
    EXPECT_EQ(c.process->rlimits[0].type, "RLIMIT_NOFILE");
    EXPECT_EQ(c.process->rlimits[0].hard, 1024u);
    ASSERT_EQ(c.mounts.size(), 7u);
    EXPECT_EQ(c.mounts[2].destination, "/dev/pts");
    EXPECT_EQ(c.mounts[2].options.back(), "gid=5");
    ASSERT_TRUE(c.linux);
    EXPECT_EQ(c.linux->namespaces.size(), 5u);
    EXPECT_TRUE(c.linux->find_namespace("network"));
    ASSERT_TRUE(c.linux->resources);
    ASSERT_EQ(c.linux->resources->devices.size(), 1u);
    EXPECT_FALSE(c.linux->resources->devices[0].allow);
    EXPECT_EQ(c.linux->resources->devices[0].access, "rwm");
    EXPECT_EQ(c.linux->maskedPaths.size(), 10u);
    EXPECT_EQ(c.linux->readonlyPaths.size(), 5u);
}

TEST(SpecParse, RuncRootlessSpec) {
    Config c = parse_ok(read_corpus("good/runc-1.1.5-spec-rootless.json"));
    ASSERT_TRUE(c.linux);
    EXPECT_FALSE(c.linux->find_namespace("network"));
    ASSERT_TRUE(c.linux->find_namespace("user"));
    ASSERT_EQ(c.linux->uidMappings.size(), 1u);
    EXPECT_EQ(c.linux->uidMappings[0].size, 1u);
    EXPECT_EQ(c.mounts[5].type, "none");
    EXPECT_FALSE(c.linux->resources);
}

TEST(SpecParse, MaximalConfigReadsBackEveryField) {
    Config c = parse_ok(read_corpus("good/maximal-1.3.json"));
    EXPECT_EQ(c.ociVersion, "1.3.0");
    EXPECT_EQ(c.root.path, "/var/lib/rong/rootfs");
    EXPECT_TRUE(c.root.readonly);
    EXPECT_EQ(c.hostname, "maximal");
    EXPECT_EQ(c.domainname, "example.org");
    EXPECT_EQ(c.annotations, (std::map<std::string, std::string>{{"org.example.key", "value"}, {"other", ""}}));

    ASSERT_EQ(c.mounts.size(), 3u);
    EXPECT_EQ(c.mounts[1].destination, "/data");
    EXPECT_EQ(c.mounts[1].type, "bind");
    EXPECT_EQ(c.mounts[1].source, "/srv/data");
    EXPECT_EQ(c.mounts[1].options, (std::vector<std::string>{"rbind", "rw", "idmap"}));
    ASSERT_EQ(c.mounts[1].uidMappings.size(), 1u);
    EXPECT_EQ(c.mounts[1].uidMappings[0].hostID, 100000u);
    EXPECT_EQ(c.mounts[1].gidMappings[0].hostID, 200000u);
    EXPECT_EQ(c.mounts[1].gidMappings[0].size, 65536u);
    EXPECT_EQ(c.mounts[2].destination, "/relative/dest");  // made absolute, as runc does

    ASSERT_TRUE(c.process);
    const Process& p = *c.process;
    EXPECT_TRUE(p.terminal);
    ASSERT_TRUE(p.consoleSize);
    EXPECT_EQ(p.consoleSize->height, 24u);
    EXPECT_EQ(p.consoleSize->width, 80u);
    EXPECT_EQ(p.user.uid, 1000u);
    EXPECT_EQ(p.user.gid, 1001u);
    EXPECT_EQ(p.user.umask, 18u);
    EXPECT_EQ(p.user.additionalGids, (std::vector<uint32_t>{5, 6}));
    EXPECT_EQ(p.user.username, "alice");
    EXPECT_EQ(p.args, (std::vector<std::string>{"/bin/app", "--flag"}));
    EXPECT_EQ(p.env, (std::vector<std::string>{"PATH=/bin", "HOME=/home/alice"}));
    EXPECT_EQ(p.cwd, "/home/alice");
    ASSERT_TRUE(p.capabilities);
    EXPECT_EQ(p.capabilities->bounding, (std::vector<std::string>{"CAP_KILL", "CAP_NET_ADMIN"}));
    EXPECT_EQ(p.capabilities->effective, std::vector<std::string>{"CAP_KILL"});
    EXPECT_EQ(p.capabilities->inheritable, std::vector<std::string>{"CAP_CHOWN"});
    EXPECT_EQ(p.capabilities->permitted.size(), 2u);
    EXPECT_EQ(p.capabilities->ambient, std::vector<std::string>{"CAP_FUTURE_THING"});  // kept
    ASSERT_EQ(p.rlimits.size(), 2u);
    EXPECT_EQ(p.rlimits[0].soft, 1024u);
    EXPECT_EQ(p.rlimits[0].hard, 4096u);
    EXPECT_EQ(p.rlimits[1].type, "RLIMIT_CORE");
    EXPECT_EQ(p.rlimits[1].hard, UINT64_MAX);
    EXPECT_TRUE(p.noNewPrivileges);
    EXPECT_EQ(p.apparmorProfile, "rong-default");
    EXPECT_EQ(p.oomScoreAdj, -500);
    EXPECT_EQ(p.selinuxLabel, "system_u:system_r:container_t:s0:c1,c2");
    ASSERT_TRUE(p.scheduler);
    EXPECT_EQ(p.scheduler->policy, "SCHED_DEADLINE");
    EXPECT_EQ(p.scheduler->nice, -5);
    EXPECT_EQ(p.scheduler->priority, 0);
    EXPECT_EQ(p.scheduler->flags, std::vector<std::string>{"SCHED_FLAG_RESET_ON_FORK"});
    EXPECT_EQ(p.scheduler->runtime, 10000000u);
    EXPECT_EQ(p.scheduler->deadline, 20000000u);
    EXPECT_EQ(p.scheduler->period, 30000000u);
    ASSERT_TRUE(p.ioPriority);
    EXPECT_EQ(p.ioPriority->ioClass, "IOPRIO_CLASS_BE");
    EXPECT_EQ(p.ioPriority->priority, 4);
    ASSERT_TRUE(p.execCPUAffinity);
    EXPECT_EQ(p.execCPUAffinity->initial, "0");
    EXPECT_EQ(p.execCPUAffinity->final, "1-3");

    ASSERT_EQ(c.hooks.prestart.size(), 1u);
    EXPECT_EQ(c.hooks.prestart[0].path, "/usr/bin/prestart");
    EXPECT_EQ(c.hooks.prestart[0].args, (std::vector<std::string>{"prestart", "-v"}));
    EXPECT_EQ(c.hooks.prestart[0].env, std::vector<std::string>{"A=1"});
    EXPECT_EQ(c.hooks.prestart[0].timeout, 5);
    EXPECT_EQ(c.hooks.createRuntime[0].path, "/usr/bin/create-runtime");
    EXPECT_FALSE(c.hooks.createRuntime[0].timeout);
    EXPECT_EQ(c.hooks.createContainer[0].path, "/usr/bin/create-container");
    EXPECT_EQ(c.hooks.startContainer[0].path, "/usr/bin/start-container");
    EXPECT_EQ(c.hooks.poststart[0].path, "/usr/bin/poststart");
    EXPECT_EQ(c.hooks.poststop[0].timeout, 30);

    ASSERT_TRUE(c.linux);
    const Linux& l = *c.linux;
    ASSERT_EQ(l.namespaces.size(), 8u);
    EXPECT_EQ(l.find_namespace("network")->path, "/var/run/netns/x");
    EXPECT_EQ(l.find_namespace("time")->path, "");
    EXPECT_EQ(l.uidMappings[0].containerID, 0u);
    EXPECT_EQ(l.uidMappings[0].hostID, 100000u);
    EXPECT_EQ(l.gidMappings[0].hostID, 200000u);
    ASSERT_EQ(l.timeOffsets.size(), 2u);
    EXPECT_EQ(l.timeOffsets.at("monotonic").secs, -3600);
    EXPECT_EQ(l.timeOffsets.at("monotonic").nanosecs, 500u);
    EXPECT_EQ(l.timeOffsets.at("boottime").secs, 86400);
    ASSERT_EQ(l.devices.size(), 3u);
    EXPECT_EQ(l.devices[0].type, "c");
    EXPECT_EQ(l.devices[0].path, "/dev/fuse");
    EXPECT_EQ(l.devices[0].major, 10);
    EXPECT_EQ(l.devices[0].minor, 229);
    EXPECT_EQ(l.devices[0].fileMode, 438u);
    EXPECT_EQ(l.devices[0].uid, 0u);
    EXPECT_EQ(l.devices[0].gid, 0u);
    EXPECT_FALSE(l.devices[1].fileMode);
    EXPECT_EQ(l.devices[2].type, "p");
    EXPECT_EQ(l.netDevices.at("eth1").name, "ctr1");
    EXPECT_EQ(l.netDevices.at("eth2").name, "");
    EXPECT_EQ(l.cgroupsPath, "/rong/maximal");
    EXPECT_EQ(l.rootfsPropagation, "rslave");
    EXPECT_EQ(l.sysctl.at("net.ipv4.ip_forward"), "1");
    EXPECT_EQ(l.maskedPaths, std::vector<std::string>{"/proc/kcore"});
    EXPECT_EQ(l.readonlyPaths, std::vector<std::string>{"/proc/sys"});
    EXPECT_EQ(l.mountLabel, "system_u:object_r:container_file_t:s0:c1,c2");

    ASSERT_TRUE(l.resources);
    const Resources& r = *l.resources;
    ASSERT_EQ(r.devices.size(), 2u);
    EXPECT_TRUE(r.devices[1].allow);
    EXPECT_EQ(r.devices[1].type, "c");
    EXPECT_EQ(r.devices[1].major, 10);
    EXPECT_EQ(r.devices[1].minor, 229);
    EXPECT_EQ(r.devices[1].access, "rw");
    EXPECT_FALSE(r.devices[0].major);
    ASSERT_TRUE(r.memory);
    EXPECT_EQ(r.memory->limit, 536870912);
    EXPECT_EQ(r.memory->reservation, 268435456);
    EXPECT_EQ(r.memory->swap, -1);
    EXPECT_EQ(r.memory->kernel, -1);
    EXPECT_EQ(r.memory->kernelTCP, 1048576);
    EXPECT_EQ(r.memory->swappiness, 60u);
    EXPECT_EQ(r.memory->disableOOMKiller, true);
    EXPECT_EQ(r.memory->useHierarchy, false);
    EXPECT_EQ(r.memory->checkBeforeUpdate, true);
    ASSERT_TRUE(r.cpu);
    EXPECT_EQ(r.cpu->shares, 1024u);
    EXPECT_EQ(r.cpu->quota, 50000);
    EXPECT_EQ(r.cpu->burst, 10000u);
    EXPECT_EQ(r.cpu->period, 100000u);
    EXPECT_EQ(r.cpu->realtimeRuntime, 950000);
    EXPECT_EQ(r.cpu->realtimePeriod, 1000000u);
    EXPECT_EQ(r.cpu->cpus, "0-3");
    EXPECT_EQ(r.cpu->mems, "0");
    EXPECT_EQ(r.cpu->idle, 1);
    EXPECT_EQ(r.pidsLimit, 512);
    ASSERT_TRUE(r.blockIO);
    EXPECT_EQ(r.blockIO->weight, 500);
    EXPECT_EQ(r.blockIO->leafWeight, 300);
    ASSERT_EQ(r.blockIO->weightDevice.size(), 2u);
    EXPECT_EQ(r.blockIO->weightDevice[0].weight, 700);
    EXPECT_EQ(r.blockIO->weightDevice[0].leafWeight, 100);
    EXPECT_EQ(r.blockIO->weightDevice[1].minor, 16);
    EXPECT_FALSE(r.blockIO->weightDevice[1].leafWeight);
    EXPECT_EQ(r.blockIO->throttleReadBpsDevice[0].rate, 1048576u);
    EXPECT_EQ(r.blockIO->throttleWriteBpsDevice[0].rate, 2097152u);
    EXPECT_EQ(r.blockIO->throttleReadIOPSDevice[0].rate, 100u);
    EXPECT_EQ(r.blockIO->throttleWriteIOPSDevice[0].rate, 200u);
    ASSERT_EQ(r.hugepageLimits.size(), 1u);
    EXPECT_EQ(r.hugepageLimits[0].pageSize, "2MB");
    EXPECT_EQ(r.hugepageLimits[0].limit, 209715200u);
    ASSERT_TRUE(r.network);
    EXPECT_EQ(r.network->classID, 1048577u);
    EXPECT_EQ(r.network->priorities[0].name, "eth0");
    EXPECT_EQ(r.network->priorities[0].priority, 500u);
    EXPECT_EQ(r.rdma.at("mlx5_1").hcaHandles, 3u);
    EXPECT_EQ(r.rdma.at("mlx5_1").hcaObjects, 10000u);
    EXPECT_FALSE(r.rdma.at("rxe3").hcaHandles);
    EXPECT_EQ(r.unified.at("memory.high"), "400000000");

    ASSERT_TRUE(l.seccomp);
    const Seccomp& s = *l.seccomp;
    EXPECT_EQ(s.defaultAction, "SCMP_ACT_ERRNO");
    EXPECT_EQ(s.defaultErrnoRet, 38u);
    EXPECT_EQ(s.architectures, (std::vector<std::string>{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86"}));
    EXPECT_EQ(s.flags, std::vector<std::string>{"SECCOMP_FILTER_FLAG_LOG"});
    EXPECT_EQ(s.listenerPath, "/run/seccomp-agent.sock");
    EXPECT_EQ(s.listenerMetadata, "meta");
    ASSERT_EQ(s.syscalls.size(), 2u);
    EXPECT_EQ(s.syscalls[0].names, (std::vector<std::string>{"read", "write"}));
    EXPECT_FALSE(s.syscalls[0].errnoRet);
    EXPECT_EQ(s.syscalls[1].action, "SCMP_ACT_ERRNO");
    EXPECT_EQ(s.syscalls[1].errnoRet, 1u);
    ASSERT_EQ(s.syscalls[1].args.size(), 1u);
    EXPECT_EQ(s.syscalls[1].args[0].index, 0u);
    EXPECT_EQ(s.syscalls[1].args[0].value, 8u);
    EXPECT_EQ(s.syscalls[1].args[0].valueTwo, 255u);
    EXPECT_EQ(s.syscalls[1].args[0].op, "SCMP_CMP_MASKED_EQ");

    ASSERT_TRUE(l.intelRdt);
    EXPECT_EQ(l.intelRdt->closID, "guaranteed");
    EXPECT_EQ(l.intelRdt->l3CacheSchema, "L3:0=7f0");
    EXPECT_EQ(l.intelRdt->memBwSchema, "MB:0=20");
    EXPECT_EQ(l.intelRdt->schemata, (std::vector<std::string>{"L2:0=f", "MB:0=70"}));
    EXPECT_TRUE(l.intelRdt->enableMonitoring);
    ASSERT_TRUE(l.personality);
    EXPECT_EQ(l.personality->domain, "LINUX32");
    EXPECT_TRUE(l.personality->flags.empty());
    ASSERT_TRUE(l.memoryPolicy);
    EXPECT_EQ(l.memoryPolicy->mode, "MPOL_INTERLEAVE");
    EXPECT_EQ(l.memoryPolicy->nodes, "0-1");
    EXPECT_EQ(l.memoryPolicy->flags, std::vector<std::string>{"MPOL_F_STATIC_NODES"});
}

// What update merges into the state's config: every field the model has comes back in the
// spec's names, and reads back as the same resources.
TEST(SpecParse, ResourcesJsonIsTheInverseOfParseResources) {
    auto original = nlohmann::ordered_json::parse(read_corpus("good/maximal-1.3.json"))["linux"]["resources"];
    auto r = parse_resources(original.dump());
    ASSERT_TRUE(r) << r.error().message;
    auto j = resources_json(*r);
    EXPECT_EQ(nlohmann::json::parse(j.dump()), nlohmann::json::parse(original.dump()));
    auto again = parse_resources(j.dump());
    ASSERT_TRUE(again);
    EXPECT_EQ(resources_json(*again), j);
    // only what is set
    Resources pids_only;
    pids_only.pidsLimit = 17;
    EXPECT_EQ(resources_json(pids_only).dump(), R"({"pids":{"limit":17}})");
    EXPECT_EQ(resources_json(Resources{}).dump(), "{}");
}

TEST(SpecParse, SupportedVersions) {
    for (const char* version :
         {"1.0.0", "1.0.1", "1.0.2-dev", "1.1.0", "1.1.0-rc.1", "1.2.0", "1.2.1", "1.3.0", "1.3.12+build.7"}) {
        auto config = parse_config(patched(json{{"ociVersion", version}}.dump()));
        EXPECT_TRUE(config) << version << ": " << error_of(config);
    }
}

TEST(SpecParse, UnknownFieldsAreIgnored) {
    Config c = parse_ok(patched(R"({
      "platform": {"os": "linux"}, "vm": {"hypervisor": {}}, "windows": 7,
      "root": {"future": [1, 2]},
      "process": {"commandLine": "sh", "user": {"uid": 1, "gid": 2, "extra": null}},
      "linux": {"newThing": {"a": "b"}, "namespaces": [{"type": "pid", "flags": 3}, {"type": "mount"}]}
    })"));
    EXPECT_EQ(c.process->user.gid, 2u);
    EXPECT_EQ(c.linux->namespaces.size(), 2u);
}

TEST(SpecParse, NullReadsAsAbsent) {
    Config c = parse_ok(R"({"ociVersion": "1.0.0", "root": {"path": "r", "readonly": null},
                            "process": null, "hostname": null, "mounts": null, "linux": null})");
    EXPECT_FALSE(c.root.readonly);
    EXPECT_FALSE(c.process);
    EXPECT_FALSE(c.linux);
}

TEST(SpecParse, OptionalPartsAndSpecialCases) {
    Config c = parse_ok(patched(R"({
      "process": null,
      "linux": {
        "namespaces": [{"type": "user", "path": "/proc/1/ns/user"}, {"type": "time"}, {"type": "mount"}],
        "timeOffsets": {"boottime": {"nanosecs": 1}},
        "resources": {"pids": {}},
        "devices": [{"type": "p", "path": "/dev/fifo"}],
        "intelRdt": {"enableCMT": false, "enableMBM": true}
      }
    })"));
    EXPECT_FALSE(c.process);                                  // only create and run need one
    EXPECT_TRUE(c.linux->uidMappings.empty());                // a joined user namespace needs no mappings
    EXPECT_FALSE(c.linux->resources->pidsLimit);              // pids.limit is optional since 1.3
    EXPECT_EQ(c.linux->devices[0].major, 0);                  // a FIFO has no numbers
    EXPECT_TRUE(c.linux->intelRdt->enableMonitoring);         // the pre-1.3 spelling
    EXPECT_EQ(c.linux->timeOffsets.at("boottime").secs, 0);
}

TEST(SpecParse, HostnameWithJoinedUtsNamespaceIsAccepted) {
    Config c = parse_ok(patched(R"({"hostname": "h", "linux": {"namespaces": [{"type": "mount"},
                                    {"type": "uts", "path": "/proc/1/ns/uts"}]}})"));
    EXPECT_EQ(c.hostname, "h");
}

// --- `rong spec` ---------------------------------------------------------------------------------

// runc's JSON re-indented with 2 spaces, at ociVersion 1.3.0: same fields in the same order.
std::string runc_spec_as_rong(const std::string& corpus_file) {
    ordered_json runc = ordered_json::parse(read_corpus(corpus_file));
    runc["ociVersion"] = "1.3.0";
    return runc.dump(2) + "\n";
}

TEST(SpecDefault, EqualsRuncSpec) {
    EXPECT_EQ(default_config_json(false), runc_spec_as_rong("good/runc-1.1.5-spec.json"));
    Config c = parse_ok(default_config_json(false));
    EXPECT_EQ(c.ociVersion, "1.3.0");
}

TEST(SpecDefault, RootlessEqualsRuncSpecRootless) {
    // The corpus file was written by `runc spec --rootless` as root: the mappings are to 0.
    EXPECT_EQ(default_config_json(true, 0, 0), runc_spec_as_rong("good/runc-1.1.5-spec-rootless.json"));
}

TEST(SpecDefault, RootlessMapsTheCaller) {
    Config c = parse_ok(default_config_json(true, 1000, 1001));
    ASSERT_TRUE(c.linux);
    ASSERT_EQ(c.linux->uidMappings.size(), 1u);
    EXPECT_EQ(c.linux->uidMappings[0].containerID, 0u);
    EXPECT_EQ(c.linux->uidMappings[0].hostID, 1000u);
    EXPECT_EQ(c.linux->uidMappings[0].size, 1u);
    EXPECT_EQ(c.linux->gidMappings[0].hostID, 1001u);
    EXPECT_EQ(c.linux->namespaces.back().type, "user");
    EXPECT_FALSE(c.linux->find_namespace("network"));
    EXPECT_FALSE(c.linux->resources);
    EXPECT_EQ(c.mounts[5].destination, "/sys");
    EXPECT_EQ(c.mounts[5].source, "/sys");
    EXPECT_EQ(c.mounts[5].options.front(), "rbind");
    EXPECT_EQ(c.mounts[2].options.back(), "mode=0620");  // gid=5 is not mapped
}

// --- bad configs ---------------------------------------------------------------------------------

TEST(SpecParse, MalformedJson) {
    EXPECT_EQ(error_of(parse_config("{\n  \"ociVersion\": \"1.0.0\",\n  \"root\" {}\n}")),
              "config.json: malformed JSON at line 3, column 10: syntax error while parsing object separator - "
              "unexpected '{'; expected ':'");
    EXPECT_EQ(error_of(parse_config("")),
              "config.json: malformed JSON at line 1, column 1: syntax error while parsing value - unexpected "
              "end of input; expected '[', '{', or a literal");
    EXPECT_EQ(error_of(parse_config(R"({"ociVersion": "1.0.0"} x)")),
              "config.json: malformed JSON at line 1, column 25: syntax error while parsing value - invalid "
              "literal; last read: '\"1.0.0\"} x'; expected end of input");
}

TEST(SpecParse, DocumentMustBeAnObject) {
    EXPECT_EQ(error_of(parse_config("[1, 2]")), "config.json: expected an object");
    EXPECT_EQ(error_of(parse_process("\"sh\"")), "process.json: expected an object");
}

TEST(SpecParse, OriginPrefixesErrors) {
    EXPECT_EQ(error_of(parse_config(R"({"ociVersion": "1.0.0"})", "/run/bundle/config.json")),
              "/run/bundle/config.json: .root: missing required field");
}

struct BadCase {
    const char* name;
    const char* patch;
    const char* error;  // without the "config.json: " prefix
};

// clang-format off
const BadCase kBadCases[] = {
    // top level and root
    {"MissingVersion", R"({"ociVersion": null})", ".ociVersion: missing required field"},
    {"VersionNotString", R"({"ociVersion": 1.0})", ".ociVersion: expected a string"},
    {"Version2", R"({"ociVersion": "2.0.0"})", ".ociVersion: unsupported version \"2.0.0\" (rong supports 1.0.0 to 1.3.x)"},
    {"Version14", R"({"ociVersion": "1.4.0"})", ".ociVersion: unsupported version \"1.4.0\" (rong supports 1.0.0 to 1.3.x)"},
    {"Version0", R"({"ociVersion": "0.5.0-dev"})", ".ociVersion: unsupported version \"0.5.0-dev\" (rong supports 1.0.0 to 1.3.x)"},
    {"VersionShort", R"({"ociVersion": "1.0"})", ".ociVersion: unsupported version \"1.0\" (rong supports 1.0.0 to 1.3.x)"},
    {"VersionEmptySuffix", R"({"ociVersion": "1.2.0-"})", ".ociVersion: unsupported version \"1.2.0-\" (rong supports 1.0.0 to 1.3.x)"},
    {"MissingRoot", R"({"root": null})", ".root: missing required field"},
    {"RootNotObject", R"({"root": "rootfs"})", ".root: expected an object"},
    {"MissingRootPath", R"({"root": {"path": null, "readonly": true}})", ".root.path: missing required field"},
    {"EmptyRootPath", R"({"root": {"path": ""}})", ".root.path: must not be empty"},
    {"RootReadonlyString", R"({"root": {"readonly": "yes"}})", ".root.readonly: expected a boolean"},
    {"HostnameWithoutUts", R"({"hostname": "box", "linux": {"namespaces": [{"type": "mount"}]}})",
     ".hostname: unable to set hostname without a private UTS namespace"},
    {"HostnameWithoutLinux", R"({"hostname": "box", "linux": null})",
     ".hostname: unable to set hostname without a private UTS namespace"},
    {"DomainnameWithoutUts", R"({"domainname": "example.org", "linux": {"namespaces": [{"type": "mount"}]}})",
     ".domainname: unable to set domainname without a private UTS namespace"},
    {"AnnotationNotString", R"({"annotations": {"org.example": true}})", ".annotations[\"org.example\"]: expected a string"},

    // process
    {"ProcessNotObject", R"({"process": ["sh"]})", ".process: expected an object"},
    {"EmptyArgs", R"({"process": {"args": []}})", ".process.args: expected a non-empty array of strings"},
    {"ArgsString", R"({"process": {"args": "sh -c true"}})", ".process.args: expected a non-empty array of strings"},
    {"MissingArgs", R"({"process": {"args": null}})", ".process.args: missing required field"},
    {"ArgNotString", R"({"process": {"args": ["sh", 1]}})", ".process.args[1]: expected a string"},
    {"RelativeCwd", R"({"process": {"cwd": "tmp"}})", ".process.cwd: \"tmp\" is not an absolute path"},
    {"EnvWithoutEquals", R"({"process": {"env": ["A=1", "FOO"]}})", ".process.env[1]: invalid environment variable: \"FOO\""},
    {"EnvEmptyName", R"({"process": {"env": ["=bar"]}})", ".process.env[0]: environment variable name can't be empty: \"=bar\""},
    {"EnvNul", R"({"process": {"env": ["A=b\u0000c"]}})", ".process.env[0]: environment variable can't contain null(\\x00): \"A=b\\u0000c\""},
    {"MissingCwd", R"({"process": {"cwd": null}})", ".process.cwd: missing required field"},
    {"TerminalString", R"({"process": {"terminal": "yes"}})", ".process.terminal: expected a boolean"},
    {"EnvNotArray", R"({"process": {"env": "A=1"}})", ".process.env: expected an array of strings"},
    {"NegativeUid", R"({"process": {"user": {"uid": -1, "gid": 0}}})", ".process.user.uid: expected an unsigned 32-bit integer"},
    {"UidString", R"({"process": {"user": {"uid": "0", "gid": 0}}})", ".process.user.uid: expected an unsigned 32-bit integer"},
    {"UidTooLarge", R"({"process": {"user": {"uid": 4294967296, "gid": 0}}})", ".process.user.uid: expected an unsigned 32-bit integer"},
    {"UidFloat", R"({"process": {"user": {"uid": 1.0, "gid": 0}}})", ".process.user.uid: expected an unsigned 32-bit integer"},
    {"MissingGid", R"({"process": {"user": {"uid": 0}}})", ".process.user.gid: missing required field"},
    {"NegativeAdditionalGid", R"({"process": {"user": {"uid": 0, "gid": 0, "additionalGids": [5, -6]}}})",
     ".process.user.additionalGids[1]: expected an unsigned 32-bit integer"},
    {"ConsoleSizeNegative", R"({"process": {"consoleSize": {"height": -1, "width": 80}}})",
     ".process.consoleSize.height: expected an unsigned 32-bit integer"},
    {"CapabilityNotString", R"({"process": {"capabilities": {"ambient": [12]}}})", ".process.capabilities.ambient[0]: expected a string"},
    {"UnknownRlimit", R"({"process": {"rlimits": [{"type": "RLIMIT_FOO", "soft": 1, "hard": 1}]}})",
     ".process.rlimits[0].type: unknown rlimit type \"RLIMIT_FOO\""},
    {"RlimitSoftAboveHard", R"({"process": {"rlimits": [{"type": "RLIMIT_NOFILE", "soft": 2048, "hard": 1024}]}})",
     ".process.rlimits[0]: soft limit 2048 is greater than hard limit 1024"},
    {"RlimitNegative", R"({"process": {"rlimits": [{"type": "RLIMIT_NOFILE", "soft": -1, "hard": 1024}]}})",
     ".process.rlimits[0].soft: expected an unsigned 64-bit integer"},
    {"RlimitMissingHard", R"({"process": {"rlimits": [{"type": "RLIMIT_NOFILE", "soft": 1}]}})",
     ".process.rlimits[0].hard: missing required field"},
    {"DuplicateRlimit", R"({"process": {"rlimits": [{"type": "RLIMIT_NOFILE", "soft": 1, "hard": 1},
                                                      {"type": "RLIMIT_NOFILE", "soft": 2, "hard": 2}]}})",
     ".process.rlimits[1]: duplicate rlimit \"RLIMIT_NOFILE\""},
    {"OomScoreAdjString", R"({"process": {"oomScoreAdj": "-500"}})", ".process.oomScoreAdj: expected a 32-bit integer"},
    {"SchedulerWithoutPolicy", R"({"process": {"scheduler": {"nice": 1}}})", ".process.scheduler.policy: missing required field"},
    {"SchedulerNiceTooLarge", R"({"process": {"scheduler": {"policy": "SCHED_OTHER", "nice": 2147483648}}})",
     ".process.scheduler.nice: expected a 32-bit integer"},
    {"UnknownIoClass", R"({"process": {"ioPriority": {"class": "IOPRIO_CLASS_FAST"}}})",
     ".process.ioPriority.class: unknown I/O priority class \"IOPRIO_CLASS_FAST\""},

    // mounts and hooks
    {"MountsNotArray", R"({"mounts": {"destination": "/x"}})", ".mounts: expected an array"},
    {"MountDestinationNotString", R"({"mounts": [{"destination": 5}]})", ".mounts[0].destination: expected a string"},
    {"MountWithoutDestination", R"({"mounts": [{"destination": "/a"}, {"source": "/b"}]})",
     ".mounts[1].destination: missing required field"},
    {"MountEmptyDestination", R"({"mounts": [{"destination": ""}]})", ".mounts[0].destination: must not be empty"},
    {"MountOptionNotString", R"({"mounts": [{"destination": "/a", "options": ["ro", false]}]})",
     ".mounts[0].options[1]: expected a string"},
    {"MountMappingWithoutSize", R"({"mounts": [{"destination": "/a", "uidMappings": [{"containerID": 0, "hostID": 1}]}]})",
     ".mounts[0].uidMappings[0].size: missing required field"},
    {"RelativeHookPath", R"({"hooks": {"prestart": [{"path": "bin/hook"}]}})",
     ".hooks.prestart[0].path: \"bin/hook\" is not an absolute path"},
    {"HookWithoutPath", R"({"hooks": {"createRuntime": [{"args": ["x"]}]}})", ".hooks.createRuntime[0].path: missing required field"},
    {"HookZeroTimeout", R"({"hooks": {"poststop": [{"path": "/a"}, {"path": "/b", "timeout": 0}]}})",
     ".hooks.poststop[1].timeout: must be a positive number of seconds"},
    {"HooksNotObject", R"({"hooks": []})", ".hooks: expected an object"},

    // linux
    {"LinuxNotObject", R"({"linux": true})", ".linux: expected an object"},
    {"UnknownNamespace", R"({"linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "foo"}]}})",
     ".linux.namespaces[2].type: unknown namespace type \"foo\""},
    {"DuplicateNamespace", R"({"linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "uts"}, {"type": "pid"}]}})",
     ".linux.namespaces[3]: duplicate namespace \"pid\""},
    {"RelativeNamespacePath", R"({"linux": {"namespaces": [{"type": "mount"}, {"type": "network", "path": "netns/x"}]}})",
     ".linux.namespaces[1].path: \"netns/x\" is not an absolute path"},
    {"NamespaceWithoutType", R"({"linux": {"namespaces": [{"path": "/proc/1/ns/pid"}]}})", ".linux.namespaces[0].type: missing required field"},
    {"UserNamespaceWithoutMappings", R"({"linux": {"namespaces": [{"type": "mount"}, {"type": "user"}]}})",
     ".linux.namespaces[1]: user namespaces enabled, but no namespace path to join nor mappings to apply specified"},
    {"UserNamespaceWithoutGidMappings", R"({"linux": {"namespaces": [{"type": "mount"}, {"type": "user"}],
                                                      "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}]}})",
     ".linux.namespaces[1]: user namespaces enabled, but no gid mappings found"},
    {"MappingsWithoutUserNamespace", R"({"linux": {"uidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}]}})",
     ".linux.uidMappings: user namespace mappings specified, but user namespace isn't enabled in the config"},
    {"MappingSizeZero", R"({"linux": {"namespaces": [{"type": "mount"}, {"type": "user"}],
                                     "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 0}],
                                     "gidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}]}})",
     ".linux.uidMappings[0].size: an id mapping of size 0 maps nothing"},
    {"MappingsOverlapInContainer", R"({"linux": {"namespaces": [{"type": "mount"}, {"type": "user"}],
                                     "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}],
                                     "gidMappings": [{"containerID": 0, "hostID": 1000, "size": 10}, {"containerID": 9, "hostID": 5000, "size": 1}]}})",
     ".linux.gidMappings[1]: overlaps gidMappings[0]"},
    {"MappingsOverlapOnHost", R"({"linux": {"namespaces": [{"type": "mount"}, {"type": "user"}],
                                     "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 10}, {"containerID": 10, "hostID": 1009, "size": 1}],
                                     "gidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}]}})",
     ".linux.uidMappings[1]: overlaps uidMappings[0]"},
    {"MappingHostIdString", R"({"linux": {"gidMappings": [{"containerID": 0, "hostID": "1000", "size": 1}]}})",
     ".linux.gidMappings[0].hostID: expected an unsigned 32-bit integer"},
    {"UnknownClock", R"({"linux": {"namespaces": [{"type": "mount"}, {"type": "time"}], "timeOffsets": {"realtime": {"secs": 1}}}})",
     ".linux.timeOffsets.realtime: unknown clock \"realtime\""},
    {"TimeOffsetsWithoutTimeNamespace", R"({"linux": {"timeOffsets": {"boottime": {"secs": 1}}}})",
     ".linux.timeOffsets: time namespace offsets specified, but time namespace isn't enabled in the config"},
    {"TimeOffsetsJoinedNamespace", R"({"linux": {"namespaces": [{"type": "mount"}, {"type": "time", "path": "/proc/1/ns/time"}],
                                                 "timeOffsets": {"boottime": {"secs": 1}}}})",
     ".linux.timeOffsets: time namespace offsets specified, but the time namespace is joined, not created"},
    {"NegativeNanosecs", R"({"linux": {"namespaces": [{"type": "mount"}, {"type": "time"}], "timeOffsets": {"monotonic": {"nanosecs": -1}}}})",
     ".linux.timeOffsets.monotonic.nanosecs: expected an unsigned 32-bit integer"},
    {"BadDeviceType", R"({"linux": {"devices": [{"type": "x", "path": "/dev/x", "major": 1, "minor": 1}]}})",
     ".linux.devices[0].type: unknown device type \"x\""},
    {"DeviceWithoutMajor", R"({"linux": {"devices": [{"type": "p", "path": "/dev/p"}, {"type": "c", "path": "/dev/c", "minor": 1}]}})",
     ".linux.devices[1].major: missing required field"},
    {"RelativeDevicePath", R"({"linux": {"devices": [{"type": "c", "path": "dev/null", "major": 1, "minor": 3}]}})",
     ".linux.devices[0].path: \"dev/null\" is not an absolute path"},
    {"DeviceFileModeNegative", R"({"linux": {"devices": [{"type": "c", "path": "/dev/null", "major": 1, "minor": 3, "fileMode": -1}]}})",
     ".linux.devices[0].fileMode: expected an unsigned 32-bit integer"},
    {"BadPropagation", R"({"linux": {"rootfsPropagation": "bogus"}})", ".linux.rootfsPropagation: unknown rootfs propagation \"bogus\""},
    {"MaskedPathsWithoutMountNamespace", R"({"linux": {"namespaces": [{"type": "uts"}], "maskedPaths": ["/proc/kcore"]}})",
     ".linux.maskedPaths: unable to restrict sys entries without a private MNT namespace"},
    {"SysctlNotString", R"({"linux": {"sysctl": {"net.ipv4.ip_forward": 1}}})", ".linux.sysctl[\"net.ipv4.ip_forward\"]: expected a string"},
    {"SeccompWithoutDefaultAction", R"({"linux": {"seccomp": {"syscalls": []}}})", ".linux.seccomp.defaultAction: missing required field"},
    {"SeccompEmptyNames", R"({"linux": {"seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": [], "action": "SCMP_ACT_LOG"}]}}})",
     ".linux.seccomp.syscalls[0].names: expected a non-empty array of strings"},
    {"SeccompArgIndexNegative", R"({"linux": {"seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"],
                                  "action": "SCMP_ACT_LOG", "args": [{"index": -1, "value": 0, "op": "SCMP_CMP_EQ"}]}]}}})",
     ".linux.seccomp.syscalls[0].args[0].index: expected an unsigned 32-bit integer"},
    {"IntelRdtFlagString", R"({"linux": {"intelRdt": {"enableCMT": "yes"}}})", ".linux.intelRdt.enableCMT: expected a boolean"},
    {"PersonalityWithoutDomain", R"({"linux": {"personality": {"flags": []}}})", ".linux.personality.domain: missing required field"},

    // linux.resources
    {"MemoryLimitString", R"({"linux": {"resources": {"memory": {"limit": "1G"}}}})", ".linux.resources.memory.limit: expected a 64-bit integer"},
    {"NegativeCpuShares", R"({"linux": {"resources": {"cpu": {"shares": -1}}}})", ".linux.resources.cpu.shares: expected an unsigned 64-bit integer"},
    {"BlkioWeightTooLarge", R"({"linux": {"resources": {"blockIO": {"weight": 70000}}}})",
     ".linux.resources.blockIO.weight: expected an unsigned 16-bit integer"},
    {"ThrottleWithoutRate", R"({"linux": {"resources": {"blockIO": {"throttleReadBpsDevice": [{"major": 8, "minor": 0}]}}}})",
     ".linux.resources.blockIO.throttleReadBpsDevice[0].rate: missing required field"},
    {"PidsNotObject", R"({"linux": {"resources": {"pids": 100}}})", ".linux.resources.pids: expected an object"},
    {"PidsLimitFloat", R"({"linux": {"resources": {"pids": {"limit": 1.5}}}})", ".linux.resources.pids.limit: expected a 64-bit integer"},
    {"DeviceRuleWithoutAllow", R"({"linux": {"resources": {"devices": [{"access": "rwm"}]}}})",
     ".linux.resources.devices[0].allow: missing required field"},
    {"DeviceRuleBadAccess", R"({"linux": {"resources": {"devices": [{"allow": true, "access": "rwx"}]}}})",
     ".linux.resources.devices[0].access: invalid access \"rwx\" (expected letters of \"rwm\")"},
    {"DeviceRuleBadType", R"({"linux": {"resources": {"devices": [{"allow": true, "type": "u"}]}}})",
     ".linux.resources.devices[0].type: unknown device rule type \"u\""},
    {"HugepageWithoutLimit", R"({"linux": {"resources": {"hugepageLimits": [{"pageSize": "2MB"}]}}})",
     ".linux.resources.hugepageLimits[0].limit: missing required field"},
    {"RdmaNotObject", R"({"linux": {"resources": {"rdma": {"mlx5_1": 3}}}})", ".linux.resources.rdma.mlx5_1: expected an object"},
    {"UnifiedNotString", R"({"linux": {"resources": {"unified": {"memory.max": 1024}}}})",
     ".linux.resources.unified[\"memory.max\"]: expected a string"},
};
// clang-format on

class SpecParseBad : public testing::TestWithParam<BadCase> {};

TEST_P(SpecParseBad, ExactError) {
    EXPECT_EQ(error_of(parse_config(patched(GetParam().patch))), std::string("config.json: ") + GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(Table, SpecParseBad, testing::ValuesIn(kBadCases),
                         [](const testing::TestParamInfo<BadCase>& info) { return std::string(info.param.name); });

// --- process.json and resources alone ------------------------------------------------------------

TEST(SpecParseProcess, Good) {
    auto p = parse_process(R"({"args": ["ls", "-l"], "cwd": "/tmp", "env": ["A=1"], "user": {"uid": 5, "gid": 6},
                              "terminal": true, "capabilities": {"bounding": ["CAP_KILL"]}})");
    ASSERT_TRUE(p) << error_of(p);
    EXPECT_EQ(p->args, (std::vector<std::string>{"ls", "-l"}));
    EXPECT_EQ(p->user.uid, 5u);
    EXPECT_TRUE(p->terminal);
}

TEST(SpecParseProcess, Bad) {
    EXPECT_EQ(error_of(parse_process(R"({"args": [], "cwd": "/"})")),
              "process.json: .args: expected a non-empty array of strings");
    EXPECT_EQ(error_of(parse_process(R"({"args": ["sh"], "cwd": "."})", "/tmp/p.json")),
              "/tmp/p.json: .cwd: \".\" is not an absolute path");
    EXPECT_EQ(error_of(parse_process(R"({"args": ["sh"])")),
              "process.json: malformed JSON at line 1, column 16: syntax error while parsing object - unexpected "
              "end of input; expected '}'");
}

TEST(SpecParseResources, Good) {
    auto r = parse_resources(R"({"memory": {"limit": 1048576, "swap": -1}, "pids": {"limit": 10},
                                "cpu": {"quota": 20000, "period": 100000}})");
    ASSERT_TRUE(r) << error_of(r);
    EXPECT_EQ(r->memory->limit, 1048576);
    EXPECT_EQ(r->memory->swap, -1);
    EXPECT_EQ(r->pidsLimit, 10);
    EXPECT_EQ(r->cpu->quota, 20000);
    EXPECT_FALSE(r->blockIO);
}

TEST(SpecParseResources, Bad) {
    EXPECT_EQ(error_of(parse_resources(R"({"cpu": {"period": -100000}})")),
              "resources: .cpu.period: expected an unsigned 64-bit integer");
    EXPECT_EQ(error_of(parse_resources(R"({"memory": {"limit": 9223372036854775808}})")),
              "resources: .memory.limit: expected a 64-bit integer");
}

}  // namespace
}  // namespace rong::spec
