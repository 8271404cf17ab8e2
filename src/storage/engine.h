// The storage engine: the database, the sample-file directories with their writer threads, a
// recorder per recording stream, checkpoints, retention and startup recovery. This is the one
// object `nightjar run` (and the crash test) drives; see docs/schema.md for the procedures.
//
// Threads: writer threads (one per directory) do every sample-file operation and insert/close
// recording rows; the maintenance thread checkpoints every `checkpoint_interval` and applies
// retention; the database is shared by them under a mutex (SQLite work never runs on a network
// thread). Recorders are driven by their stream's thread.
#ifndef NIGHTJAR_STORAGE_ENGINE_H_
#define NIGHTJAR_STORAGE_ENGINE_H_

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/error.h"
#include "base/fs.h"
#include "db/database.h"
#include "storage/recorder.h"
#include "storage/recording_builder.h"
#include "storage/retention_log.h"
#include "storage/sample_dir.h"
#include "storage/writer.h"

namespace nightjar::storage {

struct EngineOptions {
  Duration90k checkpoint_interval = Duration90k::FromSeconds(5);
  Duration90k recording_duration = Duration90k::FromSeconds(60);
  WriterOptions writer;
  // Sample-file directories: the first is the default for new streams. Empty: `<data>/sample`.
  std::vector<std::string> dirs;
  bool start_maintenance_thread = true;  // tests drive Checkpoint/ApplyRetention themselves
  // Retention also keeps at least this much free on every sample-file directory's file system
  // (the larger of this and the directory's row), deleting the oldest recordings of any stream
  // there.
  uint64_t min_free_bytes = 0;
  // When to list the sample-file directories for files no row names (RecoveryReport
  // unknown_files). With a year of recordings that is millions of names and seconds of work:
  // `nightjar run` scans after it has started, on a thread of its own, and logs what it finds.
  // Either way Open first probes past each stream's next id (a few stats), so that recording ids
  // continue past the files of a newer database than this one.
  enum class FileScan { kAtOpen, kInBackground };
  FileScan file_scan = FileScan::kAtOpen;
};

// What recovery did at open (also logged by the caller).
struct RecoveryReport {
  int64_t recovered_from_checkpoint = 0;   // WRITING rows kept, truncated to their checkpoint
  int64_t discarded_writing = 0;           // WRITING rows with nothing checkpointed, removed
  int64_t finished_deleting = 0;           // DELETING rows completed
  std::vector<std::string> unknown_files;  // reported, never touched
};

class Engine;

// A stream being recorded: the recorder and its sink. Used from one thread.
class StreamRecording {
 public:
  ~StreamRecording();
  Recorder& recorder() { return *recorder_; }

 private:
  friend class Engine;
  class Sink;
  StreamRecording() = default;
  std::unique_ptr<Sink> sink_;
  std::unique_ptr<Recorder> recorder_;
};

class Engine {
 public:
  // Opens (creating if needed) `<data_dir>/nightjar.db` read-write and the sample-file
  // directories, then recovers (docs/schema.md "Startup"). Fails if another process has the data
  // directory open, or a directory belongs to another database.
  static Result<std::unique_ptr<Engine>> Open(Fs& fs, Clock& clock, const std::string& data_dir,
                                              EngineOptions options = {});
  // Stops maintenance, finishes every writer, marks a clean shutdown. Recordings still open are
  // written up to their last frame (callers should Flush their recorders first).
  ~Engine();

  const RecoveryReport& recovery() const { return recovery_; }

  // Lists every sample-file directory and returns the paths of files no recording row names (a
  // database restored from an older backup, a stray copy: reported, never touched), raising each
  // stream's next recording id past the files that exist. Holds the database lock only a chunk
  // of rows at a time; memory: 8 bytes per file.
  Result<std::vector<std::string>> ScanUnknownFiles();

  // Blocking database helpers for set-up code (not for network threads).
  Result<int64_t> EnsureCamera(const std::string& short_name, const std::string& name);
  Result<int64_t> EnsureStream(int64_t camera_id, db::StreamKind kind, int64_t retain_bytes,
                               std::optional<int64_t> retain_secs = std::nullopt);
  Result<int64_t> SampleEntry(const db::SampleEntryRow& entry);

  // Starts recording stream `stream_id`; `stagger` shortens its first recording.
  Result<std::unique_ptr<StreamRecording>> Record(int64_t stream_id, uint32_t audio_clock_rate,
                                                  Duration90k stagger = {});

