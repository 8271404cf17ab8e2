// Recording a clip through the real storage engine faster than real time: the clip's frames
// (video, and AAC audio when it has some) are demuxed once and fed, looped, into a Recorder on a
// simulated clock, as if a camera had sent them. Used by the storage media-source tests, the
// record_clip tool of the export integration test, and bench/export_bench.
//
// Header-only (test and benchmark code only); errors are returned, not thrown. The engine's
// first sample-file directory is the one written (the feeder waits when its writer falls behind).
#ifndef NIGHTJAR_TESTS_TESTUTIL_CLIP_FEEDER_H_
#define NIGHTJAR_TESTS_TESTUTIL_CLIP_FEEDER_H_

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/error.h"
#include "base/fs.h"
#include "codec/aac.h"
#include "codec/h264.h"
#include "codec/h265.h"
#include "db/rows.h"
#include "mp4/demux.h"
#include "storage/engine.h"

namespace nightjar::testutil {

struct ClipFrame {
  storage::Frame frame;  // media_time: from the clip's start (90 kHz video, sample rate audio)
  double seconds = 0;    // when it is due, for interleaving tracks
};

struct Clip {
  db::SampleEntryRow video_entry;
  std::optional<db::SampleEntryRow> audio_entry;
  uint32_t audio_rate = 0;
  int64_t period_90k = 0;         // the video track's duration: the loop period
  std::vector<ClipFrame> frames;  // both tracks, by due time
  int64_t video_frames = 0;
};

inline Result<Clip> LoadClip(Fs& fs, const std::string& path) {
  NJ_TRY(std::string bytes, ReadFileToString(fs, path, 1 << 30));
  std::span<const uint8_t> file(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  NJ_TRY(mp4::DemuxedFile d, mp4::DemuxMp4(file));
  Clip c;
  bool have_video = false;
  for (const auto& t : d.tracks) {
    const bool video = t.kind == mp4::DemuxedTrack::Kind::kVideo;
    if (video && !have_video) {
      have_video = true;
      auto& e = c.video_entry;
      e.kind = db::SampleEntryKind::kVideo;
      e.config = t.codec_config;
      e.width = t.width;
      e.height = t.height;
      if (t.format == "hvc1" || t.format == "hev1") {
        NJ_TRY(auto hvcc, codec::ParseHvcC(t.codec_config));
        e.codec = codec::H265CodecString(hvcc.general, t.format);
      } else {
        if (t.codec_config.size() < 4) return Err(ErrorCode::kMalformed, "short avcC");
        e.codec = codec::H264CodecString(t.codec_config[1], t.codec_config[2], t.codec_config[3]);
      }
      const int64_t first_pts = t.samples.empty() ? 0 : t.samples[0].pts - t.samples[0].dts;
      for (const auto& s : t.samples) {
        ClipFrame f;
        f.frame.track = storage::Track::kVideo;
        f.frame.media_time = s.dts * kTicksPerSecond / t.timescale;
        // Composition offsets relative to the first frame's, as a camera's RTP times are.
        f.frame.cto =
            static_cast<int32_t>((s.pts - s.dts - first_pts) * kTicksPerSecond / t.timescale);
        f.frame.key = s.key;
        auto data = file.subspan(s.offset, s.size);
        f.frame.data = std::make_shared<std::vector<uint8_t>>(data.begin(), data.end());
        f.seconds = static_cast<double>(s.dts) / t.timescale;
        c.frames.push_back(std::move(f));
        c.video_frames++;
        c.period_90k = (s.dts + s.duration) * kTicksPerSecond / t.timescale;
      }
    } else if (t.kind == mp4::DemuxedTrack::Kind::kAudio && t.format == "mp4a" && !c.audio_entry) {
      NJ_TRY(auto asc, codec::ParseAudioSpecificConfig(t.codec_config));
      db::SampleEntryRow e;
      e.kind = db::SampleEntryKind::kAudio;
      e.codec = codec::AacCodecString(asc);
      e.config = t.codec_config;
      e.sample_rate = t.sample_rate;
      e.channels = t.channels;
      c.audio_entry = e;
      c.audio_rate = t.sample_rate;
      for (const auto& s : t.samples) {
        ClipFrame f;
        f.frame.track = storage::Track::kAudio;
        f.frame.media_time = s.dts * t.sample_rate / t.timescale;
        f.frame.key = true;
        auto data = file.subspan(s.offset, s.size);
        f.frame.data = std::make_shared<std::vector<uint8_t>>(data.begin(), data.end());
        f.seconds = static_cast<double>(s.dts) / t.timescale;
        c.frames.push_back(std::move(f));
      }
    }
  }
  if (!have_video) return Err(ErrorCode::kNotFound, path + " has no video track");
  const double period = static_cast<double>(c.period_90k) / kTicksPerSecond;
  std::erase_if(c.frames, [&](const ClipFrame& f) { return f.seconds >= period; });
  std::stable_sort(c.frames.begin(), c.frames.end(),
                   [](const ClipFrame& a, const ClipFrame& b) { return a.seconds < b.seconds; });
  return c;
}

// Plays clips (each once through, in turn, looping over the list) into one run of `stream`
// for `seconds` of media, starting at the clock's current wall time; the clock ends where the
// run does. Sample entries are registered with the engine and switched at each clip change
// (the recorder cuts a recording there). Returns the video frames fed.
inline Result<int64_t> FeedClips(storage::Engine& engine, SimulatedClock& clock, int64_t stream,
                                 const std::vector<const Clip*>& clips, double seconds) {
  std::vector<int64_t> video_ids, audio_ids;
  uint32_t audio_rate = 0;
  for (const Clip* c : clips) {
    NJ_TRY(int64_t v, engine.SampleEntry(c->video_entry));
    video_ids.push_back(v);
    int64_t a = 0;
    if (c->audio_entry) {
      NJ_TRY(a, engine.SampleEntry(*c->audio_entry));
      audio_rate = c->audio_rate;
    }
    audio_ids.push_back(a);
  }
  NJ_TRY(auto rec, engine.Record(stream, audio_rate));
  storage::Recorder& r = rec->recorder();
  const Time90k wall0 = clock.Now();
  int64_t video_base = 0;  // media time where the current clip pass starts (90 kHz)
  int64_t fed = 0;
  for (size_t pass = 0; video_base < static_cast<int64_t>(seconds * kTicksPerSecond); ++pass) {
    const size_t k = pass % clips.size();
    const Clip& c = *clips[k];
    r.SetVideoSampleEntry(video_ids[k]);
    r.SetAudioSampleEntry(c.audio_entry ? std::optional<int64_t>(audio_ids[k]) : std::nullopt);
    for (const ClipFrame& cf : c.frames) {
      storage::Frame f = cf.frame;
      const bool video = f.track == storage::Track::kVideo;
      if (video) {
        f.media_time += video_base;
        if (f.media_time >= static_cast<int64_t>(seconds * kTicksPerSecond)) break;
        fed++;
      } else {
        f.media_time += video_base * c.audio_rate / kTicksPerSecond;
      }
      // Faster than real time, the feeder can outrun the disk: wait for the writer rather than
      // let it refuse frames (it drains on its own thread; this only waits under pressure).
      while (engine.WriterStatsFor(0).pending_bytes > (32u << 20)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      // A video frame arrives at its own media time exactly (the recorder follows the smallest
      // lag of arrivals: a tick of rounding would show as a clock running a tick behind).
      const Time90k due =
          wall0 +
          Duration90k(video ? f.media_time
                            : video_base + static_cast<int64_t>(cf.seconds * kTicksPerSecond));
      if (due > clock.Now()) clock.SetWall(due);
      r.OnFrame(f, clock.Now());
    }
    video_base += c.period_90k;
  }
  clock.SetWall(wall0 + Duration90k(std::min<int64_t>(
                            video_base, static_cast<int64_t>(seconds * kTicksPerSecond))));
  r.Flush(clock.Now());
  return fed;
}

}  // namespace nightjar::testutil

#endif  // NIGHTJAR_TESTS_TESTUTIL_CLIP_FEEDER_H_
