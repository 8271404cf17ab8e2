#include "storage/fmp4_export.h"

#include <algorithm>

namespace nightjar::storage {
namespace {

// t (90 kHz) in units of `rate` per second, rounded down; exact for any 64-bit t.
int64_t ToRate(int64_t t, uint32_t rate) {
  return static_cast<int64_t>(static_cast<__int128>(t) * rate / kTicksPerSecond);
}

}  // namespace

Result<std::unique_ptr<Fmp4Export>> Fmp4Export::Create(MediaPlan plan, int64_t time_base_90k) {
  if (plan.mp4.video_entries.size() != 1) {
    return Err(ErrorCode::kUnsupported,
               "the range changes video parameters; fMP4 is served per recording");
  }
  if (plan.mp4.audio_entries.size() > 1) {
    return Err(ErrorCode::kUnsupported,
               "the range changes audio parameters; fMP4 is served per recording");
  }
  std::vector<mp4::FragmentedTrack> tracks;
  tracks.push_back({plan.mp4.video_entries[0], 90000});
  std::string codecs = plan.mp4.video_entries[0].codec;
  // The audio track the recordings have, even when this plan holds none of its samples (a short
  // segment between two AAC frames): the init segment must list every track of the fragments
  // that later segments under the same EXT-X-MAP carry.
  std::optional<mp4::SampleEntrySpec> entry;
  if (!plan.mp4.audio_entries.empty()) {
    entry = plan.mp4.audio_entries[0];
  } else if (plan.catalog && !plan.recordings.empty()) {
    const std::optional<int64_t> id = plan.recordings[0].audio_sample_entry_id;
    bool same = true;
    for (const auto& r : plan.recordings) same = same && r.audio_sample_entry_id == id;
    if (id && same) {
      NJ_TRY(db::SampleEntryRow row, plan.catalog->GetSampleEntry(*id));
      entry = SampleEntrySpecOf(row);
    }
  }
  bool audio = false;
  uint32_t rate = 0;
  if (entry && entry->codec.starts_with("mp4a")) {
    const mp4::SampleEntrySpec& a = *entry;
    if (a.sample_rate == 0) {
      return Err(ErrorCode::kMalformed, "an audio sample entry has no sample rate");
    }
    tracks.push_back({a, a.sample_rate});
    codecs += "," + a.codec;
    audio = true;
    rate = a.sample_rate;
  }
  NJ_TRY(std::vector<uint8_t> init, mp4::WriteInitSegment(tracks));
  return std::unique_ptr<Fmp4Export>(new Fmp4Export(std::move(plan), std::move(init),
                                                    std::move(codecs), audio, rate, time_base_90k));
}

Fmp4Export::Fmp4Export(MediaPlan plan, std::vector<uint8_t> init, std::string codecs, bool audio,
                       uint32_t audio_rate, int64_t time_base_90k)
    : plan_(std::move(plan)),
      init_(std::move(init)),
      codecs_(std::move(codecs)),
      audio_(audio),
      base_(time_base_90k),
      audio_base_(
          audio ? std::max<int64_t>(0, ToRate(time_base_90k + plan_.audio_offset_90k, audio_rate))
                : 0),
      cursor_(plan_) {
  video_run_.track_id = 1;
  audio_run_.track_id = 2;
}

Result<void> Fmp4Export::Next(std::vector<uint8_t>* out, size_t want) {
  if (!error_) {
    Result<void> ok = Pull(out, want);
    if (!ok) error_ = ok.error();
  }
  if (error_) return Err(*error_);
  return Ok();
}

Result<void> Fmp4Export::Pull(std::vector<uint8_t>* out, size_t want) {
  const size_t at = out->size();
  PlannedFrame f;
  while (!done_ && (out->size() == at || out->size() < want)) {
    NJ_TRY(bool more, cursor_.Next(&f));
    if (!more) {
      Flush(out);
      done_ = true;
      break;
    }
    if (f.audio) {
      if (!audio_) continue;
      if (audio_run_.samples.empty()) {
        audio_run_.base_decode_time = static_cast<uint64_t>(audio_base_ + f.dts);
      }
      audio_run_.samples.push_back(
          {static_cast<uint32_t>(f.duration), static_cast<uint32_t>(f.data.size()), 0, true});
      audio_bytes_.insert(audio_bytes_.end(), f.data.begin(), f.data.end());
      continue;
    }
    if (f.key && !video_run_.samples.empty()) Flush(out);
    if (video_run_.samples.empty()) {
      video_run_.base_decode_time = static_cast<uint64_t>(base_ + f.dts);
    }
    video_run_.samples.push_back(
        {static_cast<uint32_t>(f.duration), static_cast<uint32_t>(f.data.size()), f.cto, f.key});
    video_bytes_.insert(video_bytes_.end(), f.data.begin(), f.data.end());
  }
  return Ok();
}

void Fmp4Export::Flush(std::vector<uint8_t>* out) {
  if (video_run_.samples.empty() && audio_run_.samples.empty()) return;
  std::vector<mp4::TrackRun> runs;
  if (!video_run_.samples.empty()) runs.push_back(std::move(video_run_));
  if (!audio_run_.samples.empty()) runs.push_back(std::move(audio_run_));
  const std::vector<uint8_t> header = mp4::WriteFragmentHeader(sequence_++, runs);
  out->insert(out->end(), header.begin(), header.end());
  out->insert(out->end(), video_bytes_.begin(), video_bytes_.end());
  out->insert(out->end(), audio_bytes_.begin(), audio_bytes_.end());
  video_run_ = {.track_id = 1};
  audio_run_ = {.track_id = 2};
  video_bytes_.clear();
  audio_bytes_.clear();
}

}  // namespace nightjar::storage
