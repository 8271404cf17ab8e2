// The calling process's CPU time, for the C++ benchmarks' per-unit figures.
#ifndef NIGHTJAR_BENCH_CPU_TIME_H_
#define NIGHTJAR_BENCH_CPU_TIME_H_

#include <sys/resource.h>

namespace nightjar::bench {

// User + system CPU seconds of `who` (RUSAGE_SELF: the whole process, all its threads, those
// ended included; RUSAGE_THREAD: the calling thread) so far.
inline double CpuSeconds(int who = RUSAGE_SELF) {
  rusage u{};
  getrusage(who, &u);
  auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return secs(u.ru_utime) + secs(u.ru_stime);
}

}  // namespace nightjar::bench

#endif  // NIGHTJAR_BENCH_CPU_TIME_H_
