// Splitting text into fields, without streams (which would bring the C++ locales in, see
// src/cli/args.hpp), and comparing paths by their components.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rong {

// The fields between each `sep`, empty ones included ("a,,b" → a, "", b).
inline std::vector<std::string> split(std::string_view s, char sep) {
    std::vector<std::string> out;
    size_t start = 0;
    for (;;) {
        size_t pos = s.find(sep, start);
        out.emplace_back(s.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start));
        if (pos == std::string_view::npos) return out;
        start = pos + 1;
    }
}

// The words between runs of whitespace (space, tab, newline), as `stream >> word` reads them.
inline std::vector<std::string> split_words(std::string_view s) {
    std::vector<std::string> out;
    constexpr std::string_view kSpace = " \t\n\r\f\v";
    for (size_t pos = s.find_first_not_of(kSpace); pos != std::string_view::npos;) {
        size_t end = s.find_first_of(kSpace, pos);
        out.emplace_back(s.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos));
        pos = s.find_first_not_of(kSpace, end == std::string_view::npos ? s.size() : end);
    }
    return out;
}

// "0-3,7" → 0, 1, 2, 3, 7 (a kernel cpu or node list); nullopt when malformed or a number is not
// below `limit` (they are small: bounded, as the list is expanded).
inline std::optional<std::vector<unsigned>> parse_number_list(std::string_view list, unsigned limit) {
    std::vector<unsigned> out;
    auto num = [&](std::string_view s, unsigned& v) {
        if (s.empty() || s.size() > 6 || s.find_first_not_of("0123456789") != std::string_view::npos) return false;
        v = 0;
        for (char c : s) v = v * 10 + static_cast<unsigned>(c - '0');
        return v < limit;
    };
    if (list.empty()) return std::nullopt;
    for (const auto& part : split(list, ',')) {
        size_t dash = part.find('-');
        unsigned lo = 0, hi = 0;
        if (dash == std::string::npos) {
            if (!num(part, lo)) return std::nullopt;
            hi = lo;
        } else if (!num(std::string_view(part).substr(0, dash), lo) || !num(std::string_view(part).substr(dash + 1), hi) ||
                   hi < lo) {
            return std::nullopt;
        }
        for (unsigned v = lo; v <= hi; ++v) out.push_back(v);
    }
    return out;
}

// Whether `path` is `dir` or below it, component by component: "/a" holds "/a/b" but not "/ab";
// "/" holds every absolute path. Both are taken as clean (no trailing slash but "/" itself).
inline bool path_within(std::string_view path, std::string_view dir) {
    if (dir == "/") return !path.empty() && path.front() == '/';
    return path.starts_with(dir) && (path.size() == dir.size() || path[dir.size()] == '/');
}

}  // namespace rong
