// The unit the storage engine records: one access unit of one track, as ingest (or a test
// feeding frames demuxed from a clip) hands it over.
#ifndef NIGHTJAR_STORAGE_FRAME_H_
#define NIGHTJAR_STORAGE_FRAME_H_

#include <cstdint>
#include <memory>
#include <vector>

namespace nightjar::storage {

// Immutable, shared between the recorder, the writer queue and live viewers.
using Bytes = std::shared_ptr<const std::vector<uint8_t>>;

enum class Track : uint8_t { kVideo = 0, kAudio = 1 };

struct Frame {
  Track track = Track::kVideo;
  // Decode time on the camera's clock, unwrapped: 90 kHz for video, the sample rate for audio.
  int64_t media_time = 0;
  int32_t cto = 0;   // composition offset (pts - dts), 90 kHz, video with B-frames only
  bool key = false;  // video: an IDR / IRAP access unit with its parameter sets
  Bytes data;        // video: AVCC/HVCC (4-byte lengths); audio: a raw access unit
};

}  // namespace nightjar::storage

#endif  // NIGHTJAR_STORAGE_FRAME_H_
