#include "storage/engine.h"

#include <sodium.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <future>

namespace nightjar::storage {

// The sink that connects a stream's Recorder to the engine: ids, rows, writer, builders.
class StreamRecording::Sink final : public RecordingSink {
 public:
  Sink(Engine& e, int64_t stream_id, size_t dir_index)
      : engine_(e), stream_id_(stream_id), dir_index_(dir_index) {}

  Result<void> BeginRecording(const Start& s) override {
    db::RecordingRow row;
    {
      std::lock_guard lock(engine_.open_mu_);
      row.composite_id = (stream_id_ << 32) | engine_.next_recording_[stream_id_]++;
    }
    row.stream_id = stream_id_;
    row.state = db::RecordingState::kWriting;
    row.run_start_id = s.new_run ? row.composite_id : run_start_id_;
    row.start = s.wall_start;
    row.video_sample_entry_id = s.video_sample_entry_id;
    row.audio_sample_entry_id = s.audio_sample_entry_id;
    run_start_id_ = row.run_start_id;
    builder_ = std::make_shared<RecordingBuilder>(row);
    {
      std::lock_guard lock(engine_.open_mu_);
      engine_.open_[row.composite_id] = {builder_, dir_index_};
    }
    // Preallocate for the expected length at the stream's recent bitrate (4 Mbit/s at first),
    // at most 64 MiB: a rate measured over a short recording can be far off.
    const uint64_t expected = std::min<uint64_t>(
        64 << 20, static_cast<uint64_t>(bytes_per_second_ * static_cast<double>(s.target.ticks()) /
                                        kTicksPerSecond * 1.1));
    Engine* engine = &engine_;
    std::shared_ptr<RecordingBuilder> builder = builder_;
    engine_.dirs_[dir_index_].writer->Open(
        row.composite_id, expected, [engine, builder, row]() -> Result<void> {
          std::lock_guard lock(engine->db_mu_);
          db::RecordingRow r = row;
          r.open_id = engine->db_->open_id();
          NJ_TRY(int64_t id, engine->db_->InsertRecording(r));
          if (id != row.composite_id) {
            return Err(ErrorCode::kInternal, "recording id " + std::to_string(id) +
                                                 " != expected " +
                                                 std::to_string(row.composite_id));
          }
          builder->set_row_inserted();
          return Ok();
        });
    return Ok();
  }

