#include "base/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>

#include "base/strings.h"

namespace nightjar {
namespace {

// Appends `s` to `out` as the inside of a JSON string (RFC 8259 §7). Bytes >= 0x80 pass through:
// messages are UTF-8 by convention; control characters are escaped so one record stays one line.
void AppendJsonEscaped(std::string_view s, spdlog::memory_buf_t& out) {
  for (char c : s) {
    switch (c) {
      case '"':
        out.append(std::string_view("\\\""));
        break;
      case '\\':
        out.append(std::string_view("\\\\"));
        break;
      case '\n':
        out.append(std::string_view("\\n"));
        break;
      case '\r':
        out.append(std::string_view("\\r"));
        break;
      case '\t':
        out.append(std::string_view("\\t"));
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned char>(c));
          out.append(std::string_view(buf));
        } else {
          out.push_back(c);
        }
    }
  }
}

// The %* flag: the message payload, JSON-escaped.
class JsonPayloadFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    AppendJsonEscaped(std::string_view(msg.payload.data(), msg.payload.size()), dest);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonPayloadFlag>();
  }
};

}  // namespace

Result<spdlog::level::level_enum> ParseLogLevel(std::string_view name) {
  using spdlog::level::level_enum;
  static constexpr std::pair<std::string_view, level_enum> kLevels[] = {
      {"trace", level_enum::trace},       {"debug", level_enum::debug},  {"info", level_enum::info},
      {"warn", level_enum::warn},         {"warning", level_enum::warn}, {"error", level_enum::err},
      {"critical", level_enum::critical}, {"off", level_enum::off},
  };
  for (const auto& [n, level] : kLevels) {
    if (EqualsIgnoreCase(name, n)) return level;
  }
  return Err(ErrorCode::kInvalidArgument,
             "unknown log level \"" + std::string(name.substr(0, 32)) +
                 "\" (expected trace, debug, info, warn, error, critical or off)");
}

std::unique_ptr<spdlog::formatter> MakeLogFormatter(bool json) {
  auto f = std::make_unique<spdlog::pattern_formatter>();
  if (json) {
    f->add_flag<JsonPayloadFlag>('*').set_pattern(
        R"({"time":"%Y-%m-%dT%H:%M:%S.%f%z","level":"%l","msg":"%*"})");
  } else {
    f->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%L%$ %v");
  }
  return f;
}

Result<void> InitLogging(std::string_view level, bool json, std::shared_ptr<LogTail> tail) {
  NJ_TRY(auto lvl, ParseLogLevel(level));
  std::shared_ptr<spdlog::logger> logger;
  if (json) {
    logger = std::make_shared<spdlog::logger>("nightjar",
                                              std::make_shared<spdlog::sinks::stderr_sink_mt>());
  } else {
    logger = std::make_shared<spdlog::logger>(
        "nightjar", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  }
  logger->set_formatter(MakeLogFormatter(json));  // the tail keeps its own format
  if (tail) logger->sinks().push_back(std::move(tail));
  logger->set_level(lvl);
  // Errors and above are flushed at once so that the last words before a crash are not lost.
  logger->flush_on(spdlog::level::err);
  spdlog::set_default_logger(std::move(logger));
  return Ok();
}

}  // namespace nightjar
