// Database: events, users and sessions.
#include <gtest/gtest.h>

#include "db/database.h"
#include "db/test_util.h"

namespace nightjar::db {
namespace {

constexpr Time90k kT0 = Time90k::FromUnixSeconds(1'771'500'000);
Time90k At(int64_t seconds) { return kT0 + Duration90k::FromSeconds(seconds); }

class EventsTest : public DbTest {
 protected:
  void SetUp() override {
    DbTest::SetUp();
    OpenDb();
    camera_ = *db_->InsertCamera({.short_name = "cam"});
    other_camera_ = *db_->InsertCamera({.short_name = "other"});
  }

  int64_t AddEvent(int64_t start, int64_t end, bool is_protected = false, int64_t camera = 0) {
    auto id = db_->InsertEvent({.camera_id = camera == 0 ? camera_ : camera,
                                .start = At(start),
                                .end = At(end),
                                .kind = "motion",
                                .is_protected = is_protected});
    EXPECT_TRUE(id.has_value()) << id.error().ToString();
    return id.value_or(0);
  }

  std::vector<int64_t> List(int64_t from, int64_t to) {
    auto events = db_->ListEvents(camera_, At(from), At(to));
    EXPECT_TRUE(events.has_value()) << events.error().ToString();
    std::vector<int64_t> ids;
    for (const EventRow& e : events.value_or(std::vector<EventRow>())) ids.push_back(e.id);
    return ids;
  }

  int64_t camera_ = 0, other_camera_ = 0;
};

TEST_F(EventsTest, InsertAndReadBack) {
  auto id = db_->InsertEvent({.camera_id = camera_,
                              .start = At(10),
                              .end = At(20),
                              .kind = "manual",
                              .is_protected = true,
                              .data_json = R"({"by":"alice"})"});
  NJ_ASSERT_OK(id);
  auto events = db_->ListEvents(camera_, At(0), At(100));
  NJ_ASSERT_OK(events);
  ASSERT_EQ(events->size(), 1u);
  const EventRow& e = (*events)[0];
  EXPECT_EQ(e.id, *id);
  EXPECT_EQ(e.camera_id, camera_);
  EXPECT_EQ(e.start, At(10));
  EXPECT_EQ(e.end, At(20));
  EXPECT_EQ(e.kind, "manual");
  EXPECT_TRUE(e.is_protected);
  EXPECT_EQ(e.data_json, R"({"by":"alice"})");

  NJ_EXPECT_ERROR(
      db_->InsertEvent({.camera_id = camera_, .start = At(5), .end = At(4), .kind = "motion"}),
      ErrorCode::kInvalidArgument);
  NJ_EXPECT_ERROR(db_->InsertEvent({.camera_id = 99, .kind = "motion"}),
                  ErrorCode::kFailedPrecondition);
  NJ_EXPECT_ERROR(db_->InsertEvent({.camera_id = camera_}), ErrorCode::kInvalidArgument);
}

TEST_F(EventsTest, ListFindsOverlapsIncludingInstants) {
  int64_t a = AddEvent(0, 10);
  int64_t b = AddEvent(10, 20);
  int64_t instant = AddEvent(15, 15);
  int64_t long_one = AddEvent(-1000, 1000);
  AddEvent(0, 100, false, other_camera_);

  EXPECT_EQ(List(0, 10), (std::vector<int64_t>{long_one, a}));   // b starts at to
  EXPECT_EQ(List(10, 15), (std::vector<int64_t>{long_one, b}));  // a ends at from
  EXPECT_EQ(List(15, 16), (std::vector<int64_t>{long_one, b, instant}));
  EXPECT_EQ(List(14, 15), (std::vector<int64_t>{long_one, b}));  // instant at to: outside
  EXPECT_EQ(List(2000, 3000), std::vector<int64_t>{});
  EXPECT_EQ(List(10, 10), std::vector<int64_t>{});
}

TEST_F(EventsTest, ProtectedRangesAreMerged) {
  AddEvent(0, 10, true);
  AddEvent(5, 15, true);    // overlaps the first
  AddEvent(15, 20, true);   // touches the merged range
  AddEvent(30, 40, false);  // not protected
  AddEvent(50, 60, true);
  AddEvent(52, 55, true);  // inside the previous
  AddEvent(100, 200, true, other_camera_);

  auto ranges = db_->ProtectedRanges(camera_, At(0), At(1000));
  NJ_ASSERT_OK(ranges);
  EXPECT_EQ(*ranges, (std::vector<TimeRange>{{At(0), At(20)}, {At(50), At(60)}}));
  auto partial = db_->ProtectedRanges(camera_, At(18), At(52));
  NJ_ASSERT_OK(partial);
  // Only events overlapping the query count ([15, 20) and [50, 60); [52, 55) starts at `to`),
  // and they are not clipped to it.
  EXPECT_EQ(*partial, (std::vector<TimeRange>{{At(15), At(20)}, {At(50), At(60)}}));
  auto gap = db_->ProtectedRanges(camera_, At(20), At(50));
  NJ_ASSERT_OK(gap);
  EXPECT_TRUE(gap->empty());
}

using UsersTest = DbTest;

TEST_F(UsersTest, UsersRoundTrip) {
  OpenDb();
  auto id = db_->InsertUser({.username = "alice",
                             .password_hash = "$argon2id$v=19$m=65536,t=2,p=1$xyz",
                             .role = UserRole::kAdmin,
                             .created = Time90k(1)});  // ignored: the clock decides
  NJ_ASSERT_OK(id);
  NJ_EXPECT_ERROR(db_->InsertUser({.username = "alice"}), ErrorCode::kAlreadyExists);
  NJ_EXPECT_ERROR(db_->InsertUser({.username = ""}), ErrorCode::kInvalidArgument);
  clock_.Advance(Duration90k::FromSeconds(5));
  auto bob = db_->InsertUser({.username = "bob"});
  NJ_ASSERT_OK(bob);

  auto alice = db_->GetUserByName("alice");
  NJ_ASSERT_OK(alice);
  EXPECT_EQ(alice->id, *id);
  EXPECT_EQ(alice->password_hash, "$argon2id$v=19$m=65536,t=2,p=1$xyz");
  EXPECT_EQ(alice->role, UserRole::kAdmin);
  EXPECT_EQ(alice->created, Time90k::FromUnixSeconds(1'771'500'000));
  auto b = db_->GetUser(*bob);
  NJ_ASSERT_OK(b);
  EXPECT_EQ(b->role, UserRole::kViewer);
  EXPECT_EQ(b->password_hash, std::nullopt);
  EXPECT_EQ(b->created, Time90k::FromUnixSeconds(1'771'500'005));
  NJ_EXPECT_ERROR(db_->GetUserByName("carol"), ErrorCode::kNotFound);

  b->role = UserRole::kOperator;
  b->password_hash = "hash2";
  b->username = "robert";
  NJ_ASSERT_OK(db_->UpdateUser(*b));
  auto robert = db_->GetUserByName("robert");
  NJ_ASSERT_OK(robert);
  EXPECT_EQ(robert->role, UserRole::kOperator);
  EXPECT_EQ(robert->password_hash, "hash2");
  b->username = "alice";
  NJ_EXPECT_ERROR(db_->UpdateUser(*b), ErrorCode::kAlreadyExists);
  NJ_EXPECT_ERROR(db_->UpdateUser({.id = 99, .username = "x"}), ErrorCode::kNotFound);

  auto users = db_->ListUsers();
  NJ_ASSERT_OK(users);
  ASSERT_EQ(users->size(), 2u);
  EXPECT_EQ((*users)[0].username, "alice");
  EXPECT_EQ((*users)[1].username, "robert");
}

Sha256 Token(uint8_t fill) {
  Sha256 t;
  t.fill(fill);
  return t;
}

TEST_F(UsersTest, SessionsExpire) {
  OpenDb();
  int64_t user = *db_->InsertUser({.username = "alice"});
  Time90k now = clock_.Now();
  auto short_session = db_->InsertSession(
      {.user_id = user, .token_sha256 = Token(1), .expires = now + Duration90k::FromSeconds(60)});
  NJ_ASSERT_OK(short_session);
  auto long_session = db_->InsertSession(
      {.user_id = user, .token_sha256 = Token(2), .expires = now + Duration90k::FromSeconds(3600)});
  NJ_ASSERT_OK(long_session);
  NJ_EXPECT_ERROR(db_->InsertSession({.user_id = user, .token_sha256 = Token(1)}),
                  ErrorCode::kAlreadyExists);
  NJ_EXPECT_ERROR(db_->InsertSession({.user_id = 99, .token_sha256 = Token(3)}),
                  ErrorCode::kFailedPrecondition);

  auto s = db_->GetSessionByTokenHash(Token(1));
  NJ_ASSERT_OK(s);
  EXPECT_EQ(s->id, *short_session);
  EXPECT_EQ(s->user_id, user);
  EXPECT_EQ(s->created, now);
  EXPECT_EQ(s->expires, now + Duration90k::FromSeconds(60));
  NJ_EXPECT_ERROR(db_->GetSessionByTokenHash(Token(9)), ErrorCode::kNotFound);

  clock_.Advance(Duration90k::FromSeconds(60));  // expires is exclusive
  NJ_EXPECT_ERROR(db_->GetSessionByTokenHash(Token(1)), ErrorCode::kNotFound);
  NJ_EXPECT_OK(db_->GetSessionByTokenHash(Token(2)));
  auto deleted = db_->DeleteExpiredSessions();
  NJ_ASSERT_OK(deleted);
  EXPECT_EQ(*deleted, 1);
  EXPECT_EQ(*db_->DeleteExpiredSessions(), 0);

  NJ_ASSERT_OK(db_->DeleteSession(*long_session));
  NJ_EXPECT_ERROR(db_->GetSessionByTokenHash(Token(2)), ErrorCode::kNotFound);
  NJ_EXPECT_ERROR(db_->DeleteSession(*long_session), ErrorCode::kNotFound);
}

TEST_F(UsersTest, DeletingAUserEndsItsSessions) {
  OpenDb();
  int64_t alice = *db_->InsertUser({.username = "alice"});
  int64_t bob = *db_->InsertUser({.username = "bob"});
  Time90k later = clock_.Now() + Duration90k::FromSeconds(3600);
  NJ_ASSERT_OK(db_->InsertSession({.user_id = alice, .token_sha256 = Token(1), .expires = later}));
  NJ_ASSERT_OK(db_->InsertSession({.user_id = bob, .token_sha256 = Token(2), .expires = later}));
  NJ_ASSERT_OK(db_->DeleteUser(alice));
  NJ_EXPECT_ERROR(db_->GetUser(alice), ErrorCode::kNotFound);
  NJ_EXPECT_ERROR(db_->GetSessionByTokenHash(Token(1)), ErrorCode::kNotFound);
  NJ_EXPECT_OK(db_->GetSessionByTokenHash(Token(2)));
  NJ_EXPECT_ERROR(db_->DeleteUser(alice), ErrorCode::kNotFound);
  NJ_EXPECT_OK(db_->CheckIntegrity());
}

TEST_F(UsersTest, IdleSessionsGrantsKeysRecoveryAndAudit) {
  OpenDb();
  int64_t alice = *db_->InsertUser({.username = "alice"});
  const Time90k now = clock_.Now();
  auto sid = db_->InsertSession({.user_id = alice,
                                 .token_sha256 = Token(1),
                                 .expires = now + Duration90k::FromSeconds(3600),
                                 .idle_secs = 60,
                                 .source = "10.0.0.1",
                                 .user_agent = "curl"});
  NJ_ASSERT_OK(sid);
  clock_.Advance(Duration90k::FromSeconds(50));
  const std::pair<int64_t, Time90k> seen[] = {{*sid, clock_.Now()}, {999, clock_.Now()}};
  NJ_ASSERT_OK(db_->TouchSessions(seen));
  clock_.Advance(Duration90k::FromSeconds(50));  // 100 s after sign-in, 50 s after last use
  auto s = db_->GetSessionByTokenHash(Token(1));
  NJ_ASSERT_OK(s);
  EXPECT_EQ(s->source, "10.0.0.1");
  EXPECT_EQ(s->user_agent, "curl");
  EXPECT_EQ(db_->ListSessions()->size(), 1u);
  clock_.Advance(Duration90k::FromSeconds(11));
  NJ_EXPECT_ERROR(db_->GetSessionByTokenHash(Token(1)), ErrorCode::kNotFound);
  EXPECT_EQ(*db_->DeleteExpiredSessions(), 1);

  NJ_ASSERT_OK(db_->PutCameraGrant({alice, "cam1", kRightLive}));
  NJ_ASSERT_OK(db_->PutCameraGrant({alice, "cam1", kRightLive | kRightExport}));
  NJ_EXPECT_ERROR(db_->PutCameraGrant({99, "cam1", kRightLive}), ErrorCode::kFailedPrecondition);
  auto grants = db_->ListCameraGrants();
  NJ_ASSERT_OK(grants);
  ASSERT_EQ(grants->size(), 1u);
  EXPECT_EQ((*grants)[0].rights, kRightLive | kRightExport);

  auto key = db_->InsertApiKey({.user_id = alice,
                                .name = "ha",
                                .token_sha256 = Token(7),
                                .role = UserRole::kViewer,
                                .cameras = std::vector<std::string>{"cam1", "cam2"}});
  NJ_ASSERT_OK(key);
  auto keys = db_->ListApiKeys();
  NJ_ASSERT_OK(keys);
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_EQ((*keys)[0].cameras, (std::vector<std::string>{"cam1", "cam2"}));
  EXPECT_EQ((*keys)[0].last_used, std::nullopt);
  const std::pair<int64_t, Time90k> used[] = {{*key, clock_.Now()}};
  NJ_ASSERT_OK(db_->TouchApiKeys(used));
  EXPECT_EQ((*db_->ListApiKeys())[0].last_used, clock_.Now());

  const Sha256 codes[] = {Token(3), Token(4)};
  NJ_ASSERT_OK(db_->SetRecoveryCodes(alice, codes));
  EXPECT_TRUE(*db_->UseRecoveryCode(alice, Token(3)));
  EXPECT_FALSE(*db_->UseRecoveryCode(alice, Token(3)));
  EXPECT_EQ(*db_->CountRecoveryCodes(alice), 1);

  NJ_ASSERT_OK(db_->InsertAudit({.actor = "cli", .action = "user_add", .target = "alice"}));
  clock_.Advance(Duration90k::FromSeconds(10));
  NJ_ASSERT_OK(db_->InsertAudit({.actor = "alice", .action = "login", .target = "alice"}));
  auto all = db_->ListAudit({});
  NJ_ASSERT_OK(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].action, "login");  // newest first
  EXPECT_EQ(db_->ListAudit({.action = "user_add"})->size(), 1u);
  EXPECT_EQ(db_->ListAudit({.before_id = (*all)[0].id})->size(), 1u);
  EXPECT_EQ(*db_->DeleteAuditBefore(clock_.Now()), 1);

  // Deleting the user takes its grants, keys and codes with it.
  NJ_ASSERT_OK(db_->DeleteUser(alice));
  EXPECT_TRUE(db_->ListCameraGrants()->empty());
  EXPECT_TRUE(db_->ListApiKeys()->empty());
  EXPECT_EQ(*db_->CountRecoveryCodes(alice), 0);
  NJ_EXPECT_OK(db_->CheckIntegrity());
}

TEST_F(UsersTest, EditModeRecordsNoOpenRow) {
  OpenDb();
  const size_t opens = db_->ListOpens()->size();
  db_.reset();
  auto edit = Database::Open(Path(), OpenMode::kEdit, clock_);
  NJ_ASSERT_OK(edit);
  EXPECT_EQ((*edit)->open_id(), 0);
  EXPECT_EQ((*edit)->ListOpens()->size(), opens);
  NJ_EXPECT_OK((*edit)->InsertUser({.username = "x"}));
  auto other = (*edit)->DataVersion();
  NJ_EXPECT_OK(other);
}

}  // namespace
}  // namespace nightjar::db
