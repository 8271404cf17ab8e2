// The client over real loopback connections: against our own server (plain and TLS), against a
// listener that never answers, and against Python's http.server wrapped in TLS, a peer nobody
// here wrote.
#include "http/client.h"

#include <gtest/gtest.h>

#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "http/client_async.h"
#include "http/test_client.h"
#include "testutil/temp_dir.h"

extern char** environ;

namespace nightjar::http {
namespace {

namespace asio = boost::asio;
using httptest::TestServer;

// The body of unknown length: `pieces` pieces "piece<i>;", failing after `fail_after` if set.
class Pieces : public StreamSource {
 public:
  Pieces(int pieces, int fail_after) : pieces_(pieces), fail_after_(fail_after) {}
  Result<void> Next(std::vector<uint8_t>* out) override {
    if (next_ == fail_after_) return Err(ErrorCode::kIo, "disk on fire");
    if (next_ == pieces_) return Ok();
    const std::string p = "piece" + std::to_string(next_++) + ";";
    out->assign(p.begin(), p.end());
    return Ok();
  }

 private:
  int pieces_, fail_after_, next_ = 0;
};

Response Redirect(int status, std::string location) {
  Response r = Response::Text(status, "");
  r.headers.emplace_back("Location", std::move(location));
  return r;
}

Router MakeRouter() {
  Router r;
  r.Add(Method::kGet, "/hello", [](const Request& req) {
    return Response::Text(200, "hello " + std::string(req.Query("name").value_or("world")));
  });
  r.Add(Method::kPost, "/echo", [](const Request& req) {
    return Response::Json(200, {{"got", nlohmann::json::parse(req.body, nullptr, false)},
                                {"content_type", req.headers.Get("Content-Type").value_or("")}});
  });
  r.Add(Method::kGet, "/headers", [](const Request& req) {
    Response res = Response::Json(200, {{"x_test", req.headers.Get("X-Test").value_or("")},
                                        {"user_agent", req.headers.Get("User-Agent").value_or("")},
                                        {"host", req.headers.Get("Host").value_or("")}});
    res.headers.emplace_back("X-Reply", "yes");
    return res;
  });
  r.Add(Method::kGet, "/redirect/{n}", [](const Request& req) {
    const int n = std::stoi(req.Param("n"));
    if (n == 0) return Response::Text(200, "arrived");
    return Redirect(302, "/redirect/" + std::to_string(n - 1));
  });
  // A relative Location; 303 turns the POST into a GET.
  r.Add(Method::kPost, "/form", [](const Request&) { return Redirect(303, "hello?name=form"); });
  r.Add(Method::kGet, "/big",
        [](const Request&) { return Response::Text(200, std::string(100000, 'x')); });
  r.Add(Method::kGet, "/bigheader", [](const Request&) {
    Response res = Response::Text(200, "small");
    res.headers.emplace_back("X-Big", std::string(4000, 'h'));
    return res;
  });
  r.Add(Method::kGet, "/chunked", [](const Request& req) {
    Response res;
    res.content_type = "text/plain";
    res.stream = std::make_shared<Pieces>(3, req.Query("fail") ? 2 : -1);
    return res;
  });
  r.Add(Method::kGet, "/downgrade",
        [](const Request&) { return Redirect(302, "http://127.0.0.1:1/hello"); });
  return r;
}

HttpClient MakeClient(ClientOptions o = {}) {
  auto c = HttpClient::Create(std::move(o));
  EXPECT_TRUE(c) << c.error().ToString();
  return std::move(c).value();  // throws (failing the test) on error
}

ErrorCode CodeOf(const Result<ClientResponse>& r) {
  EXPECT_FALSE(r) << "status " << r->status;
  return r ? ErrorCode::kInternal : r.error().code();
}

class ClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<TestServer>(ServerOptions{}, MakeRouter());
    ASSERT_TRUE(server_->Start());
  }
  std::string Url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + std::string(path);
  }
  Result<ClientResponse> Get(std::string_view path, ClientOptions o = {}) const {
    return MakeClient(std::move(o)).Fetch({.url = Url(path)});
  }

  std::unique_ptr<TestServer> server_;
};

TEST_F(ClientTest, Get) {
  auto r = Get("/hello?name=nightjar#fragment");
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello nightjar");
  EXPECT_EQ(r->headers.Get("content-type"), "text/plain");
  EXPECT_EQ(r->url, Url("/hello?name=nightjar"));
}

