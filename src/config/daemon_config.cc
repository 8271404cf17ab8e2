#include "config/daemon_config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <regex>
#include <set>

#include "base/fs.h"
#include "base/strings.h"

namespace nightjar::config {

namespace {

// Reads one TOML table, remembering which keys were used so the rest can be refused, and
// turning every problem into "file:line: table.key: message".
class TableReader {
 public:
  TableReader(const toml::table& table, std::string path, std::string file)
      : table_(table), path_(std::move(path)), file_(std::move(file)) {}

  Error Fail(const toml::node* node, const std::string& key, const std::string& message) const {
    const int line = node ? static_cast<int>(node->source().begin.line)
                          : static_cast<int>(table_.source().begin.line);
    return Error(ErrorCode::kInvalidArgument,
                 file_ + ":" + std::to_string(line) + ": " + Name(key) + ": " + message);
  }

  template <typename T>
  Result<std::optional<T>> Get(const std::string& key, const char* type_name) {
    used_.insert(key);
    const toml::node* node = table_.get(key);
    if (!node) return std::optional<T>();
    auto v = node->value<T>();
    if (!v) return std::unexpected(Fail(node, key, std::string("expected ") + type_name));
    return std::optional<T>(*v);
  }
  Result<std::optional<std::string>> String(const std::string& key) {
    return Get<std::string>(key, "a string");
  }
  Result<std::optional<int64_t>> Int(const std::string& key, int64_t min, int64_t max) {
    NJ_TRY(auto v, Get<int64_t>(key, "an integer"));
    if (v && (*v < min || *v > max)) {
      return std::unexpected(
          Fail(table_.get(key), key,
               "must be between " + std::to_string(min) + " and " + std::to_string(max)));
    }
    return v;
  }
  Result<std::optional<bool>> Bool(const std::string& key) {
    return Get<bool>(key, "true or false");
  }

