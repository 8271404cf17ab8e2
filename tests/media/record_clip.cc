// record_clip: records clips into a data directory through the real storage engine, faster than
// real time, for the export integration test (tests/integration/test_export.py).
//
//   record_clip DATA CAMERA START SECONDS RECORDING_SECS CLIP [CLIP...]
//
// Opens (creating) DATA, makes camera CAMERA's main stream, and records one run starting at wall
// time START (Unix seconds, may be fractional) of SECONDS of media: the clips in turn, each once
// through, looping over the list (a clip change is a sample-entry change, so it cuts a
// recording). Recordings are RECORDING_SECS long. Each invocation is one run; start the next one
// later to leave a gap. Prints "run START_90K END_90K VIDEO_FRAMES".
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "testutil/clip_feeder.h"

int main(int argc, char** argv) {
  using namespace nightjar;
  if (argc < 7) {
    std::fprintf(stderr,
                 "usage: record_clip DATA CAMERA START SECONDS RECORDING_SECS CLIP [CLIP...]\n");
    return 2;
  }
  PosixFs fs;
  std::vector<testutil::Clip> clips;
  for (int i = 6; i < argc; ++i) {
    auto c = testutil::LoadClip(fs, argv[i]);
    if (!c) {
      std::fprintf(stderr, "%s: %s\n", argv[i], c.error().ToString().c_str());
      return 1;
    }
    clips.push_back(std::move(*c));
  }
  std::vector<const testutil::Clip*> order;
  order.reserve(clips.size());
  for (const auto& c : clips) order.push_back(&c);
  const Time90k start(static_cast<int64_t>(std::atof(argv[3]) * kTicksPerSecond));
  SimulatedClock clock(start);
  storage::EngineOptions o;
  o.start_maintenance_thread = false;
  o.recording_duration = Duration90k(static_cast<int64_t>(std::atof(argv[5]) * kTicksPerSecond));
  auto engine = storage::Engine::Open(fs, clock, argv[1], o);
  if (!engine) {
    std::fprintf(stderr, "open: %s\n", engine.error().ToString().c_str());
    return 1;
  }
  auto cam = (*engine)->EnsureCamera(argv[2], argv[2]);
  if (!cam) {
    std::fprintf(stderr, "camera: %s\n", cam.error().ToString().c_str());
    return 1;
  }
  auto stream = (*engine)->EnsureStream(*cam, db::StreamKind::kMain, int64_t{1} << 50);
  if (!stream) {
    std::fprintf(stderr, "stream: %s\n", stream.error().ToString().c_str());
    return 1;
  }
  auto fed = testutil::FeedClips(**engine, clock, *stream, order, std::atof(argv[4]));
  if (!fed) {
    std::fprintf(stderr, "record: %s\n", fed.error().ToString().c_str());
    return 1;
  }
  engine->reset();  // closes every recording (WRITTEN)
  std::printf("run %lld %lld %lld\n", static_cast<long long>(start.ticks()),
              static_cast<long long>(clock.Now().ticks()), static_cast<long long>(*fed));
  return 0;
}
