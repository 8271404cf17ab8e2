#include "app/catalog.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <climits>

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

namespace {

constexpr size_t kMaxZoneCaches = 64;  // (stream, offset) pairs kept; all dropped beyond

std::vector<http::DayTotal> Values(std::map<int64_t, http::DayTotal>&& days) {
  std::vector<http::DayTotal> out;
  out.reserve(days.size());
  for (auto& [begin, d] : days) out.push_back(std::move(d));
  return out;
}

int64_t SumStarts(const std::map<int64_t, http::DayTotal>& days) {
  int64_t n = 0;
  for (const auto& [begin, d] : days) n += d.starts;
  return n;
}

}  // namespace

Result<std::vector<http::DayTotal>> Catalog::RecordingDays(std::string_view camera,
                                                           std::string_view stream,
                                                           std::optional<int64_t> utc_offset_s) {
  NJ_TRY(int64_t stream_id, StreamId(engine_, camera, stream));
  return DaysOf(stream_id, utc_offset_s);
}

Result<std::vector<http::DayTotal>> Catalog::DaysOf(int64_t stream_id,
                                                    std::optional<int64_t> utc_offset_s) {
  std::lock_guard lock(days_mu_);
  if (utc_offset_s && zone_days_.size() >= kMaxZoneCaches) zone_days_.clear();
  DaysCache& c = utc_offset_s ? zone_days_[{stream_id, *utc_offset_s}] : local_days_[stream_id];
  return engine_.WithDb([&](db::Database& d) { return CachedDays(d, stream_id, utc_offset_s, c); });
}

size_t Catalog::WarmDays(const std::atomic<bool>& stop) {
  const auto t0 = std::chrono::steady_clock::now();
  auto streams = engine_.WithDb([](db::Database& d) { return d.ListStreams(); });
  if (!streams) {
    spdlog::warn("catalog: listing the streams: {}", streams.error().ToString());
    return 0;
  }
  size_t warmed = 0;
  for (const db::StreamRow& s : *streams) {
    if (stop) return warmed;
    if (auto days = DaysOf(s.id, std::nullopt); !days) {
      spdlog::warn("catalog: the days of stream {}: {}", s.id, days.error().ToString());
    } else {
      ++warmed;
    }
  }
  spdlog::info(
      "catalog: the days of {} stream(s) read in {} ms", warmed,
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count());
  return warmed;
}

Result<std::vector<http::DayTotal>> Catalog::CachedDays(db::Database& d, int64_t stream_id,
                                                        std::optional<int64_t> utc_offset_s,
                                                        DaysCache& c) {
  NJ_TRY(db::StreamUsage usage, d.GetStreamUsage(stream_id));
  NJ_TRY(auto deleting, d.ListRecordingsByState(db::RecordingState::kDeleting));
  const int64_t rows =
      usage.recordings - std::count_if(deleting.begin(), deleting.end(),
                                       [&](const auto& r) { return r.stream_id == stream_id; });
  if (c.oldest && usage.oldest_start && *usage.oldest_start > *c.oldest) {
    // Retention took the oldest recordings: the days up to the new oldest start's go, and that
    // day is added up alone (every recording overlapping it, clipped to it).
    const CalendarDay day = CalendarDayOf(usage.oldest_start->ToUnixSeconds(), utc_offset_s);
    std::erase_if(c.days, [&](const auto& e) { return e.first <= day.begin; });
    if (day.begin < c.cut_s) {
      NJ_TRY(auto spans, d.ListRecordingSpans(stream_id, Time90k::FromUnixSeconds(day.begin),
                                              Time90k::FromUnixSeconds(day.end)));
      std::map<int64_t, http::DayTotal> one;
      http::AddSpansToDays(spans, utc_offset_s, one, Time90k::FromUnixSeconds(day.begin));
      if (auto it = one.find(day.begin); it != one.end()) c.days[day.begin] = it->second;
    }
    c.oldest = usage.oldest_start;
    c.starts = SumStarts(c.days);
  }
  if (c.oldest && c.oldest == usage.oldest_start) {
    const Time90k cut = Time90k::FromUnixSeconds(c.cut_s);
    NJ_TRY(auto recent, d.ListRecordingSpans(stream_id, cut));
    const auto recent_starts =
        std::count_if(recent.begin(), recent.end(), [&](const auto& s) { return s.first >= cut; });
    if (c.starts + recent_starts == rows) {
      std::map<int64_t, http::DayTotal> days = c.days;
      http::AddSpansToDays(recent, utc_offset_s, days, cut);
      return Values(std::move(days));
    }
  }
  // Everything, once: then the days before the newest (less 10 minutes, the longest
  // recording) are kept.
  c = DaysCache{};
  NJ_TRY(auto spans, d.ListRecordingSpans(stream_id));
  std::map<int64_t, http::DayTotal> days;
  http::AddSpansToDays(spans, utc_offset_s, days);
  if (spans.empty() || !usage.oldest_start) return Values(std::move(days));
  c.cut_s =
      CalendarDayOf((spans.back().first - db::kMaxRecordingDuration).ToUnixSeconds(), utc_offset_s)
          .begin;
  for (const auto& [begin, day] : days) {
    if (begin < c.cut_s) c.days.emplace(begin, day);
  }
  c.starts = SumStarts(c.days);
  c.oldest = usage.oldest_start;
  return Values(std::move(days));
}

}  // namespace nightjar::app
