#include "base/logging.h"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <optional>
#include <string>

namespace nightjar {
namespace {

using spdlog::level::level_enum;

class ScopedUtc {
 public:
  ScopedUtc() {
    if (const char* old = std::getenv("TZ")) old_ = old;
    setenv("TZ", "UTC", 1);
    tzset();
  }
  ~ScopedUtc() {
    if (old_) {
      setenv("TZ", old_->c_str(), 1);
    } else {
      unsetenv("TZ");
    }
    tzset();
  }

 private:
  std::optional<std::string> old_;
};

// Formats one message at 2026-02-19T14:00:00.123456Z with the formatter InitLogging installs.
std::string FormatAt(bool json, level_enum level, std::string_view payload) {
  ScopedUtc utc;
  spdlog::details::log_msg msg("nightjar", level, payload);
  msg.time = spdlog::log_clock::time_point(std::chrono::microseconds(1771509600123456));
  spdlog::memory_buf_t out;
  MakeLogFormatter(json)->format(msg, out);
  return std::string(out.data(), out.size());
}

TEST(LoggingTest, ParseLogLevel) {
  EXPECT_EQ(ParseLogLevel("trace").value(), level_enum::trace);
  EXPECT_EQ(ParseLogLevel("debug").value(), level_enum::debug);
  EXPECT_EQ(ParseLogLevel("INFO").value(), level_enum::info);
  EXPECT_EQ(ParseLogLevel("warn").value(), level_enum::warn);
  EXPECT_EQ(ParseLogLevel("Warning").value(), level_enum::warn);
  EXPECT_EQ(ParseLogLevel("error").value(), level_enum::err);
  EXPECT_EQ(ParseLogLevel("critical").value(), level_enum::critical);
  EXPECT_EQ(ParseLogLevel("off").value(), level_enum::off);
  for (const char* bad : {"", "verbose", "err", "info ", "5"}) {
    auto r = ParseLogLevel(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  }
  EXPECT_NE(ParseLogLevel("verbose").error().message().find("verbose"), std::string::npos);
}

TEST(LoggingTest, InitLoggingSetsDefaultLoggerOrFailsWithoutTouchingIt) {
  ASSERT_TRUE(InitLogging("debug").has_value());
  auto logger = spdlog::default_logger();
  EXPECT_EQ(logger->name(), "nightjar");
  EXPECT_EQ(logger->level(), level_enum::debug);

  auto r = InitLogging("loud");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(spdlog::default_logger(), logger);  // unchanged

  ASSERT_TRUE(InitLogging("warn", /*json=*/true).has_value());
  EXPECT_NE(spdlog::default_logger(), logger);
  EXPECT_EQ(spdlog::default_logger()->level(), level_enum::warn);
  EXPECT_FALSE(spdlog::default_logger()->should_log(level_enum::info));
  EXPECT_TRUE(spdlog::default_logger()->should_log(level_enum::err));
  ASSERT_TRUE(InitLogging("info").has_value());
}

TEST(LoggingTest, TextFormat) {
  EXPECT_EQ(FormatAt(false, level_enum::info, "camera 3: connected"),
            "2026-02-19T14:00:00.123 I camera 3: connected\n");
  EXPECT_EQ(FormatAt(false, level_enum::warn, "x"), "2026-02-19T14:00:00.123 W x\n");
}

TEST(LoggingTest, JsonFormatEscapesTheMessage) {
  EXPECT_EQ(FormatAt(true, level_enum::err, "say \"hi\"\\\n\t\x01 ok \xc3\xa4"),
            "{\"time\":\"2026-02-19T14:00:00.123456+00:00\",\"level\":\"error\","
            "\"msg\":\"say \\\"hi\\\"\\\\\\n\\t\\u0001 ok \xc3\xa4\"}\n");
}

}  // namespace
}  // namespace nightjar
