// One camera stream's life: connect (rtsp::Client), wait for a key frame, hand frames to the
// storage engine's recorder, and on any failure end the run, back off exponentially (capped,
// with jitter) and reconnect. Keeps the stream's statistics.
//
// Frames flow: Client -> OnAccessUnit (video decode times assigned, see decode_time.h) -> a
// queue -> Recorder. The queue waits while blocking work happens off the network thread on the
// `blocking` pool: Engine::Record and Engine::SampleEntry touch SQLite. Frames keep their arrival
// wall time, so a short wait does not shift the recording.
//
// Threading: everything runs on the streamer's strand of the io_context; Stats() may be called
// from any thread. Start once; Stop once; the streamer must outlive its `done` callback.
#ifndef NIGHTJAR_INGEST_STREAMER_H_
#define NIGHTJAR_INGEST_STREAMER_H_

#include <utility>  // before Boost 1.74's awaitable.hpp, which uses std::exchange unincluded

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "base/clock.h"
#include "db/rows.h"
#include "ingest/camera_config.h"
#include "ingest/decode_time.h"
#include "ingest/stream_stats.h"
#include "media/frame.h"
#include "rtsp/client.h"
#include "storage/engine.h"

namespace nightjar::ingest {

struct StreamerOptions {
  std::string camera;  // short name, for logs and stats
  db::StreamKind kind = db::StreamKind::kMain;
  int64_t stream_id = 0;
  bool record = true;
  rtsp::ClientOptions client;
  BackoffOptions backoff;
  int max_reconnect_attempts = 0;  // consecutive failures before giving up; 0: never give up
  Duration90k stagger;             // shortens the first recording (storage/recorder.h)
};

// After a session ends: the consecutive failures so far and how many backoff steps to wait
// before the next attempt (0: at once; n: BackoffOptions::initial x 2^(n-1), capped, jittered).
// A session that delivered frames for healthy_after resets the count. One that delivered frames
// at all (then stalled, dropped, sent garbage) is retried at once, but only once in a row: a
// camera that keeps failing is backed off as before.
struct ReconnectPlan {
  int failures = 0;
  int backoff_steps = 0;
};
ReconnectPlan PlanReconnect(int failures, bool delivered, bool healthy);

class Streamer : public std::enable_shared_from_this<Streamer>, public rtsp::ClientHandler {
 public:
  Streamer(boost::asio::io_context& io, boost::asio::thread_pool& blocking, storage::Engine& engine,
           const Clock& clock, StreamerOptions options);
  ~Streamer() override;

  void Start();
  // Ends the session (TEARDOWN), finalizes the open recording, then calls `done` (on the strand).
  void Stop(std::function<void()> done);

  StreamStats Stats() const;
  // Frame observers (live view, motion detection...): any number, added and removed from any
  // thread. One added mid-session gets the current configurations with its first frames.
  void AddObserver(std::shared_ptr<media::FrameObserver> observer);
  void RemoveObserver(const media::FrameObserver* observer);

  // rtsp::ClientHandler, called by the streamer's own client on the strand.
  void OnPlaying(const std::vector<rtsp::ClientTrack>& tracks) override;
  void OnAccessUnit(size_t track, rtsp::AccessUnit&& unit) override;

 private:
  struct Queued {
    storage::Frame frame;
    std::optional<rtsp::TrackConfig> config;  // the frame starts using this configuration
    Time90k arrival;
  };

  boost::asio::awaitable<void> Loop();
  boost::asio::awaitable<bool> Backoff(int failures);
  void EndSession();

  void Emit(Queued q);
  void Drain();
  void Resolve(const rtsp::TrackConfig& config);
  void UpdateRates(Time90k now);
  template <typename F>
  void Blocking(F&& fn);

  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::thread_pool& blocking_;
  storage::Engine& engine_;
  const Clock& clock_;
  const StreamerOptions options_;
  // An observer and which configurations it has been given (strand state).
  struct ObserverSlot {
    std::shared_ptr<media::FrameObserver> observer;
    bool has_video = false, has_audio = false;
  };
  std::vector<std::shared_ptr<ObserverSlot>> observers_;  // guarded by mu_
  // Bumped (under mu_) whenever observers_ changes; the strand copies observers_ only then, so
  // a frame costs no lock and no allocation for its observers.
  std::atomic<uint64_t> observers_version_{1};
  uint64_t strand_observers_version_ = 0;
  std::vector<std::shared_ptr<ObserverSlot>> strand_observers_;  // strand state
  const std::vector<std::shared_ptr<ObserverSlot>>& CurrentObservers();

  // Strand state.
  bool stopping_ = false;
  bool finished_ = false;  // Loop returned (stopped, or gave up)
  std::string fatal_;      // why this side ended the session (the database refused), if it did
  bool started_session_ = false;  // a session reached PLAY (the stagger applies to the first)
  std::vector<std::function<void()>> done_;
  std::unique_ptr<rtsp::Client> client_;
  bool low_latency_ = false;  // an observer watches live: the client reads without batching
  std::optional<boost::asio::steady_timer> backoff_timer_;
  uint64_t generation_ = 0;  // bumps per session; stale blocking results are ignored
  std::optional<size_t> video_track_, audio_track_;
  std::optional<rtsp::TrackConfig> audio_config_;
  bool audio_config_sent_ = false;
  // The session's current video configuration (an observer added mid-session gets it).
  std::optional<rtsp::TrackConfig> video_config_;
  bool audio_entry_applied_ = false;  // the recorder has the audio's sample entry
  DecodeTimeAssigner<Queued> decode_times_;
  std::unique_ptr<storage::StreamRecording> recording_;
  bool recording_pending_ = false;  // Record() is running on the blocking pool
  std::deque<Queued> queue_;
  std::map<std::string, int64_t> entry_ids_;  // config bytes (+codec) -> sample entry
  bool resolving_ = false;
  std::vector<DecodeTimeAssigner<Queued>::Out> scratch_;
  Time90k window_start_;  // written on the strand under mu_; Stats() reads it
  uint64_t window_frames_ = 0, window_bytes_ = 0;
  uint64_t recorded_base_ = 0, shed_base_ = 0;  // totals of the sessions that ended
  // The client's counters of the sessions that ended (the current one's are added live).
  struct SessionCounters {
    uint64_t lost = 0, dropped = 0, resyncs = 0, skipped_bytes = 0, dropped_packets = 0;
    uint64_t restarts = 0;
  };
  SessionCounters ended_;
  SessionCounters Current() const;                       // of client_, on the strand
  void PublishCounters(const SessionCounters& current);  // under mu_
  // The transport that worked when the configured one was refused (in memory, for the daemon's
  // lifetime); the next sessions start with it.
  std::optional<rtsp::TransportKind> learned_transport_;

  mutable std::mutex mu_;
  StreamStats stats_;  // guarded by mu_
};

}  // namespace nightjar::ingest

#endif  // NIGHTJAR_INGEST_STREAMER_H_
