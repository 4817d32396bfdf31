// cli/args.hpp: runc's flag syntax (urfave/cli v1 over Go's flag package), and runc's usage errors.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cli/args.hpp"

namespace {

using rong::cli::Command;

std::vector<std::string_view> words(const std::vector<const char*>& w) { return {w.begin(), w.end()}; }

struct Delete {
    std::string id;
    bool force = false;
    Command cmd{"delete", "delete a container"};
    Delete() { cmd.flag("f,force", force, "").argument("container-id", id); }
};

TEST(Args, FlagsBeforeOrAfterTheArgument) {
    for (auto args : {words({"--force", "c1"}), words({"c1", "--force"}), words({"-f", "c1"}), words({"c1", "-force"})}) {
        Delete d;
        ASSERT_TRUE(d.cmd.parse(args));
        EXPECT_EQ(d.id, "c1");
        EXPECT_TRUE(d.force);
    }
}

TEST(Args, BoolFlagTakesGoBooleansAfterEquals) {
    Delete d;
    ASSERT_TRUE(d.cmd.parse(words({"--force=false", "c1"})));
    EXPECT_FALSE(d.force);
    auto st = d.cmd.parse(words({"--force=maybe", "c1"}));
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().message, "invalid value \"maybe\" for flag -f: parse error");
}

TEST(Args, RunCsUsageErrors) {
    struct Case {
        std::vector<const char*> args;
        const char* error;
    };
    for (const auto& c : std::vector<Case>{
             {{}, "\"delete\" requires exactly 1 argument(s)"},
             {{"a", "b"}, "\"delete\" requires exactly 1 argument(s)"},
             {{"--no-such", "a"}, "flag provided but not defined: -no-such"},
             {{"---x", "a"}, "bad flag syntax: ---x"},
         }) {
        Delete d;
        auto st = d.cmd.parse(words(c.args));
        ASSERT_FALSE(st) << c.error;
        EXPECT_EQ(st.error().message, c.error);
    }
    std::string id, signal = "SIGTERM";
    Command kill("kill", "");
    kill.argument("container-id", id).optional_argument("signal", signal);
    EXPECT_EQ(kill.parse(words({})).error().message, "\"kill\" requires a minimum of 1 argument(s)");
    EXPECT_EQ(kill.parse(words({"a", "b", "c"})).error().message, "\"kill\" requires a maximum of 2 argument(s)");
    ASSERT_TRUE(kill.parse(words({"a"})));
    EXPECT_EQ(signal, "SIGTERM");
    ASSERT_TRUE(kill.parse(words({"a", "KILL"})));
    EXPECT_EQ(signal, "KILL");
}

TEST(Args, ValuesByEqualsOrNextWordAndRepeated) {
    std::string bundle, id;
    std::vector<std::string> env;
    int fds = 0;
    std::optional<int64_t> quota;
    Command c("create", "");
    c.option("b,bundle", bundle, "").option("e,env", env, "").option("preserve-fds", fds, "").option("cpu-quota", quota, "");
    c.argument("container-id", id);
    ASSERT_TRUE(c.parse(words({"--bundle=/b", "-e", "A=1", "--env", "B=2", "--preserve-fds", "3", "--cpu-quota", "-1", "x"})));
    EXPECT_EQ(bundle, "/b");
    EXPECT_EQ(env, (std::vector<std::string>{"A=1", "B=2"}));
    EXPECT_EQ(fds, 3);
    EXPECT_EQ(quota, -1);
    EXPECT_EQ(id, "x");
    EXPECT_EQ(c.parse(words({"x", "--bundle"})).error().message, "flag needs an argument: -bundle");
    EXPECT_EQ(c.parse(words({"--preserve-fds", "abc", "x"})).error().message,
              "invalid value \"abc\" for flag -preserve-fds: parse error");
    // "--" ends the flags: what follows is an argument even if it looks like a flag.
    ASSERT_TRUE(c.parse(words({"--", "-x"})));
    EXPECT_EQ(id, "-x");
}

TEST(Args, RestKeepsAProgramsFlagsAsTheyAre) {
    std::string id;
    std::vector<std::string> argv;
    bool tty = false, detach = false;
    Command exec("exec", "");
    exec.flag("t,tty", tty, "").flag("d,detach", detach, "").argument("container-id", id).rest("command", argv);
    ASSERT_TRUE(exec.parse(words({"-td", "c1", "sh", "-c", "echo --tty", "-d"})));
    EXPECT_TRUE(tty);
    EXPECT_TRUE(detach);
    EXPECT_EQ(id, "c1");
    EXPECT_EQ(argv, (std::vector<std::string>{"sh", "-c", "echo --tty", "-d"}));
    EXPECT_EQ(exec.parse(words({})).error().message, "\"exec\" requires a minimum of 1 argument(s)");
}

TEST(Args, GlobalFlagsStopAtTheCommand) {
    std::string root, rootless;
    bool debug = false;
    Command global("", "");
    global.option("root", root, "").flag("debug", debug, "").option_or("rootless", rootless, "true", {"true", "false"}, "");
    auto first = global.parse_leading(words({"--root", "/r", "--debug", "--rootless", "list", "-q"}));
    ASSERT_TRUE(first);
    EXPECT_EQ(*first, 4u);
    EXPECT_EQ(root, "/r");
    EXPECT_TRUE(debug);
    EXPECT_EQ(rootless, "true");
    first = global.parse_leading(words({"--rootless", "false", "list"}));
    ASSERT_TRUE(first);
    EXPECT_EQ(*first, 2u);
    EXPECT_EQ(rootless, "false");
    EXPECT_EQ(global.parse_leading(words({"--bogus", "list"})).error().message, "flag provided but not defined: -bogus");
    ASSERT_TRUE(global.parse_leading(words({"--help"})));
    EXPECT_TRUE(global.help_asked());
}

}  // namespace
