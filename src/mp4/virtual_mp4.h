// The virtual .mp4: an ISO BMFF file (ISO/IEC 14496-12) for any span of recorded media, described
// as a list of pieces — generated box bytes, or byte ranges of sample files — with its size, ETag
// and layout fixed before the first byte is produced. Nothing is copied to disk: a byte range of
// the file is served by generating only the boxes it touches and reading only the media it
// covers (through a SourceReader).
//
// Layout: ftyp, moov (mvhd; per track tkhd, edts/elst, mdia/mdhd/hdlr/minf/stbl with stsd, stts,
// ctts, stss, stsz, stsc and stco or co64), then one mdat holding every segment's bytes back to
// back. The sample tables are written one entry per sample (stts, ctts) and per chunk (stsc), so
// every table's size follows from counts known without decoding a single index: Build() costs
// O(segments), and a segment's frames are decoded (Mp4Segment::load) only when bytes of its table
// entries are requested. co64 is used only when the file exceeds 4 GiB.
//
// This module knows nothing of databases or files: a segment's bytes come from an abstract source
// (a number the caller chooses, e.g. a recording's composite id), read by the caller's
// SourceReader.
//
// Thread safety: a built VirtualMp4 is immutable apart from an internal cache guarded by a mutex;
// ForEach/Read may be called from several threads at once (Mp4Segment::load must allow that).
#ifndef NIGHTJAR_MP4_VIRTUAL_MP4_H_
#define NIGHTJAR_MP4_VIRTUAL_MP4_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "mp4/box_writer.h"

namespace nightjar::mp4 {

struct VideoSampleInfo {
  uint32_t duration = 0;  // 90 kHz
  uint32_t bytes = 0;
  int32_t cto = 0;  // composition offset (pts - dts), 90 kHz
  bool key = false;
};

struct AudioSampleInfo {
  uint32_t duration = 0;  // in the audio sample entry's sample rate
  uint32_t bytes = 0;
};

// A run of consecutive samples of one track, contiguous in the source.
struct ChunkInfo {
  bool audio = false;
  uint32_t samples = 0;
  uint64_t offset = 0;  // in the source, within [Mp4Segment::begin, end)
};

// The samples of one segment, in decode order.
struct SegmentSamples {
  std::vector<VideoSampleInfo> video;
  std::vector<AudioSampleInfo> audio;
  // In source order. Empty: all video samples form one chunk at Mp4Segment::begin.
  std::vector<ChunkInfo> chunks;
};

// A contiguous byte range of one source and the samples in it.
struct Mp4Segment {
  uint64_t source = 0;          // passed back to the SourceReader
  uint64_t begin = 0, end = 0;  // [begin, end) of the source goes into mdat
  uint32_t video_entry = 0;     // index into Mp4Input::video_entries
  int32_t audio_entry = -1;     // index into Mp4Input::audio_entries; -1: no audio samples
  // Exactly what load() yields (Build() trusts them; a load that disagrees is an error).
  uint64_t video_samples = 0;
  uint64_t video_sync_samples = 0;
  uint64_t audio_samples = 0;
  uint64_t video_chunks = 1;  // chunks of video samples (1 when chunks is empty)
  uint64_t audio_chunks = 0;
  uint64_t video_duration = 0;  // sum of the video durations (90 kHz)
  uint64_t audio_duration = 0;  // sum of the audio durations (sample rate)
  bool has_cto = false;         // some cto is non-zero (the track then gets a ctts box)
  // Yields the samples. Called lazily, perhaps several times and from several threads at once;
  // it must return the same samples every time.
  std::function<Result<SegmentSamples>()> load;
};

struct Mp4Input {
  std::vector<SampleEntrySpec> video_entries;  // stsd entries of the video track, in order
  std::vector<SampleEntrySpec> audio_entries;  // of the audio track (none: no audio track)
  std::vector<Mp4Segment> segments;            // in presentation order; at least one
  // Edit list (§8.6.6): presentation starts at this composition time of the video media (90 kHz,
  // from the first sample's decode time) and lasts video_edit_duration (0: to the media's end).
  // For a range starting between key frames, the frames from the key frame on are in the file
  // (so they decode) and the edit hides those before the requested time.
  int64_t video_edit_start = 0;
  uint64_t video_edit_duration = 0;
  // The audio media time (sample-rate units) shown at presentation time 0; negative when the
  // audio starts later than the video (an empty edit of that length comes first).
  int64_t audio_edit_start = 0;
  int64_t creation_unix_seconds = 0;       // mvhd/tkhd/mdhd creation and modification times
  int64_t last_modified_unix_seconds = 0;  // for HTTP Last-Modified; not in the file
  // Mixed into the ETag: anything that identifies the sources' contents beyond their numbers
  // and ranges (e.g. the database's uuid).
  std::string etag_salt;
};

// Reads source bytes for serving. Implementations must be safe to call from several threads if
// the VirtualMp4 is served from several threads.
class SourceReader {
 public:
  virtual ~SourceReader() = default;
  // Fills `out` with the bytes of `source` at `offset`; an error if they are not all there.
  virtual Result<void> ReadAt(uint64_t source, uint64_t offset, std::span<uint8_t> out) = 0;
};

// What ForEach yields for a stretch of the file: generated bytes (valid only during the call) or
// a range of a source (which the caller may send with sendfile).
struct PieceView {
  std::span<const uint8_t> bytes;  // generated; empty for a source range
  uint64_t source = 0, offset = 0, length = 0;
  bool is_source() const { return length != 0; }
};

class VirtualMp4 {
 public:
  // Lays the file out. kInvalidArgument for inconsistent input (no segments, an entry index out
  // of range, begin > end, no video samples, counts that overflow the 32-bit table fields, a
  // segment with audio but no load); kUnsupported for a codec with no MP4 sample entry.
  static Result<std::shared_ptr<const VirtualMp4>> Build(Mp4Input input);

