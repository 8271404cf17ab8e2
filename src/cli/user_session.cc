#include "cli/user_session.h"

#include <termios.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <iostream>

#include "auth/principal.h"
#include "cli/commands.h"

namespace nightjar::cli {

std::unique_ptr<UserSession> UserSession::Open(const DataDirOptions& dir, bool need_box) {
  auto data = ResolveDataDir(dir);
  if (!data) {
    std::fprintf(stderr, "nightjar user: %s\n", data.error().message().c_str());
    return nullptr;
  }
  std::unique_ptr<UserSession> s(new UserSession());
  auto db = db::Database::Open(*data + "/nightjar.db", db::OpenMode::kEdit, s->clock_);
  if (!db) {
    std::fprintf(stderr, "nightjar user: %s: %s\n", data->c_str(), db.error().ToString().c_str());
    return nullptr;
  }
  s->db_ = std::move(*db);
  if (need_box) {
    auto box =
        config::SecretBox::LoadOrCreate(*data + "/" + std::string(config::SecretBox::kKeyFileName));
    if (!box) {
      std::fprintf(stderr, "nightjar user: %s\n", box.error().ToString().c_str());
      return nullptr;
    }
    s->box_ = *box;
  } else {
    std::array<uint8_t, 32> throwaway{};
    auto b = auth::RandomBytes(32);
    std::copy(b.begin(), b.end(), throwaway.begin());
    s->box_.emplace(throwaway);
  }
  auth::AuthOptions o;
  UserSession* self = s.get();
  s->auth_ = std::make_unique<auth::Authenticator>(
      [self](const auth::DbFn& fn) {
        std::lock_guard lock(self->mu_);
        return fn(*self->db_);
      },
      s->clock_, *s->box_, o);
  if (auto loaded = s->auth_->Load(); !loaded) {
    std::fprintf(stderr, "nightjar user: %s\n", loaded.error().ToString().c_str());
    return nullptr;
  }
  return s;
}

http::Request UserSession::Caller(const std::string& as) {
  http::Request r;
  r.remote = "cli";
  auth::AuthPrincipal::Init init{.username = "cli", .role = auth::Role::kAdmin};
  if (!as.empty()) {
    auto snap = auth_->snapshot();
    if (auto it = snap->user_ids.find(as); it != snap->user_ids.end()) {
      const db::UserRow& u = snap->users.at(it->second);
      init = {.user_id = u.id, .username = u.username, .role = u.role};
    }
  }
  r.principal = std::make_shared<auth::AuthPrincipal>(std::move(init));
  return r;
}

int Fail(const char* cmd, const Error& e) {
  std::fprintf(stderr, "nightjar %s: %s\n", cmd, e.message().c_str());
  switch (e.code()) {
    case ErrorCode::kInvalidArgument:
      return kExitUsage;
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kFailedPrecondition:
      return 3;
    default:
      return kExitNotFound;
  }
}

namespace {

std::optional<std::string> ReadHidden(const char* prompt) {
  std::fprintf(stderr, "%s", prompt);
  termios old{};
  const bool tty = ::tcgetattr(STDIN_FILENO, &old) == 0;
  if (tty) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  const bool ok = static_cast<bool>(std::getline(std::cin, line));
  if (tty) {
    ::tcsetattr(STDIN_FILENO, TCSANOW, &old);
    std::fprintf(stderr, "\n");
  }
  if (!ok) return std::nullopt;
  return line;
}

}  // namespace

std::optional<std::string> ReadLine(const char* prompt) {
  if (::isatty(STDIN_FILENO)) std::fprintf(stderr, "%s", prompt);
  std::string line;
  if (!std::getline(std::cin, line)) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

std::optional<std::string> ReadNewPassword(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (!::isatty(STDIN_FILENO)) {
    auto line = ReadLine("");
    if (!line || line->empty()) {
      std::fprintf(stderr, "nightjar user: no password on standard input\n");
      return std::nullopt;
    }
    return line;
  }
  auto first = ReadHidden("New password: ");
  auto second = ReadHidden("Again: ");
  if (!first || !second || *first != *second) {
    std::fprintf(stderr, "nightjar user: the passwords differ\n");
    return std::nullopt;
  }
  return first;
}

}  // namespace nightjar::cli
