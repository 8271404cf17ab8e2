// Test helpers for db_test: a temporary directory and a database in it on a simulated clock.
#ifndef NIGHTJAR_DB_TEST_UTIL_H_
#define NIGHTJAR_DB_TEST_UTIL_H_

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "base/clock.h"
#include "db/database.h"
#include "testutil/temp_dir.h"

namespace nightjar::db {

// Asserts that a Result holds a value, printing the error otherwise.
#define NJ_ASSERT_OK(expr)                                                       \
  do {                                                                           \
    const auto& nj_r_ = (expr);                                                  \
    ASSERT_TRUE(nj_r_.has_value()) << #expr << ": " << nj_r_.error().ToString(); \
  } while (0)
#define NJ_EXPECT_OK(expr)                                                       \
  do {                                                                           \
    const auto& nj_r_ = (expr);                                                  \
    EXPECT_TRUE(nj_r_.has_value()) << #expr << ": " << nj_r_.error().ToString(); \
  } while (0)
// Expects a Result to hold an error with the given code.
#define NJ_EXPECT_ERROR(expr, error_code)                                        \
  do {                                                                           \
    const auto& nj_r_ = (expr);                                                  \
    EXPECT_FALSE(nj_r_.has_value()) << #expr << " unexpectedly succeeded";       \
    if (!nj_r_.has_value()) {                                                    \
      EXPECT_EQ(nj_r_.error().code(), (error_code)) << nj_r_.error().ToString(); \
    }                                                                            \
  } while (0)

// A fixture with a fresh temporary directory, removed afterwards, and a simulated clock.
class DbTest : public ::testing::Test {
 protected:
  void TearDown() override { db_.reset(); }

  std::string Path(const std::string& name = "nightjar.db") const { return dir_ + "/" + name; }

  // Opens (creating) the fixture's database into db_.
  void OpenDb(OpenMode mode = OpenMode::kCreate) {
    db_.reset();
    auto db = Database::Open(Path(), mode, clock_);
    ASSERT_TRUE(db.has_value()) << db.error().ToString();
    db_ = std::move(*db);
  }

  testutil::TempDir tmp_;
  std::string dir_ = tmp_.path();
  SimulatedClock clock_{Time90k::FromUnixSeconds(1'771'500'000)};
  std::unique_ptr<Database> db_;
};

}  // namespace nightjar::db

#endif  // NIGHTJAR_DB_TEST_UTIL_H_
