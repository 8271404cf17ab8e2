#include "app/catalog.h"

namespace nightjar::app {

Result<Listing> LoadListing(db::Database& d, std::string_view camera, db::StreamKind kind,
                            std::optional<Time90k> from, std::optional<Time90k> to) {
  Listing l;
  NJ_TRY(auto found, d.FindStream(camera, kind));
  l.camera = std::move(found.first);
  l.stream = found.second;
  // Absent bounds: far enough to include everything, small enough that ListRecordings'
  // from - kMaxRecordingDuration cannot overflow.
  NJ_TRY(l.recordings, d.ListRecordings(l.stream.id, from.value_or(Time90k(INT64_MIN / 4)),
                                        to.value_or(Time90k(INT64_MAX / 4))));
  for (const auto& r : l.recordings) {
    if (l.entries.contains(r.video_sample_entry_id)) continue;
    NJ_TRY(l.entries[r.video_sample_entry_id], d.GetSampleEntry(r.video_sample_entry_id));
  }
  l.runs = db::GroupRuns(l.recordings);
  return l;
}

std::string RecordingName(const db::RecordingRow& r) {
  return std::to_string(db::StreamIdOf(r.composite_id)) + "/" +
         std::to_string(db::RecordingIdOf(r.composite_id));
}

Result<int64_t> StreamId(storage::Engine& engine, std::string_view camera,
                         std::string_view stream) {
  NJ_TRY(db::StreamKind kind, db::ParseStreamKind(stream));
  return engine.WithDb([&](db::Database& d) -> Result<int64_t> {
    NJ_TRY(auto found, d.FindStream(camera, kind));
    return found.second.id;
  });
}

Result<http::RecordingList> Catalog::ListRecordings(std::string_view camera,
                                                    std::string_view stream,
                                                    std::optional<Time90k> from,
                                                    std::optional<Time90k> to) {
  NJ_TRY(db::StreamKind kind, db::ParseStreamKind(stream));
  NJ_TRY(Listing l,
         engine_.WithDb([&](db::Database& d) { return LoadListing(d, camera, kind, from, to); }));
  http::RecordingList list;
  list.camera = std::string(camera);
  list.stream = std::string(stream);
  for (const auto& r : l.recordings) {
    const db::SampleEntryRow& e = l.entries.at(r.video_sample_entry_id);
    http::RecordingInfo info;
    info.id = RecordingName(r);
    info.start = r.start;
    info.end = r.end();
    info.bytes = static_cast<uint64_t>(r.sample_file_bytes);
    info.frames = r.video_samples;
    info.key_frames = r.video_sync_samples;
    info.codec = e.codec;
    info.width = static_cast<uint32_t>(e.width.value_or(0));
    info.height = static_cast<uint32_t>(e.height.value_or(0));
    info.growing = r.state == db::RecordingState::kWriting;
    list.recordings.push_back(std::move(info));
  }
  for (const auto& run : l.runs) {
    list.runs.push_back({run.start, run.end, static_cast<int64_t>(run.count)});
  }
  return list;
}

Result<std::vector<std::pair<Time90k, Time90k>>> Catalog::RecordingSpans(std::string_view camera,
                                                                         std::string_view stream) {
  NJ_TRY(int64_t stream_id, StreamId(engine_, camera, stream));
  return engine_.WithDb([&](db::Database& d) { return d.ListRecordingSpans(stream_id); });
}

}  // namespace nightjar::app
