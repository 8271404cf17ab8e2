// Expanding an ISO BMFF sample table (ISO/IEC 14496-12 §8.6-8.7) into one record per sample;
// internal to the mp4 module (the public entry point is mp4/demux.h).
//
// The tables are cross-checked against each other (stsz/stz2 define the sample count; stts, ctts,
// stsc+stco must describe exactly that many samples; stss must name existing samples in increasing
// order) and against the file (every sample's bytes must lie inside it). Tables are read in place
// from the box payloads; the only allocation is the result, whose length is bounded by the size of
// the stsz/stz2 box (or, for a fixed sample size, by file size / sample size).
#ifndef NIGHTJAR_MP4_SAMPLE_TABLE_H_
#define NIGHTJAR_MP4_SAMPLE_TABLE_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "base/error.h"
#include "mp4/box_reader.h"
#include "mp4/demux.h"

namespace nightjar::mp4 {

// Payloads (after the box header) of the sample-table boxes found in one stbl. Views into the
// file; they must not outlive it.
struct SampleTableBoxes {
  std::optional<ByteSpan> stts;  // decoding time to sample, §8.6.1.2 (required)
  std::optional<ByteSpan> ctts;  // composition offsets, §8.6.1.3
  std::optional<ByteSpan> stss;  // sync samples, §8.6.2
  std::optional<ByteSpan> stsz;  // sample sizes, §8.7.3.2 (this or stz2 required)
  std::optional<ByteSpan> stz2;  // compact sample sizes, §8.7.3.3
  std::optional<ByteSpan> stsc;  // sample to chunk, §8.7.4 (required)
  std::optional<ByteSpan> stco;  // 32-bit chunk offsets, §8.7.5 (this or co64 required)
  std::optional<ByteSpan> co64;  // 64-bit chunk offsets, §8.7.5
};

// Builds the samples, in decode order, of a track whose tables are `boxes`, in a file of
// `file_size` bytes. With no stss every sample is a key frame. kMalformed on any inconsistency
// (the message names the box).
Result<std::vector<DemuxedSample>> BuildSamples(const SampleTableBoxes& boxes, uint64_t file_size);

}  // namespace nightjar::mp4

#endif  // NIGHTJAR_MP4_SAMPLE_TABLE_H_
