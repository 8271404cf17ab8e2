#include "storage/media_index.h"

#include <algorithm>
#include <string>

namespace nightjar::storage::internal {
namespace {

Error Damaged(const db::RecordingRow& row, const std::string& what) {
  return Error(ErrorCode::kMalformed,
               "recording " + std::to_string(row.composite_id) + ": " + what);
}

// Sample and byte offsets from the chunk index (file order). For a WRITING row, the chunks past
// the row's counts are clipped away.
Result<void> DecodeChunks(const db::RecordingRow& row, std::span<const uint8_t> index,
                          FullIndex& f) {
  db::ChunkIndexIterator ci(index);
  uint64_t pos = 0;
  while (true) {
    NJ_TRY(bool more, ci.Next());
    if (!more) break;
    db::Chunk c = ci.chunk();
    const bool audio = c.track == db::Track::kAudio;
    const auto have = static_cast<int64_t>(audio ? f.audio.size() : f.video.size());
    if (c.first_sample + c.samples > have) {
      if (row.state != db::RecordingState::kWriting) {
        return Err(Damaged(row, "chunk index names more samples than the index has"));
      }
      c.samples = std::max<int64_t>(0, have - c.first_sample);
      if (c.samples == 0) continue;
    }
    f.chunks.push_back(c);
    for (int64_t k = c.first_sample; k < c.first_sample + c.samples; ++k) {
      (audio ? f.audio_offset : f.video_offset).push_back(pos);
      pos += static_cast<uint64_t>(audio ? f.audio[k].bytes : f.video[k].bytes);
    }
  }
  f.file_bytes = pos;
  if (f.video_offset.size() != f.video.size() || f.audio_offset.size() != f.audio.size()) {
    return Err(Damaged(row, "chunk index does not cover every sample"));
  }
  return Ok();
}

}  // namespace

Result<FullIndex> DecodeIndex(const db::RecordingRow& row, const db::RecordingIndexRow& idx,
                              IndexParts parts) {
  // A checkpoint only appends to a WRITING row's indexes: the row's counts name a prefix.
  const bool writing = row.state == db::RecordingState::kWriting;
  FullIndex f;
  f.video.reserve(static_cast<size_t>(row.video_samples));
  db::VideoIndexIterator vi(idx.video_index, (row.flags & db::kRecordingHasCto) != 0);
  while (!writing || static_cast<int64_t>(f.video.size()) < row.video_samples) {
    NJ_TRY(bool more, vi.Next());
    if (!more) break;
    f.video.push_back(vi.sample());
  }
  if (static_cast<int64_t>(f.video.size()) != row.video_samples) {
    return Err(Damaged(row, "index frame count differs from its row"));
  }
  if (parts == IndexParts::kVideo) return f;
  if (!idx.chunk_index) {
    f.video_offset.reserve(f.video.size());
    for (const auto& v : f.video) f.video_offset.push_back(static_cast<uint64_t>(v.byte_offset));
    if (!f.video.empty()) f.file_bytes = f.video_offset.back() + f.video.back().bytes;
    return f;
  }
  if (idx.audio_index) {
    db::AudioIndexIterator ai(*idx.audio_index);
    while (!writing || static_cast<int64_t>(f.audio.size()) < row.audio_samples) {
      NJ_TRY(bool more, ai.Next());
      if (!more) break;
      f.audio.push_back(ai.sample());
    }
  }
  NJ_CHECK_OK(DecodeChunks(row, *idx.chunk_index, f));
  return f;
}

Decoded Select(const FullIndex& f, int64_t first, int64_t end, AudioSpan span) {
  Decoded d;
  const auto& v = f.video;
  const auto n = static_cast<int64_t>(v.size());
  if (first == 0) {
    d.begin = 0;
  } else if (span == AudioSpan::kFromPreviousFrame) {
    d.begin = f.video_offset[first - 1] + static_cast<uint64_t>(v[first - 1].bytes);
  } else {
    d.begin = f.video_offset[first];
  }
  d.end =
      end == n ? f.file_bytes : f.video_offset[end - 1] + static_cast<uint64_t>(v[end - 1].bytes);
  d.first_start = v[first].start.ticks();
  d.end_start = v[end - 1].start.ticks() + v[end - 1].duration.ticks();
  d.samples.video.reserve(static_cast<size_t>(end - first));
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

int64_t MediaAt(const db::RecordingRow& r, Time90k t) {
  const int64_t wall = r.wall_duration.ticks(), media = r.media_duration.ticks();
  const int64_t into = std::clamp<int64_t>((t - r.start).ticks(), 0, wall);
  if (wall <= 0) return 0;
  return static_cast<int64_t>(static_cast<__int128>(into) * media / wall);
}

Time90k WallAt(const db::RecordingRow& r, int64_t media) {
  const int64_t wall = r.wall_duration.ticks(), total = r.media_duration.ticks();
  if (total <= 0) return r.start;
  return r.start + Duration90k(static_cast<int64_t>(static_cast<__int128>(media) * wall / total));
}

MediaPlan::Part TrimRange(const db::RecordingRow& row, const FullIndex& f, Time90k from,
                          Time90k to) {
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
  return {first, end};
}

Result<Decoded> DecodeRange(RecordingCatalog& catalog, const db::RecordingRow& row, Time90k from,
                            Time90k to, MediaPlan::Part* part) {
  NJ_TRY(db::RecordingIndexRow idx, catalog.GetRecordingIndex(row.composite_id));
  NJ_TRY(FullIndex f, DecodeIndex(row, idx));
  *part = TrimRange(row, f, from, to);
  return Select(f, part->first_frame, part->end_frame);
}

Result<std::vector<db::RecordingRow>> ListRecorded(RecordingCatalog& catalog, int64_t stream_id,
                                                   Time90k from, Time90k to) {
  if (from >= to) return Err(ErrorCode::kInvalidArgument, "empty time range");
  NJ_TRY(auto rows, catalog.ListRecordings(stream_id, from, to));
  std::erase_if(rows, [](const db::RecordingRow& r) { return r.video_samples == 0; });
  if (rows.empty()) return Err(ErrorCode::kNotFound, "nothing was recorded in the range");
  return rows;
}

}  // namespace nightjar::storage::internal