  uint64_t size() const { return size_; }
  // A strong validator (RFC 9110 §8.8.3), quoted: the same input always gives the same ETag.
  const std::string& etag() const { return etag_; }
  int64_t last_modified_unix_seconds() const { return input_.last_modified_unix_seconds; }
  // Presentation duration, 90 kHz.
  uint64_t duration_90k() const { return presentation_; }

  // Calls `visit` for [start, end) (end <= size()) in order, in as few pieces as the layout
  // allows. Errors: kInvalidArgument for a bad range; a segment's load error; what visit returns.
  Result<void> ForEach(uint64_t start, uint64_t end,
                       const std::function<Result<void>(const PieceView&)>& visit) const;
  // Like ForEach, but source ranges are read through `reader` into chunks of at most 1 MiB;
  // `sink` gets every byte of [start, end) in order.
  Result<void> Read(uint64_t start, uint64_t end, SourceReader& reader,
                    const std::function<Result<void>(std::span<const uint8_t>)>& sink) const;

  enum class Table : uint8_t { kStts, kCtts, kStss, kStsz, kStsc, kStco, kCo64 };
  struct Piece {
    uint64_t pos = 0;  // in the file
    uint64_t size = 0;
    enum class Kind : uint8_t { kStatic, kTable, kMedia } kind = Kind::kStatic;
    bool audio = false;  // kTable: which track
    Table table = Table::kStts;
    uint32_t segment = 0;
    uint64_t arg = 0;  // kStatic: offset into the arena; kMedia: offset in the source
  };
  const std::vector<Piece>& pieces() const { return pieces_; }  // for tests

 private:
  friend class LayoutBuilder;
  struct SegmentBase {
    uint64_t video_sample = 0, audio_sample = 0;  // samples of earlier segments, per track
    uint64_t video_chunk = 0, audio_chunk = 0;
    uint64_t file_pos = 0;  // where the segment's bytes start in the file
  };

  explicit VirtualMp4(Mp4Input input) : input_(std::move(input)) {}
  Result<std::shared_ptr<const SegmentSamples>> Load(uint32_t segment) const;
  Result<void> GenerateTable(const Piece& p, std::vector<uint8_t>* out) const;

  Mp4Input input_;
  std::vector<uint8_t> arena_;  // the static bytes
  std::vector<Piece> pieces_;
  std::vector<SegmentBase> bases_;
  uint64_t size_ = 0;
  uint64_t presentation_ = 0;
  std::string etag_;

  mutable std::mutex cache_mu_;
  mutable std::vector<std::pair<uint32_t, std::shared_ptr<const SegmentSamples>>> cache_;
};

// A single byte range of a resource of `size` bytes, [start, end).
struct ByteRange {
  uint64_t start = 0, end = 0;
};

// Parses an HTTP Range header value (RFC 9110 §14.1.2) for a resource of `size` bytes:
// "bytes=first-last", "bytes=first-", "bytes=-suffix_length". A last position past the end is
// clamped; a suffix longer than the resource means all of it. kInvalidArgument for a malformed
// value or an unsatisfiable range (first >= size, an empty suffix: answer 416); kUnsupported for
// several ranges (answer 200 with the whole resource).
Result<ByteRange> ParseRangeHeader(std::string_view value, uint64_t size);

}  // namespace nightjar::mp4

#endif  // NIGHTJAR_MP4_VIRTUAL_MP4_H_
