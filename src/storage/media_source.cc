#include "storage/media_source.h"

#include <algorithm>
#include <map>
#include <set>

#include "storage/media_index.h"
#include "storage/sample_dir.h"

namespace nightjar::storage {
namespace {

using internal::Decoded;
using internal::FullIndex;

class DbCatalog final : public RecordingCatalog {
 public:
  explicit DbCatalog(std::unique_ptr<db::Database> db) : db_(std::move(db)) {}
  Result<std::vector<db::RecordingRow>> ListRecordings(int64_t stream_id, Time90k from,
                                                       Time90k to) override {
    std::lock_guard lock(mu_);
    return db_->ListRecordings(stream_id, from, to);
  }
  Result<db::RecordingRow> GetRecording(int64_t id) override {
    std::lock_guard lock(mu_);
    return db_->GetRecording(id);
  }
  Result<db::RecordingIndexRow> GetRecordingIndex(int64_t id) override {
    std::lock_guard lock(mu_);
    return db_->GetRecordingIndex(id);
  }
  Result<db::SampleEntryRow> GetSampleEntry(int64_t id) override {
    std::lock_guard lock(mu_);
    return db_->GetSampleEntry(id);
  }
  Result<std::string> SampleDirPath(int64_t stream_id) override {
    std::lock_guard lock(mu_);
    return DirPath(*db_, stream_id);
  }
  static Result<std::string> DirPath(db::Database& d, int64_t stream_id) {
    NJ_TRY(db::StreamRow stream, d.GetStream(stream_id));
    if (!stream.sample_file_dir_id) {
      return Err(ErrorCode::kNotFound, "stream has no sample-file directory");
    }
    NJ_TRY(db::SampleFileDirRow dir, d.GetSampleFileDir(*stream.sample_file_dir_id));
    return dir.path;
  }

 private:
  std::mutex mu_;
  std::unique_ptr<db::Database> db_;
};

class EngCatalog final : public RecordingCatalog {
 public:
  explicit EngCatalog(Engine& e) : e_(e) {}
  Result<std::vector<db::RecordingRow>> ListRecordings(int64_t stream_id, Time90k from,
                                                       Time90k to) override {
    return e_.WithDb([&](db::Database& d) { return d.ListRecordings(stream_id, from, to); });
  }
  Result<db::RecordingRow> GetRecording(int64_t id) override {
    return e_.WithDb([&](db::Database& d) { return d.GetRecording(id); });
  }
  Result<db::RecordingIndexRow> GetRecordingIndex(int64_t id) override {
    return e_.WithDb([&](db::Database& d) { return d.GetRecordingIndex(id); });
  }
  Result<db::SampleEntryRow> GetSampleEntry(int64_t id) override {
    return e_.WithDb([&](db::Database& d) { return d.GetSampleEntry(id); });
  }
  Result<std::string> SampleDirPath(int64_t stream_id) override {
    return e_.WithDb([&](db::Database& d) { return DbCatalog::DirPath(d, stream_id); });
  }