  bool AppendFrame(const TimedFrame& f) override {
    Writer& w = *engine_.dirs_[dir_index_].writer;
    // Two pointers: small enough for std::function to hold without allocating (once per frame).
    auto queue = [this, &f] {
      return engine_.dirs_[dir_index_].writer->Append(builder_->composite_id(), f.frame->data);
    };
    if (builder_->Append(f, queue)) return true;
    // The disk is not keeping up: say so loudly (at most every 10 s per stream); the recorder
    // sheds until the next key frame.
    const int64_t now_ns = engine_.clock_.MonotonicNanos();
    if (last_warning_ns_ == 0 || now_ns - last_warning_ns_ > int64_t{10'000'000'000}) {
      last_warning_ns_ = now_ns;
      const WriterStats st = w.Stats();
      spdlog::error(
          "stream {}: sample-file directory {} is falling behind ({} MB queued, {} appends "
          "refused so far): shedding frames until the next key frame",
          stream_id_, engine_.dirs_[dir_index_].dir->path(), st.pending_bytes >> 20,
          st.rejected_appends);
    }
    return false;
  }

  void EndRecording(const End& e) override {
    builder_->Finish(e.media_duration, e.wall_duration, e.run_end);
    {
      std::lock_guard lock(engine_.open_mu_);
      engine_.stream_end_[stream_id_] = builder_->row().start + e.wall_duration;
    }
    if (e.media_duration.ticks() > 0) {
      bytes_per_second_ = static_cast<double>(builder_->bytes()) * kTicksPerSecond /
                          static_cast<double>(e.media_duration.ticks());
    }
    Engine* engine = &engine_;
    size_t dir_index = dir_index_;
    std::shared_ptr<RecordingBuilder> builder = std::move(builder_);
    engine_.dirs_[dir_index_].writer->Close(builder->composite_id(),
                                            [engine, builder, dir_index](const FileState& state) {
                                              engine->OnClosed(builder, dir_index, state);
                                            });
  }

 private:
  Engine& engine_;
  const int64_t stream_id_;
  const size_t dir_index_;
  int64_t run_start_id_ = 0;
  double bytes_per_second_ = 4e6 / 8;
  int64_t last_warning_ns_ = 0;  // engine_.clock_ monotonic reading; 0: never warned
  std::shared_ptr<RecordingBuilder> builder_;
};

StreamRecording::~StreamRecording() = default;

Result<std::unique_ptr<Engine>> Engine::Open(Fs& fs, Clock& clock, const std::string& data_dir,
                                             EngineOptions options) {
  std::unique_ptr<Engine> e(new Engine(fs, clock, std::move(options)));
  NJ_TRY(bool exists, fs.Exists(data_dir));
  if (!exists) NJ_CHECK_OK(fs.MakeDir(data_dir));
  NJ_TRY(e->db_, db::Database::Open(data_dir + "/nightjar.db", db::OpenMode::kCreate, clock));
  NJ_CHECK_OK(e->OpenDirs(data_dir));
  NJ_CHECK_OK(e->Recover());
  {
    std::lock_guard lock(e->db_mu_);
    NJ_TRY(auto streams, e->db_->ListStreams());
    for (const auto& s : streams) e->next_recording_[s.id] = s.next_recording_id;
  }
  WriterOptions wo = e->options_.writer;
  Engine* engine = e.get();
  // Recordings opened together insert their rows in one transaction (one WAL sync).
  wo.open_group = [engine](const std::function<void()>& inserts) -> Result<void> {
    std::lock_guard lock(engine->db_mu_);
    return engine->db_->Batch([&]() -> Result<void> {
      inserts();
      return Ok();
    });
  };
  for (auto& d : e->dirs_) d.writer = std::make_unique<Writer>(*d.dir, wo);
  if (e->options_.file_scan == EngineOptions::FileScan::kInBackground) {
    e->file_scan_ = std::thread([engine = e.get()] {
      auto unknown = engine->ScanUnknownFiles();
      if (!unknown) {
        spdlog::error("scanning the sample-file directories: {}", unknown.error().ToString());
        return;
      }
      for (const auto& f : *unknown) {
        spdlog::warn("recovery: {} has no database row; left untouched", f);
      }
    });
  }
  if (e->options_.start_maintenance_thread) {
    e->maintenance_ = std::thread([engine = e.get()] { engine->MaintenanceLoop(); });
  }
  return e;
}

Result<void> Engine::OpenDirs(const std::string& data_dir) {
  std::vector<std::string> wanted = options_.dirs;
  if (wanted.empty()) wanted.push_back(data_dir + "/sample");
  NJ_TRY(auto known, db_->ListSampleFileDirs());
  for (const std::string& path : wanted) {
    auto it = std::find_if(known.begin(), known.end(),
                           [&](const db::SampleFileDirRow& r) { return r.path == path; });
    int64_t id;
    db::Uuid uuid;
    uint64_t min_free = options_.min_free_bytes;
    if (it != known.end()) {
      min_free = std::max(min_free, static_cast<uint64_t>(it->min_free_bytes));
    }
    if (it == known.end()) {
      uuid = NewUuid();
      NJ_TRY(id, db_->AddSampleFileDir(path, uuid, 0));
    } else {
      id = it->id;
      uuid = it->uuid;
    }
    NJ_TRY(auto dir,
           SampleFileDir::Open(fs_, path, db_->uuid(), uuid, SampleFileDir::Mode::kReadWrite));
    dirs_.push_back({id, min_free, std::move(dir), nullptr});
  }
  return Ok();
}

Engine::~Engine() {
  {
    std::lock_guard lock(maint_mu_);
    stopping_ = true;
  }
  maint_cv_.notify_all();
  stop_scan_ = true;
  if (file_scan_.joinable()) file_scan_.join();
  if (maintenance_.joinable()) maintenance_.join();
  (void)Checkpoint();
  for (auto& d : dirs_) d.writer.reset();  // drains: pending closes update their rows
  std::lock_guard lock(db_mu_);
  if (db_) (void)db_->MarkCleanShutdown();
}

void Engine::MaintenanceLoop() {
  std::unique_lock lock(maint_mu_);
  const auto interval = options_.checkpoint_interval.ToNanos();
  while (!stopping_) {
    maint_cv_.wait_for(lock, interval, [&] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    // A failed pass is retried at the next interval; it is logged and counted (/metrics) so that
    // a database that keeps refusing (disk full, corruption) does not go unnoticed.
    if (auto ok = Checkpoint(); !ok) {
      maintenance_errors_++;
      spdlog::error("checkpoint failed: {}", ok.error().ToString());
    }
    if (auto ok = ApplyRetention(); !ok) {
      maintenance_errors_++;
      spdlog::error("retention pass failed: {}", ok.error().ToString());
    }
    lock.lock();
  }
}

Result<int64_t> Engine::EnsureCamera(const std::string& short_name, const std::string& name) {
  std::lock_guard lock(db_mu_);
  if (auto c = db_->GetCameraByShortName(short_name); c) return c->id;
  db::CameraRow row;
  row.short_name = short_name;
  row.name = name;
  return db_->InsertCamera(row);
}

Result<int64_t> Engine::EnsureStream(int64_t camera_id, db::StreamKind kind, int64_t retain_bytes,
                                     std::optional<int64_t> retain_secs) {
  std::lock_guard lock(db_mu_);
  NJ_TRY(auto streams, db_->ListStreams(camera_id));
  for (auto s : streams) {
    if (s.kind != kind) continue;
    s.retain_bytes = retain_bytes;
    s.retain_secs = retain_secs;
    if (!s.sample_file_dir_id) s.sample_file_dir_id = dirs_[0].id;
    NJ_CHECK_OK(db_->UpdateStream(s));
    return s.id;
  }
  db::StreamRow row;
  row.camera_id = camera_id;
  row.kind = kind;
  row.sample_file_dir_id = dirs_[0].id;
  row.retain_bytes = retain_bytes;
  row.retain_secs = retain_secs;
  NJ_TRY(int64_t id, db_->InsertStream(row));
  std::lock_guard open_lock(open_mu_);
  next_recording_[id] = 1;
  return id;
}

Result<int64_t> Engine::SampleEntry(const db::SampleEntryRow& entry) {
  std::lock_guard lock(db_mu_);
  return db_->InsertOrGetSampleEntry(entry);
}

Result<std::unique_ptr<StreamRecording>> Engine::Record(int64_t stream_id,
                                                        uint32_t audio_clock_rate,
                                                        Duration90k stagger) {
  size_t dir_index = 0;
  RecorderOptions o;
  {
    std::lock_guard lock(open_mu_);
    if (auto it = stream_end_.find(stream_id); it != stream_end_.end()) o.previous_end = it->second;
  }
  {
    std::lock_guard lock(db_mu_);
    NJ_TRY(db::StreamRow s, db_->GetStream(stream_id));
    for (size_t i = 0; i < dirs_.size(); ++i) {
      if (s.sample_file_dir_id == dirs_[i].id) dir_index = i;
    }
    // The first session of this process: where the stream's stored recordings end (none left:
    // nothing holds the new run back).
    if (!o.previous_end) {
      NJ_TRY(db::StreamUsage usage, db_->GetStreamUsage(stream_id));
      o.previous_end = usage.newest_end;
    }
  }
  std::unique_ptr<StreamRecording> r(new StreamRecording());
  r->sink_ = std::make_unique<StreamRecording::Sink>(*this, stream_id, dir_index);
  o.target_duration = options_.recording_duration;
  o.stagger = stagger;
  o.audio_clock_rate = audio_clock_rate;
  r->recorder_ = std::make_unique<Recorder>(*r->sink_, o);
  return r;
}

Result<void> Engine::Checkpoint() {
  for (size_t i = 0; i < dirs_.size(); ++i) {
    // Snapshot before the sync is queued: everything in a snapshot was queued before the sync.
    std::vector<std::shared_ptr<RecordingBuilder>> builders;
    {
      std::lock_guard lock(open_mu_);
      for (auto& [id, rec] : open_) {
        if (rec.dir_index == i) builders.push_back(rec.builder);
      }
    }
    std::vector<std::pair<std::shared_ptr<RecordingBuilder>, db::RecordingUpdate>> snaps;
    for (auto& b : builders) {
      NJ_TRY(auto u, b->Snapshot(UINT64_MAX));
      snaps.emplace_back(b, std::move(u));
    }
    std::promise<Result<void>> done;
    dirs_[i].writer->Sync([&](std::map<int64_t, FileState> states) {
      std::vector<db::RecordingUpdate> updates;
      for (auto& [b, u] : snaps) {
        auto st = states.find(u.composite_id);
        // Closed meanwhile (its close wrote the final row), or its row was never inserted.
        if (st == states.end() || !b->row_inserted()) continue;
        if (st->second.durable_bytes < static_cast<uint64_t>(u.sample_file_bytes)) {
          if (auto ok = TrimToBytes(u, st->second.durable_bytes); !ok) continue;
        }
        if (u.video_samples > 0) updates.push_back(std::move(u));
      }
      std::lock_guard lock(db_mu_);
      done.set_value(db_->UpdateRecordings(updates));
    });
    NJ_CHECK_OK(done.get_future().get());
  }
  return Ok();
}

void Engine::OnClosed(const std::shared_ptr<RecordingBuilder>& builder, size_t dir_index,
                      const FileState& state) {
  // Runs on the writer thread. The row becomes WRITTEN with exactly the durable samples.
  const int64_t id = builder->composite_id();
  if (builder->row_inserted()) {
    auto update = builder->Snapshot(state.durable_bytes, state.hash);
    if (update && !update->written_hash) {
      // A write failed: hash the durable prefix we keep.
      if (auto h =
              dirs_[dir_index].dir->Hash(id, static_cast<uint64_t>(update->sample_file_bytes))) {
        update->written_hash = *h;
      }
    }
    if (update) {
      std::lock_guard lock(db_mu_);
      if (update->video_samples == 0) {
        // Nothing usable (the disk failed at once): remove the file, then the WRITING row.
        (void)dirs_[dir_index].dir->Unlink(id);
        (void)dirs_[dir_index].dir->Sync();
        (void)db_->DeleteRecordingRows(std::span(&id, 1));
      } else {
        (void)db_->UpdateRecordings(std::span(&*update, 1));
      }
    }
  }
  std::lock_guard lock(open_mu_);
  open_.erase(id);
}

std::unique_ptr<Engine::Lease> Engine::LeaseRecordings(std::vector<int64_t> ids) {
  std::lock_guard lock(open_mu_);
  for (int64_t id : ids) lease_counts_[id]++;
  return std::unique_ptr<Lease>(new Lease(this, std::move(ids)));
}

Engine::Lease::~Lease() {
  std::lock_guard lock(engine_->open_mu_);
  for (int64_t id : ids_) {
    if (--engine_->lease_counts_[id] == 0) engine_->lease_counts_.erase(id);
  }
}

bool Engine::Leased(int64_t id) {
  std::lock_guard lock(open_mu_);
  return lease_counts_.count(id) > 0;
}

}  // namespace nightjar::storage
