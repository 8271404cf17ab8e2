// What the `nightjar user` and `nightjar audit` subcommands share: the data directory's database
// opened for small edits (db::OpenMode::kEdit: works while `nightjar run` records; the daemon
// notices the change within about a second) behind an auth::Authenticator, so the CLI applies
// the same checks and writes the same audit entries as the API, acting as the admin "cli".
#ifndef NIGHTJAR_CLI_USER_SESSION_H_
#define NIGHTJAR_CLI_USER_SESSION_H_

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "auth/authenticator.h"
#include "base/clock.h"
#include "cli/data_dir.h"
#include "db/database.h"
#include "http/message.h"

namespace nightjar::cli {

class UserSession {
 public:
  // Opens <data>/nightjar.db (creating it when missing). `need_box`: the data directory's
  // secret.key is required (TOTP secrets are sealed with it); without it a throwaway key is
  // used for commands that seal nothing. Errors are printed as "nightjar user: ...".
  static std::unique_ptr<UserSession> Open(const DataDirOptions& dir, bool need_box);

  auth::Authenticator& auth() { return *auth_; }
  db::Database& db() { return *db_; }
  // A request acting as the admin "cli" (source "cli"), or as user `as` when given.
  http::Request Caller(const std::string& as = "");

 private:
  UserSession() = default;
  RealClock clock_;
  std::mutex mu_;
  std::unique_ptr<db::Database> db_;
  std::optional<config::SecretBox> box_;
  std::unique_ptr<auth::Authenticator> auth_;
};

// Prints "nightjar <cmd>: <message>" and returns the exit code for the error's kind.
int Fail(const char* cmd, const Error& e);
// A new password: the flag's value, else two prompts without echo on a terminal, else one line
// of standard input. nullopt (after printing why) when none was given or the two differ.
std::optional<std::string> ReadNewPassword(const std::string& flag);
// One line from the terminal (echoed) or standard input; nullopt at end of input.
std::optional<std::string> ReadLine(const char* prompt);

}  // namespace nightjar::cli

#endif  // NIGHTJAR_CLI_USER_SESSION_H_
