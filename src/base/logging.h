// Logging setup for the nightjar binary.
//
// This module owns the configuration of spdlog's default logger: where it writes (stderr), its
// line format, and the level. Code elsewhere logs with spdlog::info(...) etc. directly (only in
// supervisors and request handlers, per CONVENTIONS.md); only src/cli calls InitLogging, once at
// startup before other threads log.
#ifndef NIGHTJAR_BASE_LOGGING_H_
#define NIGHTJAR_BASE_LOGGING_H_

#include <spdlog/common.h>
#include <spdlog/formatter.h>

#include <memory>
#include <string_view>

#include "base/error.h"
#include "base/log_tail.h"

namespace nightjar {

// "trace", "debug", "info", "warn" (or "warning"), "error", "critical", "off"; case-insensitive.
// Anything else is kInvalidArgument listing the accepted names.
Result<spdlog::level::level_enum> ParseLogLevel(std::string_view name);

// Replaces spdlog's default logger with one writing to stderr at the given level:
//   text: "2026-02-19T14:00:00.123 I message"  (local time; the level letter is coloured on a tty)
//   json: {"time":"2026-02-19T14:00:00.123456+01:00","level":"info","msg":"message"} per line,
//         the message JSON-escaped, for log collectors.
// With `tail`, every line logged also goes there (the daemon's log tail, base/log_tail.h).
// Fails (leaving the current logger alone) if the level is unknown. Not thread-safe with
// concurrent logging: call it before starting threads.
Result<void> InitLogging(std::string_view level, bool json = false,
                         std::shared_ptr<LogTail> tail = nullptr);

// The formatter InitLogging installs; exposed so that tests can check the exact output.
std::unique_ptr<spdlog::formatter> MakeLogFormatter(bool json);

}  // namespace nightjar

#endif  // NIGHTJAR_BASE_LOGGING_H_
