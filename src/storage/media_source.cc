#include "storage/media_source.h"

#include <algorithm>
#include <map>
#include <set>

#include "storage/sample_dir.h"

namespace nightjar::storage {
namespace {

class DbCatalog final : public RecordingCatalog {
 public:
  explicit DbCatalog(std::unique_ptr<db::Database> db) : db_(std::move(db)) {}
  Result<std::vector<db::RecordingRow>> ListRecordings(int64_t stream_id, Time90k from,
                                                       Time90k to) override {
    std::lock_guard lock(mu_);
    return db_->ListRecordings(stream_id, from, to);
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

// One recording's included samples, decoded from its index.
struct Decoded {
  mp4::SegmentSamples samples;
  uint64_t begin = 0, end = 0;  // byte span in the sample file
  uint64_t video_sync = 0, video_duration = 0, audio_duration = 0;
  uint64_t video_chunks = 0, audio_chunks = 0;
  bool has_cto = false;
  int64_t first_start = 0;   // decode time of the first included frame in the recording (90 kHz)
  int64_t end_start = 0;     // decode time where the included frames end
  int64_t audio_start = -1;  // start of the first included audio sample (sample-rate units)
};

// All of a recording's samples with their file offsets.
struct FullIndex {
  std::vector<db::VideoSample> video;
  std::vector<db::AudioSample> audio;
  std::vector<uint64_t> video_offset, audio_offset;  // in the sample file
  std::vector<db::Chunk> chunks;                     // empty without audio
  uint64_t file_bytes = 0;
};

Result<FullIndex> DecodeIndex(const db::RecordingRow& row, const db::RecordingIndexRow& idx) {
  FullIndex f;
  f.video.reserve(static_cast<size_t>(row.video_samples));
  db::VideoIndexIterator vi(idx.video_index, (row.flags & db::kRecordingHasCto) != 0);
  while (true) {
    NJ_TRY(bool more, vi.Next());
    if (!more) break;
    f.video.push_back(vi.sample());
  }
  if (static_cast<int64_t>(f.video.size()) != row.video_samples) {
    return Err(ErrorCode::kMalformed, "recording " + std::to_string(row.composite_id) +
                                          ": index frame count differs from its row");
  }
  if (!idx.chunk_index) {
    for (const auto& v : f.video) f.video_offset.push_back(static_cast<uint64_t>(v.byte_offset));
    if (!f.video.empty()) f.file_bytes = f.video_offset.back() + f.video.back().bytes;
    return f;
  }
  if (idx.audio_index) {
    db::AudioIndexIterator ai(*idx.audio_index);
    while (true) {
      NJ_TRY(bool more, ai.Next());
      if (!more) break;
      f.audio.push_back(ai.sample());
    }
  }
  db::ChunkIndexIterator ci(*idx.chunk_index);
  uint64_t pos = 0;
  while (true) {
    NJ_TRY(bool more, ci.Next());
    if (!more) break;
    const db::Chunk& c = ci.chunk();
    const bool audio = c.track == db::Track::kAudio;
    if (c.first_sample + c.samples >
        static_cast<int64_t>(audio ? f.audio.size() : f.video.size())) {
      return Err(ErrorCode::kMalformed, "chunk index names more samples than the index has");
    }
    f.chunks.push_back(c);
    for (int64_t k = c.first_sample; k < c.first_sample + c.samples; ++k) {
      (audio ? f.audio_offset : f.video_offset).push_back(pos);
      pos += static_cast<uint64_t>(audio ? f.audio[k].bytes : f.video[k].bytes);
    }
  }
  f.file_bytes = pos;
  if (f.video_offset.size() != f.video.size() || f.audio_offset.size() != f.audio.size()) {
    return Err(ErrorCode::kMalformed, "chunk index does not cover every sample");
  }
  return f;
}

// Frames [first, end) of the video, and the audio samples lying between them in the file (all
// of the file's audio before the first frame or after the last one when those are included).
Decoded Select(const FullIndex& f, int64_t first, int64_t end) {
  Decoded d;
  const auto& v = f.video;
  const auto n = static_cast<int64_t>(v.size());
  d.begin = first == 0 ? 0 : f.video_offset[first];
  d.end =
      end == n ? f.file_bytes : f.video_offset[end - 1] + static_cast<uint64_t>(v[end - 1].bytes);
  d.first_start = v[first].start.ticks();
  d.end_start = v[end - 1].start.ticks() + v[end - 1].duration.ticks();
  for (int64_t i = first; i < end; ++i) {
    const auto& s = v[i];
    d.samples.video.push_back({static_cast<uint32_t>(s.duration.ticks()),
                               static_cast<uint32_t>(s.bytes), static_cast<int32_t>(s.cto.ticks()),
                               s.key});
    d.video_sync += s.key;
    d.video_duration += static_cast<uint64_t>(s.duration.ticks());
    d.has_cto |= s.cto.ticks() != 0;
  }
  if (f.chunks.empty()) {
    d.video_chunks = 1;
    return d;
  }
  for (const db::Chunk& c : f.chunks) {
    const bool audio = c.track == db::Track::kAudio;
    bool open = false;  // an output chunk of this input chunk is open
    for (int64_t k = c.first_sample; k < c.first_sample + c.samples; ++k) {
      const uint64_t off = audio ? f.audio_offset[k] : f.video_offset[k];
      bool take;
      if (audio) {
        take = off >= d.begin && off + static_cast<uint64_t>(f.audio[k].bytes) <= d.end;
      } else {
        take = k >= first && k < end;
      }
      if (!take) {
        open = false;
        continue;
      }
      if (!open) {
        d.samples.chunks.push_back({audio, 0, off});
        (audio ? d.audio_chunks : d.video_chunks)++;
        open = true;
      }
      d.samples.chunks.back().samples++;
      if (audio) {
        if (d.audio_start < 0) d.audio_start = f.audio[k].start;
        d.samples.audio.push_back(
            {static_cast<uint32_t>(f.audio[k].duration), static_cast<uint32_t>(f.audio[k].bytes)});
        d.audio_duration += static_cast<uint64_t>(f.audio[k].duration);
      }
    }
  }
  return d;
}

// Media time (90 kHz, from the recording's first frame) of wall time t, clamped to the recording.
int64_t MediaAt(const db::RecordingRow& r, Time90k t) {
  const int64_t wall = r.wall_duration.ticks(), media = r.media_duration.ticks();
  const int64_t into = std::clamp<int64_t>((t - r.start).ticks(), 0, wall);
  if (wall <= 0) return 0;
  return static_cast<int64_t>(static_cast<__int128>(into) * media / wall);
}

Result<Decoded> DecodeRange(RecordingCatalog& catalog, const db::RecordingRow& row, Time90k from,
                            Time90k to, MediaPlan::Part* part) {
  NJ_TRY(db::RecordingIndexRow idx, catalog.GetRecordingIndex(row.composite_id));
  NJ_TRY(FullIndex f, DecodeIndex(row, idx));
  const auto n = static_cast<int64_t>(f.video.size());
  int64_t first = 0, end = n;
  if (from > row.start) {
    const int64_t m = MediaAt(row, from);
    for (int64_t i = 0; i < n && f.video[i].start.ticks() <= m; ++i) {
      if (f.video[i].key) first = i;
    }
  }
  if (to < row.end()) {
    // Up to the last frame presented before `to`: with B-frames that is not the last one
    // decoded before it. Presentation times are relative to the first key frame's.
    const int64_t m = MediaAt(row, to), shift = f.video[first].cto.ticks();
    end = first + 1;
    for (int64_t i = first + 1; i < n && f.video[i].start.ticks() - 2 * kTicksPerSecond < m; ++i) {
      if (f.video[i].start.ticks() + f.video[i].cto.ticks() - shift < m) end = i + 1;
    }
  }
  part->first_frame = first;
  part->end_frame = end;
  return Select(f, first, end);
}

mp4::SampleEntrySpec SpecOf(const db::SampleEntryRow& e) {
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

mp4::Mp4Segment SegmentOf(const db::RecordingRow& row, std::shared_ptr<const Decoded> d) {
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
                              std::shared_ptr<RecordingCatalog> catalog) {
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
    NJ_TRY(FullIndex f, DecodeIndex(row, idx));
    return Select(f, 0, static_cast<int64_t>(f.video.size())).samples;
  };
  return s;
}

}  // namespace

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

Result<MediaPlan> PlanRange(std::shared_ptr<RecordingCatalog> catalog, Fs& fs, int64_t stream_id,
                            Time90k from, Time90k to) {
  if (from >= to) return Err(ErrorCode::kInvalidArgument, "empty time range");
  MediaPlan plan;
  plan.stream_id = stream_id;
  plan.from = from;
  plan.to = to;
  plan.catalog = catalog;
  NJ_TRY(auto rows, catalog->ListRecordings(stream_id, from, to));
  std::erase_if(rows, [](const db::RecordingRow& r) { return r.video_samples == 0; });
  if (rows.empty()) return Err(ErrorCode::kNotFound, "nothing was recorded in the range");
  NJ_TRY(std::string dir, catalog->SampleDirPath(stream_id));
  plan.reader = std::make_shared<SampleFileReader>(fs, dir);

  std::map<int64_t, uint32_t> video_entries, audio_entries;
  mp4::Mp4Input& in = plan.mp4;
  uint64_t media = 0;
  int64_t overshoot = 0;  // decode time of the last segment's frames past `to` (may be < 0)
  int64_t last_modified = 0;
  bool audio_anchored = false;
  for (size_t i = 0; i < rows.size(); ++i) {
    const db::RecordingRow& row = rows[i];
    MediaPlan::Part part{0, row.video_samples};
    const bool eager = i == 0 || i + 1 == rows.size() || row.audio_sample_entry_id;
    mp4::Mp4Segment seg;
    std::shared_ptr<const Decoded> d;
    if (eager) {
      NJ_TRY(Decoded decoded, DecodeRange(*catalog, row, from, to, &part));
      d = std::make_shared<const Decoded>(std::move(decoded));
      seg = SegmentOf(row, d);
    } else {
      seg = LazySegmentOf(row, catalog);
    }
    auto entry = [&](std::map<int64_t, uint32_t>& ids, std::vector<mp4::SampleEntrySpec>& specs,
                     int64_t id) -> Result<uint32_t> {
      if (auto it = ids.find(id); it != ids.end()) return it->second;
      NJ_TRY(db::SampleEntryRow e, catalog->GetSampleEntry(id));
      specs.push_back(SpecOf(e));
      return ids[id] = static_cast<uint32_t>(specs.size() - 1);
    };
    NJ_TRY(seg.video_entry, entry(video_entries, in.video_entries, row.video_sample_entry_id));
    if (row.audio_sample_entry_id && seg.audio_samples > 0) {
      NJ_TRY(uint32_t a, entry(audio_entries, in.audio_entries, *row.audio_sample_entry_id));
      seg.audio_entry = static_cast<int32_t>(a);
      if (!audio_anchored && d && d->audio_start >= 0) {
        audio_anchored = true;
        // Where this first audio lies relative to the first video frame of the file.
        const auto rate = static_cast<int64_t>(in.audio_entries[0].sample_rate);
        if (rate > 0) {
          plan.audio_offset_90k = static_cast<int64_t>(media) +
                                  d->audio_start * kTicksPerSecond / rate - d->first_start;
        }
      }
    } else {
      seg.audio_samples = 0;
      seg.audio_chunks = 0;
      seg.audio_duration = 0;
    }
    if (i == 0) {
      plan.video_skip_90k = from > row.start ? MediaAt(row, from) - d->first_start : 0;
      in.video_edit_start = d->samples.video[0].cto + plan.video_skip_90k;
      plan.start = std::max(from, row.start);
    }
    if (i + 1 == rows.size()) {
      if (to < row.end()) overshoot = d->end_start - MediaAt(row, to);
      plan.end = std::min(to, row.end());
    }
    media += seg.video_duration;
    last_modified = std::max(last_modified, row.end().ToUnixSeconds());
    in.segments.push_back(std::move(seg));
    plan.parts.push_back(part);
  }
  plan.recordings = std::move(rows);
  in.video_edit_duration =
      static_cast<uint64_t>(static_cast<int64_t>(media) - plan.video_skip_90k - overshoot);
  if (!in.audio_entries.empty()) {
    const auto rate = static_cast<int64_t>(in.audio_entries[0].sample_rate);
    in.audio_edit_start = (plan.video_skip_90k - plan.audio_offset_90k) * rate / kTicksPerSecond;
  }
  in.creation_unix_seconds = plan.start.ToUnixSeconds();
  in.last_modified_unix_seconds = last_modified;
  in.etag_salt = "stream " + std::to_string(stream_id);
  return plan;
}

Result<MediaPlan> PlanRangeLeased(Engine& engine, std::shared_ptr<RecordingCatalog> catalog, Fs& fs,
                                  int64_t stream_id, Time90k from, Time90k to) {
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
    auto all = std::make_shared<std::vector<std::shared_ptr<Engine::Lease>>>(std::move(leases));
    plan.lease = std::shared_ptr<Engine::Lease>(all, all->empty() ? nullptr : all->front().get());
    return plan;
  }
  return Err(ErrorCode::kAborted, "recordings kept changing while being leased");
}

Result<void> ForEachFrame(const MediaPlan& plan,
                          const std::function<Result<void>(const PlannedFrame&)>& fn) {
  int64_t video_dts = 0, audio_dts = 0;
  std::vector<uint8_t> buf;
  for (size_t i = 0; i < plan.mp4.segments.size(); ++i) {
    const mp4::Mp4Segment& seg = plan.mp4.segments[i];
    NJ_TRY(mp4::SegmentSamples s, seg.load());
    if (s.chunks.empty()) {
      s.chunks.push_back({false, static_cast<uint32_t>(s.video.size()), seg.begin});
    }
    size_t vi = 0, ai = 0;
    for (const mp4::ChunkInfo& c : s.chunks) {
      uint64_t bytes = 0;
      for (uint32_t k = 0; k < c.samples; ++k) {
        bytes += c.audio ? s.audio[ai + k].bytes : s.video[vi + k].bytes;
      }
      buf.resize(bytes);
      NJ_CHECK_OK(plan.reader->ReadAt(seg.source, c.offset, buf));
      uint64_t pos = 0;
      for (uint32_t k = 0; k < c.samples; ++k) {
        PlannedFrame f;
        f.audio = c.audio;
        f.segment = i;
        if (c.audio) {
          const auto& a = s.audio[ai++];
          f.dts = audio_dts;
          f.duration = static_cast<int32_t>(a.duration);
          f.key = true;
          f.data = std::span<const uint8_t>(buf).subspan(pos, a.bytes);
          audio_dts += a.duration;
        } else {
          const auto& v = s.video[vi++];
          f.dts = video_dts;
          f.duration = static_cast<int32_t>(v.duration);
          f.cto = v.cto;
          f.key = v.key;
          f.data = std::span<const uint8_t>(buf).subspan(pos, v.bytes);
          video_dts += v.duration;
        }
        pos += f.data.size();
        NJ_CHECK_OK(fn(f));
      }
    }
  }
  return Ok();
}

}  // namespace nightjar::storage
