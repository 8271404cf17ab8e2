// FUZZ_CHECK(cond): an invariant of a fuzz target. On failure it names the condition and line
// before trapping, so a finding says which invariant broke (inlined checks share one trap site).
#ifndef NIGHTJAR_FUZZ_FUZZ_CHECK_H_
#define NIGHTJAR_FUZZ_FUZZ_CHECK_H_

#include <cstdio>

#define FUZZ_CHECK(cond)                                                                \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
      __builtin_trap();                                                                 \
    }                                                                                   \
  } while (0)

#endif  // NIGHTJAR_FUZZ_FUZZ_CHECK_H_
