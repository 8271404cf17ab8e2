// GET /metrics: Prometheus text exposition (version 0.0.4) of ingest, storage, retention and
// HTTP request metrics. Per-stream series carry camera and stream labels.
#include "http/metrics.h"

#include "http/handlers/api.h"

namespace nightjar::http {
namespace {

void AppendIngest(std::string& out, const std::vector<CameraInfo>& cameras) {
  struct Series {
    const char* name;
    const char* type;
    const char* help;
    double (*value)(const StreamInfo&);
  };
  static const Series kSeries[] = {
      {"nightjar_ingest_bytes_total", "counter", "Access-unit bytes received from the camera.",
       [](const StreamInfo& s) { return static_cast<double>(s.bytes); }},
      {"nightjar_ingest_frames_total", "counter", "Video access units received.",
       [](const StreamInfo& s) { return static_cast<double>(s.frames); }},
      {"nightjar_ingest_reconnects_total", "counter", "Connection attempts after the first.",
       [](const StreamInfo& s) { return static_cast<double>(s.reconnects); }},
      {"nightjar_ingest_resyncs_total", "counter",
       "Times junk was skipped on the interleaved stream to find the next frame.",
       [](const StreamInfo& s) { return static_cast<double>(s.resyncs); }},
      {"nightjar_ingest_skipped_bytes_total", "counter",
       "Junk bytes skipped on the interleaved stream.",
       [](const StreamInfo& s) { return static_cast<double>(s.skipped_bytes); }},
      {"nightjar_ingest_dropped_packets_total", "counter",
       "RTP packets dropped as not of the stream (not RTP v2, another payload type or SSRC).",
       [](const StreamInfo& s) { return static_cast<double>(s.dropped_packets); }},
      {"nightjar_ingest_frames_shed_total", "counter",
       "Frames refused because the disk fell behind.",
       [](const StreamInfo& s) { return static_cast<double>(s.frames_shed); }},
      {"nightjar_ingest_fps", "gauge", "Video frames per second over the last few seconds.",
       [](const StreamInfo& s) { return s.fps; }},
      {"nightjar_ingest_bitrate_bps", "gauge", "Bits per second over the last few seconds.",
       [](const StreamInfo& s) { return s.bitrate_bps; }},
      {"nightjar_ingest_streaming", "gauge", "1 while the stream is connected and playing.",
       [](const StreamInfo& s) { return s.state == "streaming" ? 1.0 : 0.0; }},
  };
  for (const Series& series : kSeries) {
    AppendMetricHeader(out, series.name, series.type, series.help);
    for (const auto& c : cameras) {
      for (const auto& s : c.streams) {
        AppendSample(out, series.name, {{"camera", c.config.id}, {"stream", s.kind}},
                     series.value(s));
      }
    }
  }
}

void AppendStorage(std::string& out, const StorageStatus& st, const Counters& counters) {
  AppendMetricHeader(out, "nightjar_disk_used_bytes", "gauge",
                     "Sample-file bytes of the recordings in each directory.");
  for (const auto& d : st.dirs)
    AppendSample(out, "nightjar_disk_used_bytes", {{"dir", d.path}}, d.used_bytes);
  AppendMetricHeader(out, "nightjar_disk_free_bytes", "gauge",
                     "Free bytes of each sample-file directory's file system.");
  for (const auto& d : st.dirs) {
    if (d.free_bytes)
      AppendSample(out, "nightjar_disk_free_bytes", {{"dir", d.path}}, *d.free_bytes);
  }
  AppendMetricHeader(out, "nightjar_disk_total_bytes", "gauge",
                     "Size of each sample-file directory's file system.");
  for (const auto& d : st.dirs) {
    if (d.total_bytes) {
      AppendSample(out, "nightjar_disk_total_bytes", {{"dir", d.path}}, *d.total_bytes);
    }
  }
  AppendMetricHeader(out, "nightjar_stream_recorded_bytes", "gauge",
                     "Bytes of the stream's recordings on disk.");
  for (const auto& s : st.streams) {
    AppendSample(out, "nightjar_stream_recorded_bytes", {{"camera", s.camera}, {"stream", s.kind}},
                 s.bytes);
  }
  AppendMetricHeader(out, "nightjar_stream_recordings", "gauge", "Recordings of the stream.");
  for (const auto& s : st.streams) {
    AppendSample(out, "nightjar_stream_recordings", {{"camera", s.camera}, {"stream", s.kind}},
                 static_cast<uint64_t>(s.recordings));
  }
  AppendMetricHeader(out, "nightjar_retention_deleted_recordings_total", "counter",
                     "Recordings deleted by retention.");
  AppendSample(out, "nightjar_retention_deleted_recordings_total", {},
               counters.retention_deleted_recordings);
  AppendMetricHeader(out, "nightjar_retention_deleted_bytes_total", "counter",
                     "Sample-file bytes deleted by retention.");
  AppendSample(out, "nightjar_retention_deleted_bytes_total", {}, counters.retention_deleted_bytes);
  AppendMetricHeader(out, "nightjar_maintenance_errors_total", "counter",
                     "Checkpoint and retention passes that failed (each is logged).");
  AppendSample(out, "nightjar_maintenance_errors_total", {}, counters.maintenance_errors);
}

}  // namespace

Response HandleMetrics(const ApiContext& ctx, const Request&) {
  auto cameras = ctx.cameras->List();
  if (!cameras) return FromError(cameras.error());
  auto storage = ctx.system->Storage();
  if (!storage) return FromError(storage.error());
  auto counters = ctx.system->GetCounters();
  if (!counters) return FromError(counters.error());
  std::string out;
  AppendIngest(out, *cameras);
  AppendStorage(out, *storage, *counters);
  if (ctx.metrics) ctx.metrics->AppendPrometheus(out);
  return Response::Text(200, std::move(out), "text/plain; version=0.0.4; charset=utf-8");
}

}  // namespace nightjar::http
