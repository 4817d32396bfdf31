// Splitting text into fields, without streams (which would bring the C++ locales in, see
// src/cli/args.hpp).
#pragma once

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

}  // namespace rong