  // Syncs every open sample file, then stores every open recording's index so far in one
  // transaction. Returns when done.
  Result<void> Checkpoint();
  // Deletes the oldest recordings of every stream over its byte or age budget (never protected
  // or leased ones). Returns when done.
  Result<void> ApplyRetention();

  // Readers (export, playback) lease recordings so retention never deletes a file under them.
  class Lease {
   public:
    ~Lease();
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;

   private:
    friend class Engine;
    Lease(Engine* e, std::vector<int64_t> ids) : engine_(e), ids_(std::move(ids)) {}
    Engine* engine_;
    std::vector<int64_t> ids_;
  };
  std::unique_ptr<Lease> LeaseRecordings(std::vector<int64_t> ids);

  // Runs `fn` with the database locked (read queries for the CLI, tests).
  template <typename F>
  auto WithDb(F&& fn) {
    std::lock_guard lock(db_mu_);
    return fn(*db_);
  }

  WriterStats WriterStatsFor(size_t dir_index) const { return dirs_[dir_index].writer->Stats(); }
  int64_t deleted_by_retention() const { return deleted_by_retention_; }
  int64_t deleted_bytes_by_retention() const { return deleted_bytes_by_retention_; }
  // What retention deleted per stream id (retention_log.h), as of now.
  std::map<int64_t, RetentionDeletions> RetentionDeletionsByStream() const {
    return retention_log_.Summary(clock_.Now());
  }
  // Checkpoint and retention passes of the maintenance thread that failed (each logged).
  int64_t maintenance_errors() const { return maintenance_errors_; }

 private:
  friend class StreamRecording::Sink;
  struct Dir {
    int64_t id;
    uint64_t min_free_bytes;
    std::unique_ptr<SampleFileDir> dir;
    std::unique_ptr<Writer> writer;
  };
  struct OpenRec {
    std::shared_ptr<RecordingBuilder> builder;
    size_t dir_index;
  };

  Engine(Fs& fs, Clock& clock, EngineOptions options)
      : fs_(fs), clock_(clock), options_(std::move(options)) {}
  Result<void> OpenDirs(const std::string& data_dir);
  Result<void> Recover();
  Result<void> ProbeNewerFiles(const std::vector<db::StreamRow>& streams);
  // Makes the stream's next recording id at least `at_least`, in the database and in memory.
  Result<void> ReserveIds(int64_t stream_id, int64_t at_least);
  void MaintenanceLoop();
  void OnClosed(const std::shared_ptr<RecordingBuilder>& builder, size_t dir_index,
                const FileState& state);
  bool Leased(int64_t id);
  Result<void> DeleteRecordings(const std::map<size_t, std::vector<int64_t>>& doomed);
  Result<void> KeepFreeSpace(std::map<size_t, std::vector<int64_t>>& doomed);

  Fs& fs_;
  Clock& clock_;
  const EngineOptions options_;
  // Recursive: a writer's group of recording opens holds it around the row inserts, which take it
  // again (they also run alone).
  std::recursive_mutex db_mu_;
  std::unique_ptr<db::Database> db_;  // guarded by db_mu_
  std::vector<Dir> dirs_;
  RecoveryReport recovery_;
  std::atomic<int64_t> deleted_by_retention_{0};
  std::atomic<int64_t> deleted_bytes_by_retention_{0};
  RetentionLog retention_log_;
  std::atomic<int64_t> maintenance_errors_{0};

  std::mutex open_mu_;
  std::map<int64_t, OpenRec> open_;            // guarded by open_mu_: recordings being written
  std::map<int64_t, int64_t> next_recording_;  // guarded by open_mu_: stream -> next id
  // guarded by open_mu_: stream -> wall end of the latest recording this process ended
  std::map<int64_t, Time90k> stream_end_;
  std::map<int64_t, int> lease_counts_;  // guarded by open_mu_: id -> readers

  std::mutex maint_mu_;
  std::condition_variable maint_cv_;
  bool stopping_ = false;  // guarded by maint_mu_
  std::thread maintenance_;
  std::thread file_scan_;  // FileScan::kInBackground
  std::atomic<bool> stop_scan_{false};
};

}  // namespace nightjar::storage

#endif  // NIGHTJAR_STORAGE_ENGINE_H_