TEST_F(ClientTest, PostJsonEcho) {
  auto r =
      MakeClient().Fetch(ClientRequest::PostJson(Url("/echo"), {{"camera", "cam1"}, {"n", 3}}));
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->status, 200);
  auto j = r->Json();
  ASSERT_TRUE(j) << r->body;
  EXPECT_EQ((*j)["got"], nlohmann::json({{"camera", "cam1"}, {"n", 3}}));
  EXPECT_EQ((*j)["content_type"], "application/json");
}

TEST_F(ClientTest, SendsAndReceivesHeaders) {
  ClientRequest req{.url = Url("/headers")};
  req.headers.Add("X-Test", "forty two");
  auto r = MakeClient({.user_agent = "nightjar-test/1"}).Fetch(req);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->headers.Get("X-Reply"), "yes");
  auto j = r->Json();
  ASSERT_TRUE(j);
  EXPECT_EQ((*j)["x_test"], "forty two");
  EXPECT_EQ((*j)["user_agent"], "nightjar-test/1");
  EXPECT_EQ((*j)["host"], "127.0.0.1:" + std::to_string(server_->port()));
}

TEST_F(ClientTest, NotFoundIsAResponse) {
  auto r = Get("/nope");
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->status, 404);
  auto j = r->Json();
  ASSERT_TRUE(j);
  EXPECT_EQ((*j)["error"], "not_found");
}

TEST_F(ClientTest, HeadHasNoBody) {
  auto r = MakeClient().Fetch({.method = Method::kHead, .url = Url("/big")});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->headers.Get("Content-Length"), "100000");
  EXPECT_TRUE(r->body.empty());
}

TEST_F(ClientTest, ChunkedBody) {
  auto r = Get("/chunked");
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->headers.Get("Transfer-Encoding"), "chunked");
  EXPECT_EQ(r->body, "piece0;piece1;piece2;");
}

TEST_F(ClientTest, ChunkedBodyOverLimitRefused) {
  EXPECT_EQ(CodeOf(Get("/chunked", {.max_response_body_bytes = 10})), ErrorCode::kMalformed);
}

TEST_F(ClientTest, TruncatedChunkedBodyIsClosed) {
  EXPECT_EQ(CodeOf(Get("/chunked?fail=1")), ErrorCode::kClosed);
}

TEST_F(ClientTest, RedirectReturnedAsIsByDefault) {
  auto r = Get("/redirect/2");
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->status, 302);
  EXPECT_EQ(r->headers.Get("Location"), "/redirect/1");
}

TEST_F(ClientTest, RedirectFollowedWhenAsked) {
  auto r = Get("/redirect/3", {.follow_redirects = true, .max_redirects = 3});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "arrived");
  EXPECT_EQ(r->url, Url("/redirect/0"));
}

TEST_F(ClientTest, RedirectHopLimit) {
  auto r = Get("/redirect/4", {.follow_redirects = true, .max_redirects = 3});
  ASSERT_EQ(CodeOf(r), ErrorCode::kMalformed);
  EXPECT_NE(r.error().message().find("more than 3 redirects"), std::string::npos);
}

TEST_F(ClientTest, SeeOtherTurnsPostIntoGet) {
  ClientRequest req = ClientRequest::PostJson(Url("/form"), {{"a", 1}});
  auto r = MakeClient({.follow_redirects = true}).Fetch(req);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello form");
}

TEST_F(ClientTest, BodyOverLimitRefused) {
  auto r = Get("/big", {.max_response_body_bytes = 1000});
  ASSERT_EQ(CodeOf(r), ErrorCode::kMalformed);
  EXPECT_NE(r.error().message().find("body larger than 1000"), std::string::npos);
  // The same body within the limit.
  auto ok = Get("/big", {.max_response_body_bytes = 100000});
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_EQ(ok->body.size(), 100000u);
}

TEST_F(ClientTest, HeaderOverLimitRefused) {
  auto r = Get("/bigheader", {.max_response_header_bytes = 1024});
  ASSERT_EQ(CodeOf(r), ErrorCode::kMalformed);
  EXPECT_NE(r.error().message().find("header larger than 1024"), std::string::npos);
}

