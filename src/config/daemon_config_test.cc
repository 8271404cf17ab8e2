#include "config/daemon_config.h"

#include <gtest/gtest.h>

namespace nightjar::config {
namespace {

TEST(DaemonConfig, SeedExampleAndOurCameraKeys) {
  auto c = ParseDaemonConfig(R"([storage]
base_path = "/var/lib/nightjar"
chunk_size_mb = 512
max_pools = 20
segment_duration_secs = 60
writer_queue_size = 64

[api]
enabled = true
port = 8080

[[cameras]]
id = "cam1"
name = "Front Door \u00e9 café"  # café
url = "rtsp://admin:password@192.168.1.100:554/stream1"
max_reconnect_attempts = 0

[[cameras]]
id = "cam2"
url = "rtsp://h/main"
sub_url = "rtsp://h/sub"
transport = "udp"
record = false
retain_days = 3
)",
                             "nightjar.toml");
  ASSERT_TRUE(c) << c.error().ToString();
  ASSERT_EQ(c->cameras.size(), 2u);
  EXPECT_EQ(c->total_budget_bytes, int64_t{512} * 20 << 20);
  EXPECT_EQ(c->cameras[0].name, "Front Door \u00e9 caf\u00e9");
  EXPECT_EQ(c->cameras[1].name, "cam2");
  EXPECT_EQ(c->cameras[1].transport, Transport::kUdp);
  EXPECT_FALSE(c->cameras[1].record);
  EXPECT_EQ(c->cameras[1].retain_days, 3);
  EXPECT_EQ(c->cameras[1].sub_url, "rtsp://h/sub");
}

// Errors name the file, line and key, as the API names the field, from the same table.
TEST(DaemonConfig, AuthenticationKeys) {
  auto defaults = ParseDaemonConfig("", "n.toml");
  ASSERT_TRUE(defaults.has_value());
  EXPECT_TRUE(defaults->auth);
  EXPECT_EQ(defaults->session_idle_days, 7);
  EXPECT_EQ(defaults->session_max_days, 30);
  EXPECT_TRUE(defaults->metrics_token.empty());
  auto c = ParseDaemonConfig(R"([api]
listen = "127.0.0.1"
auth = false
session_idle_days = 1
session_max_days = 2
audit_retain_days = 90
require_totp_for_admins = true
metrics_token = "0123456789abcdef"
)",
                             "n.toml");
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  EXPECT_FALSE(c->auth);
  EXPECT_EQ(c->session_idle_days, 1);
  EXPECT_EQ(c->session_max_days, 2);
  EXPECT_EQ(c->audit_retain_days, 90);
  EXPECT_TRUE(c->require_totp_for_admins);
  EXPECT_EQ(c->metrics_token, "0123456789abcdef");
  auto short_token = ParseDaemonConfig("[api]\nmetrics_token = \"short\"\n", "n.toml");
  ASSERT_FALSE(short_token.has_value());
  EXPECT_NE(short_token.error().message().find("n.toml:2: api.metrics_token: 16 to 128"),
            std::string::npos)
      << short_token.error().message();
  EXPECT_FALSE(ParseDaemonConfig("[api]\nsession_idle_days = 0\n", "n.toml").has_value());
}

TEST(DaemonConfig, CameraErrorsNameLineAndKey) {
  struct Case {
    const char* text;
    const char* want;
  } cases[] = {
      {"[[cameras]]\nid = \"c\"\nurl = \"rtsp://h/\"\nretain_days = 0\n",
       "f.toml:4: cameras[0].retain_days: must be between 1 and 36500"},
      {"[[cameras]]\nid = \"c\"\nurl = \"rtsp://h/\"\nrecord = 1\n",
       "f.toml:4: cameras[0].record: expected true or false"},
      {"[[cameras]]\nid = \"c\"\nurl = \"rtsp://h/\"\ncolour = \"red\"\n",
       "f.toml:4: cameras[0].colour: unknown key"},
      {"[[cameras]]\nid = \"c\"\nurl = \"rtsp://h/\"\nname = [1]\n",
       "f.toml:4: cameras[0].name: expected a string"},
      {"\n[[cameras]]\nurl = \"rtsp://h/\"\n", "f.toml:2: cameras[0].id: every camera needs an id"},
      {"[[cameras]]\nid = \"a/b\"\nurl = \"rtsp://h/\"\n", "f.toml:2: cameras[0].id: expected"},
      // toml++ 3.3 has undefined behaviour on some of these outside strings (config_fuzz).
      {"[\xc9\xbf", "f.toml:1: non-ASCII text is accepted only"},
      {"a = \"\"\"\"\"\"\"\xd1\x8b\n",
       "f.toml:1: non-ASCII text is not accepted in a file with a multi-line"},
      {"a =2'''x\xef\xba\xbf\n'''\n",
       "f.toml:1: non-ASCII text is not accepted in a file with a multi-line"},
      {"# caf\xc3\xa9\n[storage]\nbase_path = 'x' \xc3\xa9\n",
       "f.toml:3: non-ASCII text is accepted only"},
      // A "comment line" inside a multi-line string, a backslash before U+032B (config_fuzz).
      {"\"\"\"sep\n2[]e_\\t\\\"tp\n#N]e_\\\xcc\xab\"\"\x01",
       "f.toml:3: non-ASCII text is not accepted in a file with a multi-line string"},
      {"a = '''x\n# caf\xc3\xa9\n'''\n", "f.toml:2: non-ASCII text is not accepted"},
  };
  for (const auto& k : cases) {
    auto c = ParseDaemonConfig(k.text, "f.toml");
    ASSERT_FALSE(c) << k.text;
    EXPECT_NE(c.error().message().find(k.want), std::string::npos)
        << c.error().message() << " / want " << k.want;
  }
}

}  // namespace
}  // namespace nightjar::config