  // Refuses keys nobody asked for.
  Result<void> CheckUnknown() const {
    for (const auto& [k, node] : table_) {
      const std::string key(k.str());
      if (!used_.contains(key)) return std::unexpected(Fail(&node, key, "unknown key"));
    }
    return Ok();
  }
  void MarkUsed(const std::string& key) { used_.insert(key); }
  const toml::table& table() const { return table_; }
  std::string Name(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

 private:
  const toml::table& table_;
  std::string path_, file_;
  std::set<std::string> used_;
};

constexpr int64_t kMiB = 1 << 20;

Result<void> ReadStorage(TableReader& r, DaemonConfig& c) {
  NJ_TRY(auto base, r.String("base_path"));
  if (base) c.base_path = *base;
  NJ_TRY(auto chunk_mb, r.Int("chunk_size_mb", 1, int64_t{1} << 30));
  NJ_TRY(auto pools, r.Int("max_pools", 1, int64_t{1} << 20));
  // The seed's ring is max_pools files of chunk_size_mb: read as the total byte budget.
  if (chunk_mb || pools) c.total_budget_bytes = chunk_mb.value_or(512) * kMiB * pools.value_or(20);
  NJ_TRY(auto budget_gb, r.Int("budget_gb", 1, int64_t{1} << 24));
  if (budget_gb) c.total_budget_bytes = *budget_gb * 1024 * kMiB;
  NJ_TRY(auto seg, r.Int("segment_duration_secs", 5, 3600));
  if (seg) c.segment_duration = Duration90k::FromSeconds(*seg);
  NJ_TRY(auto queue, r.Int("writer_queue_size", 4, 65536));
  if (queue) c.writer_queue_bytes = static_cast<size_t>(*queue) * 256 * 1024;
  NJ_TRY(auto cp, r.Int("checkpoint_secs", 1, 600));
  if (cp) c.checkpoint = Duration90k::FromSeconds(*cp);
  NJ_TRY(auto free_mb, r.Int("min_free_mb", 0, int64_t{1} << 40));
  if (free_mb) c.min_free_bytes = *free_mb * kMiB;
  if (const toml::node* dirs = r.table().get("dirs")) {
    const toml::array* a = dirs->as_array();
    if (!a) return std::unexpected(r.Fail(dirs, "dirs", "expected an array of paths"));
    for (const toml::node& d : *a) {
      auto s = d.value<std::string>();
      if (!s || s->empty()) return std::unexpected(r.Fail(&d, "dirs", "expected a path string"));
      c.dirs.push_back(*s);
    }
  }
  r.MarkUsed("dirs");
  return r.CheckUnknown();
}

Result<void> ReadApi(TableReader& r, DaemonConfig& c) {
  NJ_TRY(auto enabled, r.Bool("enabled"));
  if (enabled) c.api_enabled = *enabled;
  NJ_TRY(auto port, r.Int("port", 0, 65535));
  if (port) c.port = static_cast<uint16_t>(*port);
  NJ_TRY(auto listen, r.String("listen"));
  if (listen) {
    // "addr" or "addr:port" (the port then wins over `port`); "[v6]:port" for IPv6.
    std::string l = *listen;
    std::optional<std::string> port_text;
    if (l.starts_with("[")) {
      const auto close = l.find(']');
      if (close == std::string::npos) {
        return std::unexpected(r.Fail(r.table().get("listen"), "listen", "unclosed '['"));
      }
      if (close + 1 < l.size() && l[close + 1] == ':') port_text = l.substr(close + 2);
      l = l.substr(1, close - 1);
    } else if (std::count(l.begin(), l.end(), ':') == 1) {
      port_text = l.substr(l.find(':') + 1);
      l = l.substr(0, l.find(':'));
    }
    if (port_text) {
      auto p = ParseInt64(*port_text, 0, 65535);
      if (!p) return std::unexpected(r.Fail(r.table().get("listen"), "listen", "bad port"));
      c.port = static_cast<uint16_t>(*p);
    }
    c.listen = l;
  }
  NJ_TRY(auto cert, r.String("tls_cert"));
  NJ_TRY(auto key, r.String("tls_key"));
  if (cert.has_value() != key.has_value()) {
    return std::unexpected(r.Fail(nullptr, "tls_cert", "tls_cert and tls_key go together"));
  }
  c.tls_cert = cert.value_or("");
  c.tls_key = key.value_or("");
  NJ_TRY(auto web_dir, r.String("web_dir"));
  if (web_dir) c.web_dir = *web_dir;
  NJ_TRY(auto auth, r.Bool("auth"));
  if (auth) c.auth = *auth;
  NJ_TRY(auto idle, r.Int("session_idle_days", 1, 3650));
  if (idle) c.session_idle_days = *idle;
  NJ_TRY(auto max_days, r.Int("session_max_days", 1, 3650));
  if (max_days) c.session_max_days = *max_days;
  NJ_TRY(auto audit_days, r.Int("audit_retain_days", 1, 36500));
  if (audit_days) c.audit_retain_days = *audit_days;
  NJ_TRY(auto totp, r.Bool("require_totp_for_admins"));
  if (totp) c.require_totp_for_admins = *totp;
  NJ_TRY(auto token, r.String("metrics_token"));
  if (token) {
    if (token->size() < 16 || token->size() > 128) {
      return std::unexpected(
          r.Fail(r.table().get("metrics_token"), "metrics_token", "16 to 128 characters"));
    }
    c.metrics_token = *token;
  }
  return r.CheckUnknown();
}

// One [[cameras]] table, field by field through the camera codec (camera_config.h), so the
// file accepts exactly what the API and the database do.
Result<CameraConfig> ReadCamera(TableReader& r) {
  CameraConfig cam;
  for (const auto& [k, node] : r.table()) {
    const std::string key(k.str());
    r.MarkUsed(key);
    FieldValue v = nullptr;
    if (auto str = node.value_exact<std::string>()) {
      v = *str;
    } else if (auto b = node.value_exact<bool>()) {
      v = *b;
    } else if (auto i = node.value_exact<int64_t>()) {
      v = *i;
    } else {  // a table, an array, a float or a date: no camera field is one
      CameraConfig probe;
      auto known = SetField(probe, key, nullptr);
      const bool unknown = !known && known.error().message() == "unknown key";
      return std::unexpected(r.Fail(
          &node, key, unknown ? "unknown key" : "expected a string, an integer, true or false"));
    }
    if (auto ok = SetField(cam, key, v); !ok) {
      return std::unexpected(r.Fail(&node, key, ok.error().message()));
    }
  }
  for (std::string_view key : RequiredFields()) {
    if (!r.table().get(key)) {
      const std::string name(key);
      return std::unexpected(r.Fail(
          nullptr, name, "every camera needs " + std::string(name == "id" ? "an " : "a ") + name));
    }
  }
  if (cam.name.empty()) cam.name = cam.id;
  return cam;
}

// Refuses non-ASCII text anywhere but in a comment line or in the strings of a simple one-line
// `key = "string"` / `key = ["a", "b"]` (with an optional trailing comment), before toml++ sees
// it. Debian 12's toml++ 3.3 reaches __builtin_unreachable (undefined behaviour) when it asks
// whether some non-ASCII characters (U+00A1..U+0499 and others) are whitespace, which it does
// wherever it is not inside a string or comment; its idea of where those are in a malformed
// file is its own (config_fuzz found several disagreements with a lexer), so non-ASCII is only
// let through on lines whose structure leaves no doubt. A multi-line string (""" or ''') makes
// the meaning of the lines after it depend on where it ends (a "comment line" inside one is string
// text, where toml++ asks the same question after a backslash: config_fuzz), so a file holding
// one must be ASCII. Camera names, paths and passwords in any script still work; a mistyped file
// gets an error instead of a crash.
Result<void> CheckNonAscii(std::string_view text, const std::string& path) {
  static const std::regex kSafeLine(
      R"(^[ \t]*(#.*|[A-Za-z0-9_-]+[ \t]*=[ \t]*()"
      R"(("([^"\\]|\\.)*"|'[^']*')|)"
      R"(\[[ \t]*(("([^"\\]|\\.)*"|'[^']*')[ \t]*(,[ \t]*("([^"\\]|\\.)*"|'[^']*')[ \t]*)*)?\])"
      R"()[ \t]*(#.*)?)\r?$)");
  const bool multiline_string = text.find(R"(""")") != std::string_view::npos ||
                                text.find(R"(''')") != std::string_view::npos;
  int line = 0;
  for (std::string_view rest = text; !rest.empty();) {
    line++;
    const size_t nl = rest.find('\n');
    const std::string_view l = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    const bool ascii = std::all_of(l.begin(), l.end(),
                                   [](char ch) { return static_cast<unsigned char>(ch) < 0x80; });
    if (ascii) continue;
    // (The length bound keeps std::regex, which recurses per character, off deep stacks.)
    if (multiline_string) {
      return Err(ErrorCode::kInvalidArgument,
                 path + ":" + std::to_string(line) +
                     R"(: non-ASCII text is not accepted in a file with a multi-line string)");
    }
    if (l.size() > 4096 || !std::regex_match(l.begin(), l.end(), kSafeLine)) {
      return Err(ErrorCode::kInvalidArgument,
                 path + ":" + std::to_string(line) +
                     ": non-ASCII text is accepted only in comments and in the quoted strings of "
                     "a one-line `key = \"value\"`");
    }
  }
  return Ok();
}

}  // namespace

