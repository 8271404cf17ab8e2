// export_bench: what serving a long export costs, against what peers do. For each length
// (default 1 h and 24 h) one stream is recorded through the real storage engine, faster than
// real time, from a clip looped (60 s recordings), into a temporary directory. Then, with the
// sample files in the page cache:
//   - ours: open the database read-only, plan the range, lay out the virtual .mp4 and produce its
//     first 64 KiB (time to first byte), then stream all of it to a discarding sink (MB/s);
//   - peer: `ffmpeg -f concat -c copy -movflags +faststart` over the same recordings as one .mp4
//     per recording (as NVRs that store MP4 segments do; the per-recording files are made first
//     and not timed). Its first byte is servable only when it finishes (the moov goes first).
// Prints sizes, times and ratios. Nothing is asserted (numbers vary; run it more than once).
//
// usage: build/bench/export_bench [--hours 1,24] [--clip FILE] [--no-peer] [--keep]
// Without --clip a 320x240 30 fps ~250 kbit/s clip is made with ffmpeg (2.6 M frames in 24 h,
// ~2.7 GB per day of media; the peer's copies double that).
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "storage/media_source.h"
#include "testutil/clip_feeder.h"

namespace nightjar::bench {
namespace {

using Clock = std::chrono::steady_clock;
double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

const Time90k kT0 = Time90k::FromUnixSeconds(1'771'500'000);

Result<std::shared_ptr<storage::RecordingCatalog>> OpenCatalog(const std::string& data) {
  static RealClock clock;
  NJ_TRY(auto d, db::Database::Open(data + "/nightjar.db", db::OpenMode::kReadOnly, clock));
  return storage::DatabaseCatalog(std::move(d));
}

Result<void> WriteMp4(const storage::MediaPlan& plan, const std::string& path) {
  NJ_TRY(auto m, mp4::VirtualMp4::Build(plan.mp4));
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return Err(Error::FromErrno(errno, path));
  auto ok = m->Read(0, m->size(), *plan.reader, [&](std::span<const uint8_t> b) -> Result<void> {
    if (std::fwrite(b.data(), 1, b.size(), f) != b.size()) return Err(ErrorCode::kIo, path);
    return Ok();
  });
  std::fclose(f);
  return ok;
}

int Run(const std::string& clip_path, int hours, bool peer, const std::string& dir) {
  PosixFs fs;
  const std::string data = dir + "/data";
  auto clip = testutil::LoadClip(fs, clip_path);
  if (!clip) return std::fprintf(stderr, "%s\n", clip.error().ToString().c_str()), 1;
  const double seconds = hours * 3600.0;
  auto t = Clock::now();
  int64_t stream = 0;
  {
    SimulatedClock clock(kT0);
    storage::EngineOptions o;
    o.start_maintenance_thread = false;
    auto e = storage::Engine::Open(fs, clock, data, o);
    if (!e) return std::fprintf(stderr, "%s\n", e.error().ToString().c_str()), 1;
    auto cam = (*e)->EnsureCamera("cam1", "bench");
    stream = *(*e)->EnsureStream(*cam, db::StreamKind::kMain, int64_t{1} << 50);
    auto fed = testutil::FeedClips(**e, clock, stream, {&*clip}, seconds);
    if (!fed) return std::fprintf(stderr, "%s\n", fed.error().ToString().c_str()), 1;
  }
  std::printf("\n== %d h: recorded through the engine in %.1f s\n", hours, Since(t));
  std::string warm = "cat " + data + "/sample/* > /dev/null";  // page cache
  if (std::system(warm.c_str()) != 0) return 1;

  // Ours: time to first byte, then all of it.
  const Time90k from = kT0, to = kT0 + Duration90k(static_cast<int64_t>(seconds * kTicksPerSecond));
  t = Clock::now();
  auto catalog = OpenCatalog(data);
  if (!catalog) return std::fprintf(stderr, "%s\n", catalog.error().ToString().c_str()), 1;
  auto plan = storage::PlanRange(*catalog, fs, stream, from, to);
  if (!plan) return std::fprintf(stderr, "%s\n", plan.error().ToString().c_str()), 1;
  auto m = mp4::VirtualMp4::Build(plan->mp4);
  if (!m) return std::fprintf(stderr, "%s\n", m.error().ToString().c_str()), 1;
  const double layout = Since(t);
  uint64_t got = 0;
  auto count = [&](std::span<const uint8_t> b) -> Result<void> {
    got += b.size();
    return Ok();
  };
  (void)(*m)->Read(0, 65536, *plan->reader, count);
  const double ttfb = Since(t);
  t = Clock::now();
  got = 0;
  if (auto ok = (*m)->Read(0, (*m)->size(), *plan->reader, count); !ok) {
    return std::fprintf(stderr, "%s\n", ok.error().ToString().c_str()), 1;
  }
  const double ours = Since(t);
  const double mb = static_cast<double>((*m)->size()) / 1e6;
  int64_t frames = 0;
  for (const auto& seg : plan->mp4.segments) frames += static_cast<int64_t>(seg.video_samples);
  std::printf("recordings %zu, frames %lld, export %.1f MB\n", plan->recordings.size(),
              static_cast<long long>(frames), mb);
  std::printf("ours: layout %.1f ms, first byte %.1f ms, all %.2f s = %.0f MB/s\n", layout * 1e3,
              ttfb * 1e3, ours, mb / ours);
  if (!peer) return 0;

  // Peer: one .mp4 per recording (not timed), then ffmpeg concat.
  std::filesystem::create_directories(dir + "/peer");
  std::string list;
  for (const auto& r : plan->recordings) {
    auto one = storage::PlanRange(*catalog, fs, stream, r.start, r.end());
    const std::string path = dir + "/peer/" + std::to_string(r.composite_id) + ".mp4";
    if (!one || !WriteMp4(*one, path)) return std::fprintf(stderr, "peer copy failed\n"), 1;
    list += "file '" + path + "'\n";
  }
  std::FILE* lf = std::fopen((dir + "/peer/list.txt").c_str(), "w");
  std::fputs(list.c_str(), lf);
  std::fclose(lf);
  std::system(("cat " + dir + "/peer/*.mp4 > /dev/null").c_str());
  const std::string cmd = "ffmpeg -v error -nostdin -y -f concat -safe 0 -i " + dir +
                          "/peer/list.txt -c copy -movflags +faststart " + dir + "/peer.mp4";
  t = Clock::now();
  if (std::system(cmd.c_str()) != 0) return std::fprintf(stderr, "ffmpeg failed\n"), 1;
  const double ff = Since(t);
  const double ff_mb = static_cast<double>(std::filesystem::file_size(dir + "/peer.mp4")) / 1e6;
  std::printf("ffmpeg concat -c copy (+faststart): %.2f s = %.0f MB/s; first byte %.0f ms\n", ff,
              ff_mb / ff, ff * 1e3);
  std::printf("ratio: first byte %.0fx sooner, throughput %.1fx\n", ff / ttfb,
              (mb / ours) / (ff_mb / ff));
  return 0;
}

}  // namespace
}  // namespace nightjar::bench

int main(int argc, char** argv) {
  CLI::App app{"export_bench: virtual .mp4 export vs ffmpeg concat"};
  std::vector<int> hours = {1, 24};
  std::string clip;
  bool no_peer = false, keep = false;
  app.add_option("--hours", hours, "Export lengths in hours")->delimiter(',');
  app.add_option("--clip", clip, "Clip to loop (default: made with ffmpeg)");
  app.add_flag("--no-peer", no_peer, "Skip the ffmpeg comparison");
  app.add_flag("--keep", keep, "Keep the temporary directory");
  CLI11_PARSE(app, argc, argv);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress shows when piped
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/export-bench-XXXXXX";
  if (!mkdtemp(tmpl.data())) return 1;
  if (clip.empty()) {
    clip = tmpl + "/clip.mp4";
    const std::string make =
        "ffmpeg -v error -nostdin -f lavfi -i 'testsrc2=size=320x240:rate=30' -t 10 -c:v libx264 "
        "-preset veryfast -pix_fmt yuv420p -g 60 -keyint_min 60 -sc_threshold 0 -bf 0 -b:v 250k "
        "-maxrate 250k -bufsize 250k " +
        clip;
    if (std::system(make.c_str()) != 0) return 1;
  }
  int rc = 0;
  for (int h : hours) {
    const std::string dir = tmpl + "/" + std::to_string(h) + "h";
    std::filesystem::create_directories(dir);
    rc |= nightjar::bench::Run(clip, h, !no_peer, dir);
    if (!keep) std::filesystem::remove_all(dir);
  }
  if (!keep) std::filesystem::remove_all(tmpl);
  return rc;
}
