#include "cli/args.hpp"

#include <algorithm>
#include <charconv>
#include <limits>

#include "base/strings.hpp"

namespace rong::cli {

namespace {

// Go's strconv.ParseBool, which a bool flag's "=value" goes through.
std::optional<bool> parse_bool(std::string_view v) {
    if (v == "1" || v == "t" || v == "T" || v == "true" || v == "TRUE" || v == "True") return true;
    if (v == "0" || v == "f" || v == "F" || v == "false" || v == "FALSE" || v == "False") return false;
    return std::nullopt;
}

template <class T>
std::optional<T> parse_number(std::string_view v) {
    T out{};
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    if (ec != std::errc() || end != v.data() + v.size()) return std::nullopt;
    return out;
}

}  // namespace

Command& Command::add(std::string_view names, std::string_view help, bool takes_value,
                      std::function<bool(std::string_view)> set) {
    options_.push_back({split(names, ','), std::string(help), takes_value, std::nullopt, {}, std::move(set)});
    return *this;
}

Command& Command::flag(std::string_view names, bool& out, std::string_view help) {
    return add(names, help, false, [&out](std::string_view v) {
        auto b = v.empty() ? std::optional<bool>(true) : parse_bool(v);
        if (b) out = *b;
        return b.has_value();
    });
}

Command& Command::option(std::string_view names, std::string& out, std::string_view help) {
    return add(names, help, true, [&out](std::string_view v) {
        out = v;
        return true;
    });
}

Command& Command::option(std::string_view names, std::vector<std::string>& out, std::string_view help) {
    return add(names, help, true, [&out](std::string_view v) {
        out.emplace_back(v);
        return true;
    });
}

template <class T, class Out>
Command& Command::number(std::string_view names, Out& out, std::string_view help) {
    return add(names, help, true, [&out](std::string_view v) {
        auto n = parse_number<T>(v);
        if (n) out = *n;
        return n.has_value();
    });
}

Command& Command::option(std::string_view names, int& out, std::string_view help) {
    return number<int>(names, out, help);
}
Command& Command::option(std::string_view names, std::optional<int64_t>& out, std::string_view help) {
    return number<int64_t>(names, out, help);
}
Command& Command::option(std::string_view names, std::optional<uint64_t>& out, std::string_view help) {
    return number<uint64_t>(names, out, help);
}
Command& Command::option(std::string_view names, std::optional<uint16_t>& out, std::string_view help) {
    return number<uint16_t>(names, out, help);
}

Command& Command::option_or(std::string_view names, std::string& out, std::string bare, std::vector<std::string> values,
                            std::string_view help) {
    option(names, out, help);
    options_.back().bare = std::move(bare);
    options_.back().values = std::move(values);
    return *this;
}

Command& Command::argument(std::string_view name, std::string& out) {
    positionals_.push_back({std::string(name), &out, true});
    return *this;
}

Command& Command::optional_argument(std::string_view name, std::string& out) {
    positionals_.push_back({std::string(name), &out, false});
    return *this;
}

Command& Command::rest(std::string_view name, std::vector<std::string>& out) {
    rest_ = &out;
    rest_name_ = name;
    return *this;
}

const Command::Option* Command::find(std::string_view name) const {
    for (const auto& o : options_)
        for (const auto& n : o.names)
            if (n == name) return &o;
    return nullptr;
}

Status Command::take_flag(const std::vector<std::string_view>& args, size_t& i) {
    std::string_view word = args[i++];
    std::string_view name = word.substr(word.size() > 1 && word[1] == '-' ? 2 : 1);
    if (name.empty() || name.front() == '-' || name.front() == '=')
        return Error::msg("bad flag syntax: " + std::string(word));
    std::optional<std::string_view> value;
    if (auto eq = name.find('='); eq != std::string_view::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
    }
    if (name == "h" || name == "help") {
        help_ = true;
        return {};
    }
    const Option* opt = find(name);
    if (!opt && !value && name.size() > 1) {
        // One-letter bool flags together ("-dt"), if every letter is one.
        bool all = true;
        for (char c : name) {
            const Option* o = find(std::string_view(&c, 1));
            all = all && o && !o->takes_value;
        }
        if (all) {
            for (char c : name) find(std::string_view(&c, 1))->set("");
            return {};
        }
    }
    if (!opt) return Error::msg("flag provided but not defined: -" + std::string(name));
    if (!value && !opt->takes_value) {
        value = "";
    } else if (!value && opt->bare &&
               (i >= args.size() || std::find(opt->values.begin(), opt->values.end(), args[i]) == opt->values.end())) {
        value = *opt->bare;
    } else if (!value) {
        if (i >= args.size()) return Error::msg("flag needs an argument: -" + std::string(name));
        value = args[i++];
    }
    if (!opt->set(*value))
        return Error::msg("invalid value \"" + std::string(*value) + "\" for flag -" + opt->names.front() + ": parse error");
    return {};
}

Status Command::check_count(size_t given) const {
    size_t required = 0;
    for (const auto& p : positionals_) required += p.required ? 1 : 0;
    size_t most = rest_ ? std::numeric_limits<size_t>::max() : positionals_.size();
    std::string what = "\"" + name_ + "\" requires ";
    if (required == most && given != required)
        return Error::msg(what + "exactly " + std::to_string(required) + " argument(s)");
    if (given < required) return Error::msg(what + "a minimum of " + std::to_string(required) + " argument(s)");
    if (given > most) return Error::msg(what + "a maximum of " + std::to_string(most) + " argument(s)");
    return {};
}

Status Command::parse(const std::vector<std::string_view>& args) {
    std::vector<std::string_view> words;
    size_t i = 0;
    while (i < args.size()) {
        std::string_view a = args[i];
        if (a == "--") {
            ++i;
            break;
        }
        if (a.size() > 1 && a.front() == '-') {
            TRY(take_flag(args, i));
            if (help_) return {};
            continue;
        }
        words.push_back(a);
        ++i;
        // The rest is a program's: its flags are not ours.
        if (rest_) break;
    }
    words.insert(words.end(), args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
    TRY(check_count(words.size()));
    size_t w = 0;
    for (const auto& p : positionals_)
        if (w < words.size()) *p.out = words[w++];
    if (rest_)
        for (; w < words.size(); ++w) rest_->emplace_back(words[w]);
    return {};
}

Result<size_t> Command::parse_leading(const std::vector<std::string_view>& args) {
    size_t i = 0;
    while (i < args.size() && args[i].size() > 1 && args[i].front() == '-' && args[i] != "--") {
        TRY(take_flag(args, i));
        if (help_) break;
    }
    if (i < args.size() && args[i] == "--") ++i;
    return i;
}

std::string Command::usage(std::string_view program, const std::vector<const Command*>& commands) const {
    std::string full = std::string(program) + (name_.empty() ? "" : " " + name_);
    std::string out = "NAME:\n   " + full + " - " + summary_ + "\n\nUSAGE:\n   " + full;
    if (!options_.empty()) out += name_.empty() ? " [global options]" : " [command options]";
    if (!commands.empty()) out += " command [command options] [arguments...]";
    for (const auto& p : positionals_) out += p.required ? " <" + p.name + ">" : " [" + p.name + "]";
    if (rest_) out += " [" + rest_name_ + "...]";
    out += "\n";
    if (!commands.empty()) out += "\nCOMMANDS:\n";
    for (const Command* c : commands)
        out += "   " + c->name_ + std::string(c->name_.size() < 12 ? 12 - c->name_.size() : 1, ' ') + c->summary_ + "\n";
    if (options_.empty()) return out;
    out += "\nOPTIONS:\n";
    for (const auto& o : options_) {
        std::string names;
        for (const auto& n : o.names) {
            if (!names.empty()) names += ", ";
            names += (n.size() == 1 ? "-" : "--") + n + (o.takes_value ? " value" : "");
        }
        out += "   " + names + std::string(names.size() < 34 ? 34 - names.size() : 1, ' ') + o.help + "\n";
    }
    return out;
}

}  // namespace rong::cli