std::string DefaultWebDir() { return NIGHTJAR_DEFAULT_WEB_DIR; }

Result<DaemonConfig> ParseDaemonConfig(const std::string& text, const std::string& path) {
  NJ_CHECK_OK(CheckNonAscii(text, path));
  toml::table root;
  try {  // Debian's toml++ reports errors by exception: converted here, at the adapter
    root = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    return Err(ErrorCode::kInvalidArgument, path + ":" + std::to_string(e.source().begin.line) +
                                                ": " + std::string(e.description()));
  }
  DaemonConfig c;
  TableReader top(root, "", path);
  auto section = [&](const char* name, auto read) -> Result<void> {
    top.MarkUsed(name);
    const toml::node* node = root.get(name);
    if (!node) return Ok();
    const toml::table* t = node->as_table();
    if (!t)
      return std::unexpected(top.Fail(node, name, "expected a table [" + std::string(name) + "]"));
    TableReader r(*t, name, path);
    return read(r, c);
  };
  NJ_CHECK_OK(section("storage", ReadStorage));
  NJ_CHECK_OK(section("api", ReadApi));
  NJ_CHECK_OK(section("log", [](TableReader& r, DaemonConfig& c) -> Result<void> {
    NJ_TRY(auto level, r.String("level"));
    if (level) c.log_level = *level;
    NJ_TRY(auto json, r.Bool("json"));
    if (json) c.log_json = *json;
    return r.CheckUnknown();
  }));
  NJ_CHECK_OK(section("ingest", [](TableReader& r, DaemonConfig& c) -> Result<void> {
    NJ_TRY(auto threads, r.Int("io_threads", 1, 64));
    if (threads) c.io_threads = static_cast<int>(*threads);
    NJ_TRY(auto timeout, r.Int("rtsp_timeout_secs", 1, 300));
    if (timeout) c.rtsp_timeout_secs = static_cast<int>(*timeout);
    return r.CheckUnknown();
  }));
  top.MarkUsed("cameras");
  if (const toml::node* cams = root.get("cameras")) {
    const toml::array* a = cams->as_array();
    if (!a) return std::unexpected(top.Fail(cams, "cameras", "expected [[cameras]] tables"));
    std::set<std::string> ids;
    for (size_t i = 0; i < a->size(); ++i) {
      const toml::table* t = (*a)[i].as_table();
      const std::string name = "cameras[" + std::to_string(i) + "]";
      if (!t) return std::unexpected(top.Fail(&(*a)[i], name, "expected a table"));
      TableReader r(*t, name, path);
      NJ_TRY(CameraConfig cam, ReadCamera(r));
      if (!ids.insert(cam.id).second) {
        return std::unexpected(r.Fail(t->get("id"), "id", "duplicate camera id " + cam.id));
      }
      c.cameras.push_back(std::move(cam));
    }
  }
  NJ_CHECK_OK(top.CheckUnknown());
  return c;
}

Result<DaemonConfig> LoadDaemonConfig(const std::string& path) {
  PosixFs fs;
  auto text = ReadFileToString(fs, path, 1 << 20);
  if (!text) return Err(text.error().code(), "cannot read " + path + ": " + text.error().message());
  return ParseDaemonConfig(*text, path);
}

}  // namespace nightjar::config
