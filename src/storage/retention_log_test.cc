#include "storage/retention_log.h"

#include <gtest/gtest.h>

namespace nightjar::storage {
namespace {

Time90k At(int64_t hours, int64_t minutes = 0) {
  return Time90k(hours * 3600 * kTicksPerSecond + minutes * kTicksPerMinute);
}

TEST(RetentionLogTest, TotalsSinceStartAndTheLastDay) {
  RetentionLog log;
  EXPECT_TRUE(log.Summary(At(1000)).empty());
  log.Add(1, At(1000, 5), 2, 200);
  log.Add(1, At(1010), 1, 50);
  log.Add(2, At(1020), 3, 900);
  auto s = log.Summary(At(1020, 30));
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[1].recordings, 3);
  EXPECT_EQ(s[1].bytes, 250);
  EXPECT_EQ(s[1].recordings_24h, 3);
  EXPECT_EQ(s[1].last, At(1010));
  EXPECT_EQ(s[2].bytes_24h, 900);
  // A day later the first hour's deletions leave the window; the totals keep them.
  s = log.Summary(At(1024, 10));
  EXPECT_EQ(s[1].recordings_24h, 1);
  EXPECT_EQ(s[1].bytes_24h, 50);
  EXPECT_EQ(s[1].recordings, 3);
  // A bucket reused a day later starts over.
  log.Add(1, At(1034), 4, 400);
  s = log.Summary(At(1034));
  EXPECT_EQ(s[1].recordings_24h, 4 + 0);  // hour 1010 is 24 h old: out
  EXPECT_EQ(s[1].recordings, 7);
  s = log.Summary(At(1100));
  EXPECT_EQ(s[1].recordings_24h, 0);
}

}  // namespace
}  // namespace nightjar::storage
