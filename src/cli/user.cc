// `nightjar user add|list|passwd|del|grant|revoke|apikey|totp ...` [--data DIR | --config F]:
// users, their per-camera rights, API keys and TOTP, offline on the data directory (also while
// `nightjar run` uses it: the daemon picks the change up within about a second). Every change
// is checked as the API checks it and written to the audit log with the actor "cli".
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "auth/principal.h"
#include "auth/totp.h"
#include "cli/commands.h"
#include "cli/user_session.h"

namespace nightjar::cli {
namespace {

using nlohmann::json;

struct UserOptions {
  DataDirOptions dir;
  std::string action;
  std::string name, camera, role, password, rights = "live,recordings", key_name, cameras;
  int64_t expires_days = 0;
  bool disable = false, json_out = false;
};

std::vector<std::string> SplitComma(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string part; std::getline(ss, part, ',');) {
    if (!part.empty()) out.push_back(part);
  }
  return out;
}

int List(UserSession& s, const UserOptions& o) {
  auto users = s.auth().ListUsers(s.Caller());
  if (!users) return Fail("user list", users.error());
  if (o.json_out) {
    std::printf("%s\n", users->dump(2).c_str());
    return kExitOk;
  }
  std::printf("%-24s %-9s %-5s %s\n", "USER", "ROLE", "TOTP", "CAMERAS");
  for (const auto& u : *users) {
    std::string cams;
    for (const auto& [cam, rights] : u["cameras"].items()) {
      cams += (cams.empty() ? "" : " ") + cam + "=" + rights.get<std::string>();
    }
    if (cams.empty()) cams = u["role"] == "viewer" ? "-" : "all";
    std::printf("%-24s %-9s %-5s %s\n", u["name"].get<std::string>().c_str(),
                u["role"].get<std::string>().c_str(), u["totp"].get<bool>() ? "yes" : "no",
                cams.c_str());
  }
  return kExitOk;
}

int Totp(UserSession& s, const UserOptions& o) {
  const http::Request as = s.Caller(o.name);
  if (!as.principal || as.principal->name() != o.name) {
    return Fail("user totp", Error(ErrorCode::kNotFound, "no user \"" + o.name + "\""));
  }
  if (o.disable) {
    if (auto r = s.auth().DisableTotp(as); !r) return Fail("user totp", r.error());
    std::printf("TOTP is off for %s\n", o.name.c_str());
    return kExitOk;
  }
  auto begun = s.auth().BeginTotp(as);
  if (!begun) return Fail("user totp", begun.error());
  std::printf("secret: %s\nuri: %s\n", (*begun)["secret"].get<std::string>().c_str(),
              (*begun)["uri"].get<std::string>().c_str());
  auto code = ReadLine("Code from the authenticator app: ");
  if (!code) {
    std::printf("not confirmed: run this again to enrol\n");
    return kExitUsage;
  }
  auto confirmed = s.auth().ConfirmTotp(as, *code);
  if (!confirmed) return Fail("user totp", confirmed.error());
  std::printf("TOTP is on for %s. Recovery codes (each works once; keep them safe):\n",
              o.name.c_str());
  for (const auto& c : (*confirmed)["recovery_codes"]) {
    std::printf("  %s\n", c.get<std::string>().c_str());
  }
  return kExitOk;
}

int RunUser(const UserOptions& o) {
  auto s = UserSession::Open(o.dir, o.action == "totp" && !o.disable);
  if (!s) return kExitNotFound;
  const http::Request cli = s->Caller();
  auto& a = s->auth();
  if (o.action == "list") return List(*s, o);
  if (o.action == "add" || o.action == "passwd") {
    auto password = ReadNewPassword(o.password);
    if (!password) return kExitUsage;
    if (o.action == "add") {
      auto r = a.AddUser(cli, o.name, o.role.empty() ? "viewer" : o.role, *password);
      if (!r) return Fail("user add", r.error());
      std::printf("added %s (%s)\n", o.name.c_str(), o.role.empty() ? "viewer" : o.role.c_str());
      return kExitOk;
    }
    auto r = a.ChangeUser(cli, o.name, {std::nullopt, *password});
    if (!r) return Fail("user passwd", r.error());
    std::printf("changed the password of %s (its sessions ended)\n", o.name.c_str());
    return kExitOk;
  }
  if (o.action == "role") {
    auto r = a.ChangeUser(cli, o.name, {o.role, std::nullopt});
    return r ? kExitOk : Fail("user role", r.error());
  }
  if (o.action == "del") {
    auto r = a.DeleteUser(cli, o.name);
    return r ? kExitOk : Fail("user del", r.error());
  }
  if (o.action == "grant") {
    auto r = a.PutGrant(cli, o.name, o.camera, SplitComma(o.rights));
    return r ? kExitOk : Fail("user grant", r.error());
  }
  if (o.action == "revoke") {
    auto r = a.DeleteGrant(cli, o.name, o.camera);
    return r ? kExitOk : Fail("user revoke", r.error());
  }
  if (o.action == "apikey") {
    http::ApiKeyRequest k{.user = o.name, .name = o.key_name};
    if (!o.role.empty()) k.role = o.role;
    if (!o.cameras.empty()) k.cameras = SplitComma(o.cameras);
    if (o.expires_days > 0) k.expires_days = o.expires_days;
    auto r = a.CreateApiKey(cli, k);
    if (!r) return Fail("user apikey", r.error());
    // The key is shown here once: only its hash is stored.
    std::printf("%s\n", (*r)["key"].get<std::string>().c_str());
    std::fprintf(stderr, "API key %lld for %s (role %s); it is shown only now\n",
                 static_cast<long long>((*r)["id"].get<int64_t>()), o.name.c_str(),
                 (*r)["role"].get<std::string>().c_str());
    return kExitOk;
  }
  if (o.action == "totp") return Totp(*s, o);
  return kExitUsage;
}

}  // namespace

