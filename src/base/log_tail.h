// The daemon's recent log lines, kept in memory for GET /api/system/log: a spdlog sink holding
// the last lines within a count and a byte bound (the oldest go first). What it holds is what
// the logger writes to stderr (the same level filter); secrets are never logged, so never here.
//
// Thread safety: spdlog calls the sink under its mutex; Last takes the same mutex, so it may be
// called from any thread.
#ifndef NIGHTJAR_BASE_LOG_TAIL_H_
#define NIGHTJAR_BASE_LOG_TAIL_H_

#include <spdlog/sinks/base_sink.h>

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace nightjar {

class LogTail final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  static constexpr size_t kDefaultMaxLines = 500;
  static constexpr size_t kDefaultMaxBytes = 256 << 10;
  // A longer message is cut to this many bytes (a line never takes the whole byte budget).
  static constexpr size_t kMaxLineBytes = 4096;

  struct Line {
    uint64_t seq = 0;  // 1, 2, ... in logging order (a gap: lines pushed out)
    std::string time;  // local time, "2026-02-19T14:00:00.123+01:00"
    spdlog::level::level_enum level = spdlog::level::info;
    std::string message;
  };

  explicit LogTail(size_t max_lines = kDefaultMaxLines, size_t max_bytes = kDefaultMaxBytes);

  // The newest `n` lines at `min_level` or above, oldest first.
  std::vector<Line> Last(size_t n, spdlog::level::level_enum min_level);
  // Lines pushed out by the bounds since start.
  uint64_t dropped();
  // Replaces `secret` by "***" in the lines held and in every line logged from now on: for the
  // one secret the daemon ever logs (the first start's admin password, which stderr must show).
  // An empty secret is ignored.
  void Redact(std::string secret);

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override {}

 private:
  const size_t max_lines_, max_bytes_;
  std::deque<Line> lines_;  // guarded by base_sink's mutex_
  size_t bytes_ = 0;
  uint64_t next_seq_ = 1, dropped_ = 0;
  std::vector<std::string> secrets_;
};

}  // namespace nightjar

#endif  // NIGHTJAR_BASE_LOG_TAIL_H_
