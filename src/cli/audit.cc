// `nightjar audit [--since T] [--until T] [--action A] [--limit N] [--json]`: the audit log,
// newest first, read-only (works while `nightjar run` records).
#include <cstdio>
#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/time.h"
#include "cli/commands.h"
#include "cli/data_dir.h"
#include "db/database.h"

namespace nightjar::cli {
namespace {

struct AuditOptions {
  DataDirOptions dir;
  std::string since, until, action;
  int64_t limit = 100;
  bool json_out = false;
};

// Entries may hold text from requests (a camera id of a query): no control characters reach the
// terminal.
std::string Printable(std::string s) {
  for (char& c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return s;
}

int RunAudit(const AuditOptions& o) {
  db::AuditQuery q{.action = o.action, .limit = o.limit};
  for (auto [text, out] : {std::pair{&o.since, &q.from}, std::pair{&o.until, &q.to}}) {
    if (text->empty()) continue;
    auto t = ParseTime(*text);
    if (!t) {
      std::fprintf(stderr, "nightjar audit: %s\n", t.error().message().c_str());
      return kExitUsage;
    }
    *out = *t;
  }
  auto data = ResolveDataDir(o.dir);
  if (!data) {
    std::fprintf(stderr, "nightjar audit: %s\n", data.error().message().c_str());
    return kExitUsage;
  }
  RealClock clock;
  auto d = db::Database::Open(*data + "/nightjar.db", db::OpenMode::kReadOnly, clock);
  if (!d) {
    std::fprintf(stderr, "nightjar audit: %s\n", d.error().ToString().c_str());
    return kExitNotFound;
  }
  auto rows = (*d)->ListAudit(q);
  if (!rows) {
    std::fprintf(stderr, "nightjar audit: %s\n", rows.error().ToString().c_str());
    return kExitNotFound;
  }
  nlohmann::json all = nlohmann::json::array();
  for (const auto& r : *rows) {
    if (o.json_out) {
      nlohmann::json details = nlohmann::json::parse(r.details_json, nullptr, false);
      all.push_back({{"id", r.id},
                     {"time", FormatTimeLocal(r.time, 3)},
                     {"time_90k", r.time.ticks()},
                     {"actor", r.actor},
                     {"source", r.source},
                     {"action", r.action},
                     {"target", r.target},
                     {"details", details.is_discarded() ? nlohmann::json::object() : details}});
    } else {
      std::printf("%s  %-16s %-20s %-15s %-16s %s\n", FormatTimeLocal(r.time, 0).c_str(),
                  Printable(r.action).c_str(), Printable(r.actor).c_str(),
                  Printable(r.source).c_str(), Printable(r.target).c_str(),
                  Printable(r.details_json).c_str());
    }
  }
  if (o.json_out) std::printf("%s\n", all.dump(2).c_str());
  return kExitOk;
}

}  // namespace

Command RegisterAudit(CLI::App& app) {
  auto o = std::make_shared<AuditOptions>();
  AddDataDirOptions(app, o->dir);
  app.add_option("--since", o->since, "Entries from this time");
  app.add_option("--until", o->until, "Entries before this time");
  app.add_option("--action", o->action, "Only this action (login_failed, user_add, ...)");
  app.add_option("--limit", o->limit, "At most this many (default 100, at most 1000)");
  app.add_flag("--json", o->json_out, "JSON output");
  return [o] { return RunAudit(*o); };
}

}  // namespace nightjar::cli
