// `rong features`: the runtime-spec features document, built from the same tables the code uses,
// so it says exactly what this build supports.
#pragma once

#include <string>
#include <vector>

namespace rong::container {

std::string features_json();

// What the seccomp section claims; tests check each name against the code that parses it.
struct SeccompFeatures {
    std::vector<std::string> actions, operators, archs, known_flags, supported_flags;
};
SeccompFeatures seccomp_features();

}  // namespace rong::container
