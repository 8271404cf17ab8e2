#include "http/services/catalog.h"

namespace nightjar::http {

void AddSpansToDays(std::span<const std::pair<Time90k, Time90k>> spans,
                    std::optional<int64_t> utc_offset_s, std::map<int64_t, DayTotal>& days,
                    Time90k from) {
  std::optional<CalendarDay> day;  // the day last looked up: consecutive recordings mostly share it
  DayTotal* d = nullptr;           // its entry
  for (const auto& [start, end] : spans) {
    Time90k t = std::max(start, from);
    bool first_part = start >= from;
    while (t < end) {
      const int64_t secs = t.ToUnixSeconds();
      if (!day || secs < day->begin || secs >= day->end) {
        day = CalendarDayOf(secs, utc_offset_s);
        auto [it, fresh] = days.try_emplace(day->begin);
        d = &it->second;
        if (fresh) {
          d->date = day->date;
          d->begin = day->begin;
          d->end = day->end;
        }
      }
      const Time90k until = std::min(end, Time90k::FromUnixSeconds(day->end));
      if (d->recordings == 0 || t < d->first) d->first = t;
      if (d->recordings == 0 || until > d->last) d->last = until;
      d->recorded += until - t;
      d->recordings++;
      if (first_part) d->starts++;
      first_part = false;
      t = until;
    }
  }
}

Result<std::vector<DayTotal>> CatalogService::RecordingDays(std::string_view camera,
                                                            std::string_view stream,
                                                            std::optional<int64_t> utc_offset_s) {
  NJ_TRY(auto spans, RecordingSpans(camera, stream));
  std::map<int64_t, DayTotal> days;
  AddSpansToDays(spans, utc_offset_s, days);
  std::vector<DayTotal> out;
  out.reserve(days.size());
  for (auto& [begin, d] : days) out.push_back(std::move(d));
  return out;
}

}  // namespace nightjar::http