 private:
  Engine& e_;
};

// The presentation time (90 kHz past the first frame's) of the frame whose presentation interval
// contains `t`: where a range's presentation starts. An edit list starting inside a frame is
// exact (ISO/IEC 14496-12 §8.6.6), but FFmpeg's MP4 demuxer (Chromium's, ffmpeg's) drops a
// frame that straddles an edit's start, so players would open on the frame after the one at `t`.
int64_t FrameStartAtOrBefore(const std::vector<mp4::VideoSampleInfo>& video, int64_t t) {
  std::optional<int64_t> best;
  int64_t dts = 0;
  for (const auto& v : video) {
    const int64_t pts = dts + v.cto - video.front().cto;
    if (pts <= t && (!best || pts > *best)) best = pts;
    dts += v.duration;
  }
  return best.value_or(t);
}

mp4::Mp4Segment SegmentOf(const db::RecordingRow& row, const std::shared_ptr<const Decoded>& d) {
  mp4::Mp4Segment s;
  s.source = static_cast<uint64_t>(row.composite_id);
  s.begin = d->begin;
  s.end = d->end;
  s.video_samples = d->samples.video.size();
  s.video_sync_samples = d->video_sync;
  s.audio_samples = d->samples.audio.size();
  s.video_chunks = d->video_chunks;
  s.audio_chunks = d->audio_chunks;
  s.video_duration = d->video_duration;
  s.audio_duration = d->audio_duration;
  s.has_cto = d->has_cto;
  s.load = [d] { return Result<mp4::SegmentSamples>(d->samples); };
  return s;
}

// A whole video-only recording, decoded only when its tables are read.
mp4::Mp4Segment LazySegmentOf(const db::RecordingRow& row,
                              const std::shared_ptr<RecordingCatalog>& catalog) {
  mp4::Mp4Segment s;
  s.source = static_cast<uint64_t>(row.composite_id);
  s.begin = 0;
  s.end = static_cast<uint64_t>(row.sample_file_bytes);
  s.video_samples = static_cast<uint64_t>(row.video_samples);
  s.video_sync_samples = static_cast<uint64_t>(row.video_sync_samples);
  s.video_chunks = 1;
  s.video_duration = static_cast<uint64_t>(row.media_duration.ticks());
  s.has_cto = (row.flags & db::kRecordingHasCto) != 0;
  s.load = [row, catalog]() -> Result<mp4::SegmentSamples> {
    NJ_TRY(db::RecordingIndexRow idx, catalog->GetRecordingIndex(row.composite_id));
    NJ_TRY(FullIndex f, internal::DecodeIndex(row, idx));
    return internal::Select(f, 0, static_cast<int64_t>(f.video.size())).samples;
  };
  return s;
}

// Appends recordings to a plan as mp4 segments (sample entries shared by id) and anchors its
// audio; the caller sets the first segment's edit and the plan's start and end.
class PlanAssembler {
 public:
  explicit PlanAssembler(MediaPlan& plan) : plan_(plan) {}

  // `d`: the recording's decoded samples; null for a lazy segment (whole, video only).
  Result<void> Add(const db::RecordingRow& row, mp4::Mp4Segment seg, const Decoded* d,
                   MediaPlan::Part part) {
    mp4::Mp4Input& in = plan_.mp4;
    NJ_TRY(seg.video_entry, Entry(video_entries_, in.video_entries, row.video_sample_entry_id));
    if (row.audio_sample_entry_id && seg.audio_samples > 0) {
      NJ_TRY(uint32_t a, Entry(audio_entries_, in.audio_entries, *row.audio_sample_entry_id));
      seg.audio_entry = static_cast<int32_t>(a);
      if (!audio_anchored_ && d && d->audio_start >= 0) {
        audio_anchored_ = true;
        // Where this first audio lies relative to the first video frame of the file.
        const auto rate = static_cast<int64_t>(in.audio_entries[0].sample_rate);
        if (rate > 0) {
          plan_.audio_offset_90k = static_cast<int64_t>(media_) +
                                   d->audio_start * kTicksPerSecond / rate - d->first_start;
        }
      }
    } else {
      seg.audio_samples = 0;
      seg.audio_chunks = 0;
      seg.audio_duration = 0;
    }
    media_ += seg.video_duration;
    last_modified_ = std::max(last_modified_, row.end().ToUnixSeconds());
    in.segments.push_back(std::move(seg));
    plan_.parts.push_back(part);
    plan_.recordings.push_back(row);
    return Ok();
  }

  // The edit lists and headers; `overshoot`: decode time of the last segment's frames past the
  // end of presentation (may be < 0).
  void Finish(int64_t overshoot) {
    mp4::Mp4Input& in = plan_.mp4;
    in.video_edit_duration =
        static_cast<uint64_t>(static_cast<int64_t>(media_) - plan_.video_skip_90k - overshoot);
    if (!in.audio_entries.empty()) {
      const auto rate = static_cast<int64_t>(in.audio_entries[0].sample_rate);
      in.audio_edit_start =
          (plan_.video_skip_90k - plan_.audio_offset_90k) * rate / kTicksPerSecond;
    }
    in.creation_unix_seconds = plan_.start.ToUnixSeconds();
    in.last_modified_unix_seconds = last_modified_;
    in.etag_salt = "stream " + std::to_string(plan_.stream_id);
  }

 private:
  Result<uint32_t> Entry(std::map<int64_t, uint32_t>& ids, std::vector<mp4::SampleEntrySpec>& specs,
                         int64_t id) {
    if (auto it = ids.find(id); it != ids.end()) return it->second;
    NJ_TRY(db::SampleEntryRow e, plan_.catalog->GetSampleEntry(id));
    specs.push_back(SampleEntrySpecOf(e));
    return ids[id] = static_cast<uint32_t>(specs.size() - 1);
  }