Command RegisterUser(CLI::App& app) {
  auto o = std::make_shared<UserOptions>();
  app.require_subcommand(1);
  auto sub = [&](const char* name, const char* help) {
    CLI::App* c = app.add_subcommand(name, help);
    AddDataDirOptions(*c, o->dir);
    c->callback([o, name] { o->action = name; });
    return c;
  };
  auto* add = sub("add", "Add a user (password: --password, else prompted, else one stdin line)");
  add->add_option("name", o->name, "Username (letters, digits, . _ -)")->required();
  add->add_option("--role", o->role, "admin, operator or viewer (default viewer)");
  add->add_option("--password", o->password, "The password (visible to ps: prefer the prompt)");
  auto* list = sub("list", "List users, roles and camera rights");
  list->add_flag("--json", o->json_out, "JSON output");
  auto* passwd = sub("passwd", "Set a user's password (ends its sessions)");
  passwd->add_option("name", o->name)->required();
  passwd->add_option("--password", o->password, "The password (visible to ps)");
  auto* role = sub("role", "Change a user's role");
  role->add_option("name", o->name)->required();
  role->add_option("role", o->role, "admin, operator or viewer")->required();
  auto* del = sub("del", "Delete a user with its sessions, rights and keys");
  del->add_option("name", o->name)->required();
  auto* grant = sub("grant", "Give a user rights on a camera");
  grant->add_option("name", o->name)->required();
  grant->add_option("camera", o->camera)->required();
  grant->add_option("--rights", o->rights, "live,recordings,export,ptz (default live,recordings)");
  auto* revoke = sub("revoke", "Remove a user's rights on a camera");
  revoke->add_option("name", o->name)->required();
  revoke->add_option("camera", o->camera)->required();
  auto* key = sub("apikey", "Make an API key for a user (printed once)");
  key->add_option("name", o->name)->required();
  key->add_option("--name", o->key_name, "What the key is for");
  key->add_option("--role", o->role, "At most the user's role (default the user's)");
  key->add_option("--cameras", o->cameras, "Limit the key to these cameras (a,b)");
  key->add_option("--expires", o->expires_days, "Days until it expires (default never)");
  auto* totp = sub("totp", "Enrol a user in TOTP (asks for a code), or --disable");
  totp->add_option("name", o->name)->required();
  totp->add_flag("--disable", o->disable, "Turn TOTP off");
  return [o] { return RunUser(*o); };
}

}  // namespace nightjar::cli
