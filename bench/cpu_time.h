// The calling process's CPU time, for the C++ benchmarks' per-unit figures.
#ifndef NIGHTJAR_BENCH_CPU_TIME_H_
#define NIGHTJAR_BENCH_CPU_TIME_H_

#include <sys/resource.h>

namespace nightjar::bench {

// User + system CPU seconds of the whole process (all its threads) so far.
inline double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return secs(u.ru_utime) + secs(u.ru_stime);
}

}  // namespace nightjar::bench

#endif  // NIGHTJAR_BENCH_CPU_TIME_H_