  MediaPlan& plan_;
  std::map<int64_t, uint32_t> video_entries_, audio_entries_;
  uint64_t media_ = 0;
  int64_t last_modified_ = 0;
  bool audio_anchored_ = false;
};

Result<MediaPlan> NewPlan(std::shared_ptr<RecordingCatalog> catalog, Fs& fs, int64_t stream_id) {
  NJ_TRY(std::string dir, catalog->SampleDirPath(stream_id));
  MediaPlan plan;
  plan.stream_id = stream_id;
  plan.catalog = std::move(catalog);
  plan.reader = std::make_shared<SampleFileReader>(fs, dir);
  return plan;
}

// Holds every lease as long as the plan (and its copies) live.
void AttachLeases(MediaPlan& plan, std::vector<std::shared_ptr<Engine::Lease>> leases) {
  auto all = std::make_shared<std::vector<std::shared_ptr<Engine::Lease>>>(std::move(leases));
  plan.lease = std::shared_ptr<Engine::Lease>(all, all->empty() ? nullptr : all->front().get());
}

}  // namespace

mp4::SampleEntrySpec SampleEntrySpecOf(const db::SampleEntryRow& e) {
  mp4::SampleEntrySpec s;
  s.kind = e.kind == db::SampleEntryKind::kVideo ? mp4::SampleEntrySpec::Kind::kVideo
                                                 : mp4::SampleEntrySpec::Kind::kAudio;
  s.codec = e.codec;
  s.config = e.config;
  s.width = static_cast<uint16_t>(e.width.value_or(0));
  s.height = static_cast<uint16_t>(e.height.value_or(0));
  s.sample_rate = static_cast<uint32_t>(e.sample_rate.value_or(0));
  s.channels = static_cast<uint16_t>(e.channels.value_or(0));
  return s;
}

std::shared_ptr<RecordingCatalog> DatabaseCatalog(std::unique_ptr<db::Database> db) {
  return std::make_shared<DbCatalog>(std::move(db));
}

std::shared_ptr<RecordingCatalog> EngineCatalog(Engine& engine) {
  return std::make_shared<EngCatalog>(engine);
}

Result<void> SampleFileReader::ReadAt(uint64_t source, uint64_t offset, std::span<uint8_t> out) {
  std::shared_ptr<RandomAccessFile> file;
  {
    std::lock_guard lock(mu_);
    for (auto it = open_.begin(); it != open_.end(); ++it) {
      if (it->first == source) {
        file = it->second;
        std::rotate(it, it + 1, open_.end());
        break;
      }
    }
  }
  if (!file) {
    const std::string path = dir_ + "/" + SampleFileDir::FileName(static_cast<int64_t>(source));
    NJ_TRY(std::unique_ptr<RandomAccessFile> opened, fs_.OpenForRead(path));
    file = std::move(opened);
    std::lock_guard lock(mu_);
    if (open_.size() >= 8) open_.erase(open_.begin());
    open_.emplace_back(source, file);
  }
  return file->ReadExactAt(offset, out);
}

Result<MediaPlan> PlanRange(const std::shared_ptr<RecordingCatalog>& catalog, Fs& fs,
                            int64_t stream_id, Time90k from, Time90k to) {
  NJ_TRY(auto rows, internal::ListRecorded(*catalog, stream_id, from, to));
  NJ_TRY(MediaPlan plan, NewPlan(catalog, fs, stream_id));
  plan.from = from;
  plan.to = to;
  PlanAssembler assembler(plan);
  int64_t overshoot = 0;  // decode time of the last segment's frames past `to` (may be < 0)
  for (size_t i = 0; i < rows.size(); ++i) {
    const db::RecordingRow& row = rows[i];
    MediaPlan::Part part{0, row.video_samples};
    const bool eager = i == 0 || i + 1 == rows.size() || row.audio_sample_entry_id;
    mp4::Mp4Segment seg;
    std::shared_ptr<const Decoded> d;
    if (eager) {
      NJ_TRY(Decoded decoded, internal::DecodeRange(*catalog, row, from, to, &part));
      d = std::make_shared<const Decoded>(std::move(decoded));
      seg = SegmentOf(row, d);
    } else {
      seg = LazySegmentOf(row, catalog);
    }
    if (i == 0) {
      const int64_t exact = from > row.start ? internal::MediaAt(row, from) - d->first_start : 0;
      plan.video_skip_90k = FrameStartAtOrBefore(d->samples.video, exact);
      plan.mp4.video_edit_start = d->samples.video[0].cto + plan.video_skip_90k;
      plan.start = std::max(from, row.start) - Duration90k(exact - plan.video_skip_90k);
      plan.first_frame_media_90k = d->first_start;
    }
    if (i + 1 == rows.size()) {
      if (to < row.end()) overshoot = d->end_start - internal::MediaAt(row, to);
      plan.end = std::min(to, row.end());
    }
    NJ_CHECK_OK(assembler.Add(row, std::move(seg), d.get(), part));
  }
  assembler.Finish(overshoot);
  return plan;
}

Result<MediaPlan> PlanRangeLeased(Engine& engine, const std::shared_ptr<RecordingCatalog>& catalog,
                                  Fs& fs, int64_t stream_id, Time90k from, Time90k to) {
  std::set<int64_t> leased;
  std::vector<std::shared_ptr<Engine::Lease>> leases;
  for (int attempt = 0; attempt < 3; ++attempt) {
    NJ_TRY(auto rows, catalog->ListRecordings(stream_id, from, to));
    std::vector<int64_t> ids;
    for (const auto& r : rows) {
      if (leased.insert(r.composite_id).second) ids.push_back(r.composite_id);
    }
    if (!ids.empty()) leases.push_back(engine.LeaseRecordings(std::move(ids)));
    // Planned after leasing: whatever the plan names can no longer be deleted, unless it was
    // already going (then it is not listed).
    NJ_TRY(MediaPlan plan, PlanRange(catalog, fs, stream_id, from, to));
    bool covered = true;
    for (const auto& r : plan.recordings) covered &= leased.count(r.composite_id) > 0;
    if (!covered) continue;  // a recording appeared between the two listings: lease it too
    AttachLeases(plan, std::move(leases));
    return plan;
  }
  return Err(ErrorCode::kAborted, "recordings kept changing while being leased");
}

Result<MediaPlan> PlanFrames(const std::shared_ptr<RecordingCatalog>& catalog, Fs& fs,
                             int64_t stream_id, int64_t composite_id, int64_t first_frame,
                             int64_t end_frame) {
  const std::string name = "recording " + std::to_string(composite_id);
  NJ_TRY(db::RecordingRow row, catalog->GetRecording(composite_id));
  if (row.stream_id != stream_id || row.state == db::RecordingState::kDeleting) {
    return Err(ErrorCode::kNotFound,
               name + " is not a recording of stream " + std::to_string(stream_id));
  }
  if (first_frame < 0 || first_frame >= end_frame || end_frame > row.video_samples) {
    return Err(ErrorCode::kInvalidArgument, name + " has no frames [" +
                                                std::to_string(first_frame) + ", " +
                                                std::to_string(end_frame) + ")");
  }
  NJ_TRY(db::RecordingIndexRow idx, catalog->GetRecordingIndex(composite_id));
  NJ_TRY(FullIndex f, internal::DecodeIndex(row, idx));
  if (!f.video[first_frame].key) {
    return Err(ErrorCode::kInvalidArgument,
               name + ": frame " + std::to_string(first_frame) + " is not a key frame");
  }
  NJ_TRY(MediaPlan plan, NewPlan(catalog, fs, stream_id));
  auto d = std::make_shared<const Decoded>(
      internal::Select(f, first_frame, end_frame, internal::AudioSpan::kFromPreviousFrame));
  plan.from = plan.start = internal::WallAt(row, d->first_start);
  plan.to = plan.end = internal::WallAt(row, d->end_start);
  plan.first_frame_media_90k = d->first_start;
  plan.mp4.video_edit_start = d->samples.video[0].cto;
  PlanAssembler assembler(plan);
  NJ_CHECK_OK(assembler.Add(row, SegmentOf(row, d), d.get(), {first_frame, end_frame}));
  assembler.Finish(0);
  return plan;
}

Result<MediaPlan> PlanFramesLeased(Engine& engine, const std::shared_ptr<RecordingCatalog>& catalog,
                                   Fs& fs, int64_t stream_id, int64_t composite_id,
                                   int64_t first_frame, int64_t end_frame) {
  // Leased before the row is read: a row not yet DELETING then can no longer become so.
  std::vector<std::shared_ptr<Engine::Lease>> leases;
  leases.push_back(engine.LeaseRecordings({composite_id}));
  NJ_TRY(MediaPlan plan, PlanFrames(catalog, fs, stream_id, composite_id, first_frame, end_frame));
  AttachLeases(plan, std::move(leases));
  return plan;
}

Result<bool> FrameCursor::Advance() {
  while (segment_ < plan_.mp4.segments.size()) {
    const mp4::Mp4Segment& seg = plan_.mp4.segments[segment_];
    if (!loaded_) {
      NJ_TRY(samples_, seg.load());
      if (samples_.chunks.empty()) {
        samples_.chunks.push_back({false, static_cast<uint32_t>(samples_.video.size()), seg.begin});
      }
      loaded_ = true;
      chunk_ = 0;
      chunk_left_ = 0;
      video_ = audio_ = 0;
    }
    if (chunk_left_ == 0) {
      if (chunk_ == samples_.chunks.size()) {
        ++segment_;
        loaded_ = false;
        continue;
      }
      const mp4::ChunkInfo& c = samples_.chunks[chunk_++];
      const size_t next = c.audio ? audio_ : video_;
      if (next + c.samples > (c.audio ? samples_.audio.size() : samples_.video.size())) {
        return Err(ErrorCode::kInternal, "a chunk names more samples than its segment has");
      }
      if (c.samples == 0) continue;
      chunk_audio_ = c.audio;
      chunk_left_ = c.samples;
      chunk_offset_ = c.offset;
    }
    // The chunk's next frames, as many whole ones as fit in max_read_bytes_ (at least one). The
    // frames before them were all yielded (in_chunk_ is 0), so audio_ / video_ is the first.
    const size_t first = chunk_audio_ ? audio_ : video_;
    uint64_t bytes = 0;
    uint32_t frames = 0;
    for (; frames < chunk_left_; ++frames) {
      const uint64_t size = chunk_audio_ ? samples_.audio[first + frames].bytes
                                         : samples_.video[first + frames].bytes;
      if (frames > 0 && bytes + size > max_read_bytes_) break;
      bytes += size;
    }
    buf_.resize(bytes);
    NJ_CHECK_OK(plan_.reader->ReadAt(seg.source, chunk_offset_, buf_));
    largest_read_ = std::max<size_t>(largest_read_, bytes);
    chunk_offset_ += bytes;
    chunk_left_ -= frames;
    in_chunk_ = frames;
    pos_ = 0;
    return true;
  }
  return false;
}

Result<bool> FrameCursor::Next(PlannedFrame* out) {
  if (error_) return Err(*error_);
  while (in_chunk_ == 0) {
    Result<bool> more = Advance();
    if (!more) {
      error_ = more.error();
      return Err(*error_);
    }
    if (!*more) return false;
  }
  --in_chunk_;
  PlannedFrame& f = *out;
  f = PlannedFrame{};
  f.audio = chunk_audio_;
  f.segment = segment_;
  if (chunk_audio_) {
    const auto& a = samples_.audio[audio_++];
    f.dts = audio_dts_;
    f.duration = static_cast<int32_t>(a.duration);
    f.key = true;
    f.data = std::span<const uint8_t>(buf_).subspan(pos_, a.bytes);
    audio_dts_ += a.duration;
  } else {
    const auto& v = samples_.video[video_++];
    f.dts = video_dts_;
    f.duration = static_cast<int32_t>(v.duration);
    f.cto = v.cto;
    f.key = v.key;
    f.data = std::span<const uint8_t>(buf_).subspan(pos_, v.bytes);
    video_dts_ += v.duration;
  }
  pos_ += f.data.size();
  return true;
}

Result<void> ForEachFrame(const MediaPlan& plan,
                          const std::function<Result<void>(const PlannedFrame&)>& fn) {
  FrameCursor cursor(plan);
  PlannedFrame f;
  while (true) {
    NJ_TRY(bool more, cursor.Next(&f));
    if (!more) return Ok();
    NJ_CHECK_OK(fn(f));
  }
}

}  // namespace nightjar::storage
