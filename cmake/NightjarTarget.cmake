# Helpers that give every Nightjar target the same warnings and layout.

# -Wno-restrict: GCC 12 reports false positives in inlined std::string code at -O3 (GCC bug 105329).
set(NIGHTJAR_WARNINGS -Wall -Wextra -Werror -Wno-missing-field-initializers)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  list(APPEND NIGHTJAR_WARNINGS -Wno-restrict)
endif()

# nightjar_library(NAME SOURCES... [DEPS ...]) -> static library nightjar_NAME with include root src/.
function(nightjar_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(nightjar_${name} STATIC ${ARG_SOURCES})
  target_include_directories(nightjar_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(nightjar_${name} PRIVATE ${NIGHTJAR_WARNINGS})
  target_link_libraries(nightjar_${name} PUBLIC ${ARG_DEPS})
endfunction()

# nightjar_test(NAME SOURCES... DEPS ...) -> gtest binary registered with ctest label "unit".
function(nightjar_test name)
  if(NOT NIGHTJAR_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests)  # testutil/
  target_compile_options(${name} PRIVATE ${NIGHTJAR_WARNINGS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main GTest::gmock)
  # gtest.h is most of every test file's compile time: parse it once per test binary.
  target_precompile_headers(${name} PRIVATE <gtest/gtest.h>)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS unit TIMEOUT 300)
endfunction()
