// rong's command line, read as runc's is (urfave/cli v1 over Go's flag package): global flags,
// a command, then that command's flags and arguments.
//
// - A flag is -name or --name; its value follows "=" or is the next argument. A bool flag takes
//   no value ("--name=false" is allowed); one-letter bool flags may be combined ("-dt"), which
//   crun takes and runc 1.1.5 refuses (a leniency kept: nothing that works with runc breaks).
// - A command's flags may come after its arguments ("delete ID --force"), as runc reorders them,
//   unless the command takes a program's arguments after its own (exec, ps): there the first
//   argument ends the flags, and everything from it on is kept as it is.
// - "--" ends the flags.
// Errors are runc's: "flag provided but not defined: -x", "\"state\" requires exactly 1 argument(s)".
//
// A hand-written parser and not a library: the one in use before (CLI11) brought the C++
// iostreams and locales in, which cost every command ~0.8 MiB of memory and the time to set
// them up.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace rong::cli {

class Command {
public:
    Command(std::string name, std::string summary) : name_(std::move(name)), summary_(std::move(summary)) {}

    // `names`: comma-separated, e.g. "d,detach"; written without dashes.
    Command& flag(std::string_view names, bool& out, std::string_view help);
    Command& option(std::string_view names, std::string& out, std::string_view help);
    // Repeatable: each occurrence adds one value.
    Command& option(std::string_view names, std::vector<std::string>& out, std::string_view help);
    Command& option(std::string_view names, int& out, std::string_view help);
    Command& option(std::string_view names, std::optional<int64_t>& out, std::string_view help);
    Command& option(std::string_view names, std::optional<uint64_t>& out, std::string_view help);
    Command& option(std::string_view names, std::optional<uint16_t>& out, std::string_view help);
    // An option that may be given without a value (--rootless, --rootless=auto): `bare` then. A
    // next word is its value only if it is one of `values`.
    Command& option_or(std::string_view names, std::string& out, std::string bare, std::vector<std::string> values,
                       std::string_view help);

    // Positional arguments, in order: the required ones first.
    Command& argument(std::string_view name, std::string& out);
    Command& optional_argument(std::string_view name, std::string& out);
    // Everything after the arguments, flags included: the first argument ends this command's flags.
    Command& rest(std::string_view name, std::vector<std::string>& out);

    const std::string& name() const { return name_; }
    const std::string& summary() const { return summary_; }
    // Parses a command's arguments (the words after its name).
    Status parse(const std::vector<std::string_view>& args);
    // Parses the global flags: stops at the first word that is not one, and returns its index.
    Result<size_t> parse_leading(const std::vector<std::string_view>& args);
    // The help text; the program's own lists its `commands`.
    std::string usage(std::string_view program, const std::vector<const Command*>& commands = {}) const;
    // -h/--help was given.
    bool help_asked() const { return help_; }

private:
    struct Option {
        std::vector<std::string> names;
        std::string help;
        bool takes_value = true;
        std::optional<std::string> bare;  // the value when given without one
        std::vector<std::string> values;  // what a next word may be, for an option with a bare value
        std::function<bool(std::string_view value)> set;  // false: not a valid value
    };
    struct Positional {
        std::string name;
        std::string* out;
        bool required;
    };

    Command& add(std::string_view names, std::string_view help, bool takes_value,
                 std::function<bool(std::string_view)> set);
    // An integer option of type T, stored in `out` (a T or an optional<T>).
    template <class T, class Out>
    Command& number(std::string_view names, Out& out, std::string_view help);
    const Option* find(std::string_view name) const;
    // One flag word at args[i] (and its value, if it takes the next word); advances i.
    Status take_flag(const std::vector<std::string_view>& args, size_t& i);
    Status check_count(size_t given) const;

    std::string name_, summary_;
    std::vector<Option> options_;
    std::vector<Positional> positionals_;
    std::vector<std::string>* rest_ = nullptr;
    std::string rest_name_;
    bool help_ = false;
};

}  // namespace rong::cli
