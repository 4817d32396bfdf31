// `rong features`: the runtime-spec features document, built from the same tables the code uses,
// so it says exactly what this build supports.
#pragma once

#include <string>

namespace rong::container {

std::string features_json();

}  // namespace rong::container