TEST_F(ClientTest, AsyncFetchesShareAnIoContext) {
  asio::io_context io;
  HttpClient client = MakeClient();
  std::optional<Result<ClientResponse>> a, b;
  // (Requests built outside the coroutines: GCC 12 rejects braced json lists inside them.)
  const ClientRequest get{.url = Url("/hello")};
  const ClientRequest post = ClientRequest::PostJson(Url("/echo"), {1, 2});
  asio::co_spawn(
      io, [&]() -> asio::awaitable<void> { a = co_await AsyncFetch(client, get); }, asio::detached);
  asio::co_spawn(
      io, [&]() -> asio::awaitable<void> { b = co_await AsyncFetch(client, post); },
      asio::detached);
  io.run();
  ASSERT_TRUE(a && *a) << (a ? a->error().ToString() : "not run");
  ASSERT_TRUE(b && *b) << (b ? b->error().ToString() : "not run");
  EXPECT_EQ((*a)->body, "hello world");
  EXPECT_EQ((**b).Json().value()["got"], nlohmann::json({1, 2}));
}

// ---- failures before or without a response --------------------------------------------------

// A listener whose connections complete in the kernel's backlog but are never served: the
// client connects and sends, and no byte ever comes back.
class SilentPeer {
 public:
  SilentPeer() : acceptor_(io_, {asio::ip::address_v4::loopback(), 0}) {}
  uint16_t port() const { return acceptor_.local_endpoint().port(); }

 private:
  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_;
};

TEST(ClientFailureTest, SilentServerTimesOut) {
  SilentPeer peer;
  const auto t0 = std::chrono::steady_clock::now();
  auto r = MakeClient({.timeout = std::chrono::milliseconds(300)})
               .Fetch({.url = "http://127.0.0.1:" + std::to_string(peer.port()) + "/"});
  ASSERT_EQ(CodeOf(r), ErrorCode::kTimeout);
  EXPECT_NE(r.error().message().find("no complete response within 300 ms"), std::string::npos);
  // Bounded by the configured timeout, not by anything longer (a generous margin).
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
}

TEST(ClientFailureTest, SilentTlsServerTimesOutInHandshake) {
  SilentPeer peer;
  auto r = MakeClient({.connect_timeout = std::chrono::milliseconds(200)})
               .Fetch({.url = "https://127.0.0.1:" + std::to_string(peer.port()) + "/"});
  ASSERT_EQ(CodeOf(r), ErrorCode::kTimeout);
  EXPECT_NE(r.error().message().find("connecting to"), std::string::npos);
}

TEST(ClientFailureTest, ConnectRefusedIsIo) {
  uint16_t port;
  {
    SilentPeer closed;  // a port that was free a moment ago and is closed again
    port = closed.port();
  }
  auto r = MakeClient().Fetch({.url = "http://127.0.0.1:" + std::to_string(port) + "/"});
  ASSERT_EQ(CodeOf(r), ErrorCode::kIo);
  EXPECT_NE(r.error().message().find("refused"), std::string::npos) << r.error().message();
}

TEST(ClientFailureTest, MalformedUrlIsInvalidArgument) {
  const HttpClient client = MakeClient();
  for (const char* url :
       {"", "127.0.0.1/x", "ftp://host/", "http://", "http:///path", "http://host:/",
        "http://host:0/", "http://host:65536/", "http://host:80x/", "http://::1/", "http://[::1/",
        "http://[nope]/", "http://user:pw@host/", "http://ho st/", "http://host/a b",
        "http://h\xc3\xa9/", "http://host/\r\nX: y"}) {
    EXPECT_EQ(CodeOf(client.Fetch({.url = url})), ErrorCode::kInvalidArgument) << url;
  }
}

TEST(ClientFailureTest, HeadersTheClientOwnsOrInjectedAreRefused) {
  const HttpClient client = MakeClient();
  for (auto [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"Host", "x"}, {"content-length", "3"}, {"X-A", "1\r\nX-B: 2"}, {"Bad Name", "1"}}) {
    ClientRequest req{.url = "http://127.0.0.1:1/"};
    req.headers.Add(name, value);
    EXPECT_EQ(CodeOf(client.Fetch(req)), ErrorCode::kInvalidArgument) << name;
  }
}

TEST(ClientFailureTest, UnloadableCaFileFailsCreate) {
  auto c = HttpClient::Create({.tls_ca_file = "/nonexistent/ca.pem"});
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(c.error().message().find("/nonexistent/ca.pem"), std::string::npos);
}

