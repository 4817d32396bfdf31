// Internal to spec/: typed reading of a nlohmann::json document that remembers where each value sits,
// so that every error names its place: "config.json: .linux.devices[2].major: expected a 64-bit integer".
//
// One overload of read() per JSON type (string, boolean, integers, optional, array, map) and one per
// config struct; a struct's read() is a list of r.get()/r.require() calls followed by its checks.
#pragma once

#include <concepts>
#include <cstddef>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.hpp"
#include "spec/config.hpp"

namespace rong::spec::detail {

using json = nlohmann::json;

// A JSON value, the path leading to it in jq syntax (.mounts[0].options, .sysctl["net.core.x"]) and the
// document's name. Absent members read as null, as in Go's encoding/json: null and missing are the same.
class Reader {
public:
    Reader(const json& value, std::string_view origin, std::string path = {})
        : value_(&value), origin_(origin), path_(std::move(path)) {}

    const json& value() const { return *value_; }
    bool absent() const { return value_->is_null(); }

    Reader at(std::string_view key) const;  // a member of an object
    Reader at(std::size_t index) const;     // an element of an array

    // "<origin>: <path>: <what>", or "<origin>: <what>" for the document itself.
    Error error(std::string_view what) const;
    Status expect_object() const;

    // Reads member `key` into `out`. get() leaves `out` untouched when the member is absent,
    // require() makes that an error.
    template <typename T>
    Status get(std::string_view key, T& out) const;
    template <typename T>
    Status require(std::string_view key, T& out) const;

private:
    const json* value_;
    std::string_view origin_;
    std::string path_;
};

// --- JSON types ---
Status read(const Reader& r, std::string& out);
Status read(const Reader& r, bool& out);
template <std::integral T>
    requires(!std::same_as<T, bool>)
Status read(const Reader& r, T& out);
template <typename T>
Status read(const Reader& r, std::optional<T>& out);
template <typename T>
Status read(const Reader& r, std::vector<T>& out);
template <typename T>
Status read(const Reader& r, std::map<std::string, T>& out);

// --- config structs: spec/parse.cpp ---
Status read(const Reader& r, Config& out);
Status read(const Reader& r, Root& out);
Status read(const Reader& r, Mount& out);
Status read(const Reader& r, Process& out);
Status read(const Reader& r, ConsoleSize& out);
Status read(const Reader& r, User& out);
Status read(const Reader& r, Capabilities& out);
Status read(const Reader& r, Rlimit& out);
Status read(const Reader& r, Scheduler& out);
Status read(const Reader& r, IoPriority& out);
Status read(const Reader& r, CpuAffinity& out);
Status read(const Reader& r, Hooks& out);
Status read(const Reader& r, Hook& out);

// --- config structs: spec/parse_linux.cpp ---
Status read(const Reader& r, Linux& out);
Status read(const Reader& r, Namespace& out);
Status read(const Reader& r, IdMapping& out);
Status read(const Reader& r, TimeOffset& out);
Status read(const Reader& r, Device& out);
Status read(const Reader& r, NetDevice& out);
Status read(const Reader& r, Seccomp& out);
Status read(const Reader& r, SeccompSyscall& out);
Status read(const Reader& r, SeccompArg& out);
Status read(const Reader& r, IntelRdt& out);
Status read(const Reader& r, Personality& out);
Status read(const Reader& r, MemoryPolicy& out);

// --- config structs: spec/parse_resources.cpp ---
Status read(const Reader& r, Resources& out);
Status read(const Reader& r, DeviceRule& out);
Status read(const Reader& r, MemoryResources& out);
Status read(const Reader& r, CpuResources& out);
Status read(const Reader& r, BlockIO& out);
Status read(const Reader& r, WeightDevice& out);
Status read(const Reader& r, ThrottleDevice& out);
Status read(const Reader& r, HugepageLimit& out);
Status read(const Reader& r, NetworkResources& out);
Status read(const Reader& r, InterfacePriority& out);
Status read(const Reader& r, RdmaLimit& out);

// --- checks shared by the struct readers; `r` is where the checked value came from ---
std::string quote(std::string_view text);  // as a JSON string, for messages
Status expect_absolute(const Reader& r, const std::string& path);
Status expect_one_of(const Reader& r, const std::string& value, std::span<const std::string_view> allowed,
                     std::string_view what);  // "unknown <what> \"value\""

// Parses a whole document with read(); a syntax error becomes "<origin>: malformed JSON at ...".
template <typename T>
Result<T> parse_document(std::string_view text, std::string_view origin);
Result<json> parse_json(std::string_view text, std::string_view origin);

// The first item of `list` (read from `r`) whose `key` member repeats an earlier item's:
// "duplicate <what> \"key\"".
template <typename T>
Status expect_unique(const Reader& r, const std::vector<T>& list, std::string T::*key,
                     std::string_view what) {
    for (std::size_t i = 0; i < list.size(); ++i)
        for (std::size_t j = 0; j < i; ++j)
            if (list[j].*key == list[i].*key)
                return r.at(i).error("duplicate " + std::string(what) + " " + quote(list[i].*key));
    return {};
}

// ---------------------------------------------------------------------------------------------------

template <typename T>
Status Reader::get(std::string_view key, T& out) const {
    Reader member = at(key);
    if (member.absent()) return {};
    return read(member, out);
}

template <typename T>
Status Reader::require(std::string_view key, T& out) const {
    Reader member = at(key);
    if (member.absent()) return member.error("missing required field");
    return read(member, out);
}

template <std::integral T>
    requires(!std::same_as<T, bool>)
Status read(const Reader& r, T& out) {
    // nlohmann keeps non-negative integers as uint64 and negative ones as int64; 1.0 is a float, and
    // rejected like Go does.
    const json& v = r.value();
    const bool fits = v.is_number_unsigned()  ? std::in_range<T>(v.get<uint64_t>())
                      : v.is_number_integer() ? std::in_range<T>(v.get<int64_t>())
                                              : false;
    if (!fits)
        return r.error(std::string(std::is_signed_v<T> ? "expected a " : "expected an unsigned ") +
                       std::to_string(sizeof(T) * 8) + "-bit integer");
    out = v.is_number_unsigned() ? static_cast<T>(v.get<uint64_t>()) : static_cast<T>(v.get<int64_t>());
    return {};
}

template <typename T>
Status read(const Reader& r, std::optional<T>& out) {
    out.emplace();
    return read(r, *out);
}

template <typename T>
Status read(const Reader& r, std::vector<T>& out) {
    if (!r.value().is_array())
        return r.error(std::is_same_v<T, std::string> ? "expected an array of strings" : "expected an array");
    out.assign(r.value().size(), T{});
    for (std::size_t i = 0; i < out.size(); ++i) TRY(read(r.at(i), out[i]));
    return {};
}

template <typename T>
Status read(const Reader& r, std::map<std::string, T>& out) {
    TRY(r.expect_object());
    out.clear();
    for (auto it = r.value().begin(); it != r.value().end(); ++it) TRY(read(r.at(it.key()), out[it.key()]));
    return {};
}

template <typename T>
Result<T> parse_document(std::string_view text, std::string_view origin) {
    json doc = TRY(parse_json(text, origin));
    T out;
    TRY(read(Reader(doc, origin), out));
    return out;
}

}  // namespace rong::spec::detail
