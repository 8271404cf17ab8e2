// `nightjar fakecam`: a real RTSP server serving N simulated cameras from clips held in memory.
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "base/fs.h"
#include "cli/commands.h"
#include "fakecam/cameras.h"
#include "rtsp/server.h"

namespace nightjar::cli {
namespace {

namespace asio = boost::asio;

struct FakecamOptions {
  int cameras = 4;
  int port = 8554;
  std::string listen = "127.0.0.1";
  std::vector<std::string> clips;
  std::string auth = "none";
  std::string user = "admin";
  std::string password = "admin";
  int threads = 1;
  int session_timeout = 60;
  double stats_secs = 0;
  bool udp_gso = false;
};

std::string ExeDir() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? "." : exe.parent_path().string();
}

// Without --clip: main.mp4 and sub.mp4 from the clips/ folder beside the binary, then every
// other .mp4 there (h265, bframes, audio, ...), each reachable as /camK/<stem>.
Result<std::vector<std::string>> DefaultClips() {
  std::string dir = ExeDir() + "/clips";
  std::vector<std::string> others;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".mp4") others.push_back(e.path().string());
  }
  auto is = [&](const std::string& p, const char* stem) {
    return std::filesystem::path(p).stem() == stem;
  };
  if (ec || std::none_of(others.begin(), others.end(), [&](auto& p) { return is(p, "main"); })) {
    return Err(ErrorCode::kNotFound,
               "no clips in " + dir + " (run tools/make_clips.sh " + dir + ", or pass --clip)");
  }
  std::sort(others.begin(), others.end(), [&](const std::string& a, const std::string& b) {
    auto rank = [&](const std::string& p) { return is(p, "main") ? 0 : is(p, "sub") ? 1 : 2; };
    return std::pair(rank(a), a) < std::pair(rank(b), b);
  });
  return others;
}

int RunFakecam(const FakecamOptions& o) {
  auto mode = rtsp::ParseAuthMode(o.auth);
  if (!mode) {
    std::fprintf(stderr, "fakecam: %s\n", mode.error().message().c_str());
    return 2;
  }
  std::vector<std::string> paths = o.clips;
  if (paths.empty()) {
    auto d = DefaultClips();
    if (!d) {
      std::fprintf(stderr, "fakecam: %s\n", d.error().message().c_str());
      return 2;
    }
    paths = *d;
  }
  PosixFs fs;
  std::vector<std::shared_ptr<const fakecam::Clip>> clips;
  for (const auto& p : paths) {
    auto clip = fakecam::LoadClip(fs, p);
    if (!clip) {
      std::fprintf(stderr, "fakecam: cannot load clip: %s\n", clip.error().ToString().c_str());
      return 2;
    }
    std::fprintf(stderr, "fakecam: clip %-8s %s, loops every %.2f s\n", (*clip)->name.c_str(),
                 (*clip)->description.c_str(), (*clip)->period_secs);
    clips.push_back(std::move(*clip));
  }
  boost::system::error_code ec;
  auto address = asio::ip::make_address(o.listen, ec);
  if (ec) {
    std::fprintf(stderr, "fakecam: bad --listen address '%s'\n", o.listen.c_str());
    return 2;
  }
  asio::io_context io(o.threads);
  rtsp::ServerOptions so;
  so.endpoint = {address, static_cast<uint16_t>(o.port)};
  so.auth = *mode;
  so.credentials = {o.user, o.password};
  so.session_timeout_secs = o.session_timeout;
  so.udp_gso = o.udp_gso;
  auto resolver = std::make_shared<fakecam::CameraResolver>(o.cameras, clips);
  rtsp::Server server(io, so, resolver);
  if (auto ok = server.Start(); !ok) {
    std::fprintf(stderr, "fakecam: %s\n", ok.error().message().c_str());
    return 1;
  }
  std::string names = "main,sub";
  for (const auto& c : clips) {
    if (c->name != "main" && c->name != "sub") names += "," + c->name;
  }
  std::fprintf(stderr, "fakecam: serving %d cameras at rtsp://%s:%u/camK/{%s} (auth %s)\n",
               o.cameras, o.listen.c_str(), server.port(), names.c_str(), o.auth.c_str());
  std::fflush(stderr);

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](auto, int) {
    server.Stop();
    io.stop();
  });
  asio::steady_timer stats_timer(io);
  std::function<void()> print_stats = [&] {
    stats_timer.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(o.stats_secs)));
    stats_timer.async_wait([&](boost::system::error_code e) {
      if (e) return;
      auto s = server.Stats();
      std::fprintf(stderr, "fakecam: %llu playing, %llu RTP packets, %.1f MB sent\n",
                   static_cast<unsigned long long>(s.sessions_playing),
                   static_cast<unsigned long long>(s.rtp_packets_sent),
                   static_cast<double>(s.rtp_bytes_sent) / 1e6);
      print_stats();
    });
  };
  if (o.stats_secs > 0) print_stats();

  std::vector<std::thread> extra;
  for (int i = 1; i < o.threads; ++i) extra.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& t : extra) t.join();
  return 0;
}

}  // namespace

Command RegisterFakecam(CLI::App& app) {
  auto o = std::make_shared<FakecamOptions>();
  app.add_option("--cameras", o->cameras, "Number of cameras (paths /cam1 .. /camN)")
      ->check(CLI::Range(1, 100000));
  app.add_option("--port", o->port, "RTSP port (0 picks a free one)")->check(CLI::Range(0, 65535));
  app.add_option("--listen", o->listen, "Address to listen on");
  app.add_option("--clip", o->clips,
                 "MP4 clip(s) to serve; the first is /camK/main, the second /camK/sub, each also "
                 "/camK/<file stem>. Default: the clips/ folder beside the binary");
  app.add_option("--auth", o->auth, "none, basic or digest");
  app.add_option("--user", o->user, "User name when --auth is set");
  app.add_option("--password", o->password, "Password when --auth is set");
  app.add_option("--threads", o->threads, "I/O threads")->check(CLI::Range(1, 64));
  app.add_option("--session-timeout", o->session_timeout,
                 "Seconds advertised in the Session header; idle sessions close after it + 10 s")
      ->check(CLI::Range(1, 3600));
  app.add_option("--stats-secs", o->stats_secs, "Print counters to stderr this often (0: never)");
  app.add_flag("--udp-gso", o->udp_gso,
               "RTP over UDP: send each run of equal-sized packets of a frame as one UDP_SEGMENT "
               "(GSO) send; a receiver with UDP_GRO on loopback gets it as a NIC's GRO would "
               "hand it over");
  return [o] { return RunFakecam(*o); };
}

}  // namespace nightjar::cli
