#include "base/log_tail.h"

#include <gtest/gtest.h>
#include <spdlog/logger.h>

#include <memory>

namespace nightjar {
namespace {

TEST(LogTailTest, KeepsTheLastLinesWithinBothBounds) {
  auto tail = std::make_shared<LogTail>(3, 1 << 20);
  spdlog::logger log("t", tail);
  log.set_level(spdlog::level::trace);
  for (int i = 1; i <= 5; ++i) log.info("line {}", i);
  auto lines = tail->Last(10, spdlog::level::trace);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines.front().message, "line 3");  // oldest first
  EXPECT_EQ(lines.back().message, "line 5");
  EXPECT_EQ(lines.back().seq, 5u);
  EXPECT_EQ(tail->dropped(), 2u);
  EXPECT_FALSE(lines.back().time.empty());
  // The byte bound: long lines push out old ones, a single line is cut to kMaxLineBytes.
  auto small = std::make_shared<LogTail>(100, 10000);
  spdlog::logger log2("t2", small);
  log2.info("{}", std::string(3000, 'a'));
  log2.info("{}", std::string(3000, 'b'));
  log2.info("{}", std::string(3000, 'c'));
  log2.info("{}", std::string(3000, 'd'));
  lines = small->Last(100, spdlog::level::trace);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines.front().message[0], 'b');
  log2.info("{}", std::string(100000, 'e'));
  lines = small->Last(1, spdlog::level::trace);
  EXPECT_EQ(lines.back().message.size(), LogTail::kMaxLineBytes);
}

TEST(LogTailTest, RedactsASecretHeldAndToCome) {
  auto tail = std::make_shared<LogTail>();
  spdlog::logger log("t", tail);
  log.warn("first start: password s3cr3t-pw (also in the file)");
  tail->Redact("s3cr3t-pw");
  log.info("again s3cr3t-pw and s3cr3t-pw");
  tail->Redact("");
  auto lines = tail->Last(10, spdlog::level::trace);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].message, "first start: password *** (also in the file)");
  EXPECT_EQ(lines[1].message, "again *** and ***");
}

TEST(LogTailTest, FiltersByLevelAndCount) {
  auto tail = std::make_shared<LogTail>();
  spdlog::logger log("t", tail);
  log.info("a");
  log.warn("b");
  log.error("c");
  log.info("d");
  auto lines = tail->Last(10, spdlog::level::warn);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].message, "b");
  EXPECT_EQ(lines[1].level, spdlog::level::err);
  lines = tail->Last(2, spdlog::level::trace);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].message, "c");
  EXPECT_EQ(lines[1].message, "d");
}

}  // namespace
}  // namespace nightjar
