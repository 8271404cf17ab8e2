// The version of Nightjar, in one place: CMake's project(VERSION) (CMakeLists.txt), passed to
// every target that links base. `nightjar --version`, /api/health and /api/status report it.
#ifndef NIGHTJAR_BASE_VERSION_H_
#define NIGHTJAR_BASE_VERSION_H_

#include <string_view>

namespace nightjar {

inline constexpr std::string_view kVersion = NIGHTJAR_VERSION;

}  // namespace nightjar

#endif  // NIGHTJAR_BASE_VERSION_H_