TEST(ClientUrlTest, Parses) {
  auto u = ParseUrl("HTTPS://[::1]:8443/onvif/device_service?x=1#top");
  ASSERT_TRUE(u) << u.error().ToString();
  EXPECT_TRUE(u->tls);
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 8443);
  EXPECT_EQ(u->target, "/onvif/device_service?x=1");
  EXPECT_EQ(u->Authority(), "[::1]:8443");
  EXPECT_EQ(u->ToString(), "https://[::1]:8443/onvif/device_service?x=1");

  u = ParseUrl("http://camera.lan?a=b");
  ASSERT_TRUE(u);
  EXPECT_FALSE(u->tls);
  EXPECT_EQ(u->port, 80);
  EXPECT_EQ(u->target, "/?a=b");
  EXPECT_EQ(u->Authority(), "camera.lan");

  u = ParseUrl("https://10.0.0.2");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->port, 443);
  EXPECT_EQ(u->target, "/");
}

// ---- TLS ------------------------------------------------------------------------------------

// A self-signed certificate and key ("<name>.pem", "<name>.key") for `san`; false if openssl
// failed.
bool MakeCert(const testutil::TempDir& dir, const std::string& name, const std::string& san) {
  const std::string cmd =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1"
      " -subj /CN=" +
      name + " -addext subjectAltName=" + san + " -keyout " + dir / (name + ".key") + " -out " +
      dir / (name + ".pem") + " >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0;
}

bool HaveOpenssl() { return std::system("command -v openssl >/dev/null 2>&1") == 0; }

class ClientTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!HaveOpenssl()) GTEST_SKIP() << "openssl is not installed";
    ASSERT_TRUE(MakeCert(dir_, "localhost", "DNS:localhost,IP:127.0.0.1"));
    server_ = StartTls("localhost");
    ASSERT_TRUE(server_);
  }
  std::unique_ptr<TestServer> StartTls(const std::string& cert) {
    ServerOptions o;
    o.tls_cert_file = dir_ / (cert + ".pem");
    o.tls_key_file = dir_ / (cert + ".key");
    auto s = std::make_unique<TestServer>(o, MakeRouter());
    if (!s->Start()) return nullptr;
    return s;
  }
  std::string Url(const std::string& host, const TestServer& s, std::string_view path) const {
    return "https://" + host + ":" + std::to_string(s.port()) + std::string(path);
  }
  ClientOptions Trusting(const std::string& cert) const {
    return {.tls_ca_file = dir_ / (cert + ".pem")};
  }

  testutil::TempDir dir_;
  std::unique_ptr<TestServer> server_;
};

TEST_F(ClientTlsTest, FetchWithCaFile) {
  HttpClient client = MakeClient(Trusting("localhost"));
  for (const std::string host : {"127.0.0.1", "localhost"}) {
    auto r = client.Fetch({.url = Url(host, *server_, "/hello?name=tls")});
    ASSERT_TRUE(r) << host << ": " << r.error().ToString();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "hello tls");
  }
  auto r = client.Fetch(ClientRequest::PostJson(Url("127.0.0.1", *server_, "/echo"), {{"k", 1}}));
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->Json().value()["got"], nlohmann::json({{"k", 1}}));
}

TEST_F(ClientTlsTest, UnknownIssuerRefused) {
  auto r = MakeClient().Fetch({.url = Url("127.0.0.1", *server_, "/hello")});
  ASSERT_EQ(CodeOf(r), ErrorCode::kPermissionDenied);
  EXPECT_NE(r.error().message().find("verification failed"), std::string::npos);
}

TEST_F(ClientTlsTest, NameMismatchRefused) {
  ASSERT_TRUE(MakeCert(dir_, "other", "DNS:other.example"));
  auto other = StartTls("other");
  ASSERT_TRUE(other);
  auto r = MakeClient(Trusting("other")).Fetch({.url = Url("127.0.0.1", *other, "/hello")});
  ASSERT_EQ(CodeOf(r), ErrorCode::kPermissionDenied);
  // The chain alone is fine: without the name check the same fetch succeeds.
  auto ok = MakeClient({.tls_insecure_skip_verify = true})
                .Fetch({.url = Url("127.0.0.1", *other, "/hello")});
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_EQ(ok->body, "hello world");
}

