// Test fixture: an Authenticator over a real database in a temporary directory, on a simulated
// clock, with cheap password hashing. Tests only.
#ifndef NIGHTJAR_AUTH_AUTH_FIXTURE_H_
#define NIGHTJAR_AUTH_AUTH_FIXTURE_H_

#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <string>

#include "auth/authenticator.h"
#include "testutil/temp_dir.h"

namespace nightjar::auth {

class AuthFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = db::Database::Open(path_, db::OpenMode::kCreate, clock_);
    ASSERT_TRUE(db.has_value()) << db.error().ToString();
    db_ = std::move(*db);
    AuthOptions o;
    o.limits = TestPasswordLimits();
    o.url_key[0] = 9;
    auth_ = std::make_unique<Authenticator>(
        [this](const DbFn& fn) {
          std::lock_guard lock(db_mu_);
          return fn(*db_);
        },
        clock_, box_, o);
    ASSERT_TRUE(auth_->Load().has_value());
  }

  testutil::TempDir tmp_;
  std::string path_ = tmp_.path() + "/nightjar.db";
  SimulatedClock clock_{Time90k::FromUnixSeconds(1'771'500'000)};
  config::SecretBox box_{std::array<uint8_t, 32>{1}};
  std::mutex db_mu_;
  std::unique_ptr<db::Database> db_;
  std::unique_ptr<Authenticator> auth_;
};

}  // namespace nightjar::auth

#endif  // NIGHTJAR_AUTH_AUTH_FIXTURE_H_