TEST_F(ClientTlsTest, RedirectToHttpRefused) {
  auto r = MakeClient({.follow_redirects = true, .tls_ca_file = dir_ / "localhost.pem"})
               .Fetch({.url = Url("127.0.0.1", *server_, "/downgrade")});
  ASSERT_EQ(CodeOf(r), ErrorCode::kPermissionDenied);
  EXPECT_NE(r.error().message().find("https to http"), std::string::npos);
}

// ---- a peer nobody here wrote: Python's http.server over TLS --------------------------------

constexpr std::string_view kPeerScript = R"(
import http.server, json, ssl, sys

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def reply(self, obj):
        body = json.dumps(obj).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for piece in (b"alpha ", b"beta ", b"gamma"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")
            return
        self.reply({"path": self.path, "user_agent": self.headers.get("User-Agent")})

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.reply({"got": json.loads(body), "content_type": self.headers.get("Content-Type")})

    def log_message(self, *args):
        pass

server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(sys.argv[1], sys.argv[2])
server.socket = context.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
)";

// A child process whose first stdout line is a port; killed and reaped on destruction.
class PeerProcess {
 public:
  ~PeerProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) ::close(out_);
  }
  // Starts argv and reads the port (waiting at most 30 s for it).
  bool Start(std::vector<std::string> argv) {
    int fds[2];
    if (::pipe(fds) != 0) return false;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    const int err = posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    out_ = fds[0];
    if (err != 0) pid_ = -1;
    if (err != 0) return false;
    std::string line;
    for (char c = 0; c != '\n';) {
      pollfd p{out_, POLLIN, 0};
      if (::poll(&p, 1, 30000) != 1 || ::read(out_, &c, 1) != 1) return false;
      line += c;
    }
    port_ = static_cast<uint16_t>(std::atoi(line.c_str()));
    return port_ != 0;
  }
  uint16_t port() const { return port_; }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  uint16_t port_ = 0;
};

class ClientPeerTest : public ::testing::Test {
 protected:
  static constexpr const char* kPython = "/usr/bin/python3";
  void SetUp() override {
    if (::access(kPython, X_OK) != 0) GTEST_SKIP() << kPython << " is not installed";
    if (!HaveOpenssl()) GTEST_SKIP() << "openssl is not installed";
    ASSERT_TRUE(MakeCert(dir_, "localhost", "DNS:localhost,IP:127.0.0.1"));
    std::ofstream(dir_ / "peer.py") << kPeerScript;
    ASSERT_TRUE(
        peer_.Start({kPython, dir_ / "peer.py", dir_ / "localhost.pem", dir_ / "localhost.key"}))
        << "the Python peer did not start";
  }
  std::string Url(std::string_view path) const {
    return "https://localhost:" + std::to_string(peer_.port()) + std::string(path);
  }
  HttpClient Trusting() const { return MakeClient({.tls_ca_file = dir_ / "localhost.pem"}); }

  testutil::TempDir dir_;
  PeerProcess peer_;
};

TEST_F(ClientPeerTest, TlsFetchWithCaFile) {
  auto r = Trusting().Fetch({.url = Url("/onvif/device_service?probe=1")});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->status, 200);
  auto j = r->Json();
  ASSERT_TRUE(j) << r->body;
  EXPECT_EQ((*j)["path"], "/onvif/device_service?probe=1");
  EXPECT_EQ((*j)["user_agent"], "Nightjar");
}

TEST_F(ClientPeerTest, TlsPostJson) {
  auto r = Trusting().Fetch(ClientRequest::PostJson(Url("/hook"), {{"event", "motion"}}));
  ASSERT_TRUE(r) << r.error().ToString();
  auto j = r->Json();
  ASSERT_TRUE(j) << r->body;
  EXPECT_EQ((*j)["got"], nlohmann::json({{"event", "motion"}}));
  EXPECT_EQ((*j)["content_type"], "application/json");
}

TEST_F(ClientPeerTest, TlsChunkedBody) {
  auto r = Trusting().Fetch({.url = Url("/chunked")});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->body, "alpha beta gamma");
}

TEST_F(ClientPeerTest, VerificationFailsWithoutCaFile) {
  auto r = MakeClient().Fetch({.url = Url("/")});
  ASSERT_EQ(CodeOf(r), ErrorCode::kPermissionDenied);
  // The peer survives the failed handshake and still serves a client that trusts it.
  auto ok = Trusting().Fetch({.url = Url("/")});
  EXPECT_TRUE(ok) << ok.error().ToString();
}

}  // namespace
}  // namespace nightjar::http
