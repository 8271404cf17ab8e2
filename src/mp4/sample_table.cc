#include "mp4/sample_table.h"

#include <limits>
#include <span>
#include <string>

namespace nightjar::mp4 {
namespace {

using std::to_string;

std::unexpected<Error> Malformed(const char* box, const std::string& detail) {
  return Err(ErrorCode::kMalformed, std::string(box) + ": " + detail);
}

// A FullBox holding a 32-bit entry count followed by `count` entries of a fixed size. The count is
// checked against the payload before anyone loops over or allocates for it.
struct Table {
  const uint8_t* entries;
  uint32_t count;
  uint8_t version;
};

Result<Table> OpenTable(ByteSpan payload, const char* box, size_t entry_size) {
  Reader r(payload, box);
  NJ_TRY(FullBoxHeader header, ReadFullBoxHeader(r));
  NJ_TRY(uint32_t count, r.U32());
  if (count > r.remaining() / entry_size) {
    return r.Fail("entry count " + to_string(count) + " needs " +
                  to_string(uint64_t{count} * entry_size) + " bytes, box has " +
                  to_string(r.remaining()));
  }
  return Table{payload.data() + r.position(), count, header.version};
}

// stsz (§8.7.3.2): either one size for every sample, or a table of 32-bit sizes.
Result<std::vector<DemuxedSample>> ReadStsz(ByteSpan payload, uint64_t file_size) {
  Reader r(payload, "stsz");
  NJ_CHECK_OK(r.Skip(4));  // version and flags: no meaning for stsz
  NJ_TRY(uint32_t sample_size, r.U32());
  NJ_TRY(uint32_t count, r.U32());
  if (sample_size != 0) {
    // Every sample must lie inside the file, and real files never overlap samples, so more than
    // file_size / sample_size samples is impossible; this also bounds the allocation below.
    if (count > file_size / sample_size) {
      return r.Fail(to_string(count) + " samples of " + to_string(sample_size) +
                    " bytes do not fit in a file of " + to_string(file_size) + " bytes");
    }
    std::vector<DemuxedSample> samples(count);
    for (DemuxedSample& s : samples) s.size = sample_size;
    return samples;
  }
  if (count > r.remaining() / 4) {
    return r.Fail("sample count " + to_string(count) + " exceeds the " + to_string(r.remaining()) +
                  "-byte size table");
  }
  const uint8_t* p = payload.data() + r.position();
  std::vector<DemuxedSample> samples(count);
  for (uint32_t i = 0; i < count; ++i) samples[i].size = LoadBe32(p + size_t{4} * i);
  return samples;
}

// stz2 (§8.7.3.3): a table of 4-, 8- or 16-bit sizes (4-bit: high nibble first).
Result<std::vector<DemuxedSample>> ReadStz2(ByteSpan payload) {
  Reader r(payload, "stz2");
  NJ_CHECK_OK(r.Skip(4 + 3));  // version and flags, 24 reserved bits
  NJ_TRY(uint8_t field_size, r.U8());
  NJ_TRY(uint32_t count, r.U32());
  if (field_size != 4 && field_size != 8 && field_size != 16) {
    return r.Fail("field_size " + to_string(field_size) + " is not 4, 8 or 16");
  }
  const uint64_t table_bytes = (uint64_t{count} * field_size + 7) / 8;
  if (table_bytes > r.remaining()) {
    return r.Fail("sample count " + to_string(count) + " exceeds the " + to_string(r.remaining()) +
                  "-byte size table");
  }
  const uint8_t* p = payload.data() + r.position();
  std::vector<DemuxedSample> samples(count);
  for (uint32_t i = 0; i < count; ++i) {
    if (field_size == 16) {
      samples[i].size = LoadBe16(p + size_t{2} * i);
    } else if (field_size == 8) {
      samples[i].size = p[i];
    } else {
      samples[i].size = (i % 2 == 0) ? (p[i / 2] >> 4) : (p[i / 2] & 0x0f);
    }
  }
  return samples;
}

Result<std::vector<DemuxedSample>> ReadSizes(const SampleTableBoxes& b, uint64_t file_size) {
  if (b.stsz && b.stz2) return Malformed("stbl", "has both stsz and stz2");
  if (b.stsz) return ReadStsz(*b.stsz, file_size);
  if (b.stz2) return ReadStz2(*b.stz2);
  return Malformed("stbl", "missing stsz/stz2");
}

// stsc (§8.7.4) runs of chunks with the same sample count, applied to the chunk offsets of
// stco/co64 (§8.7.5): the samples of a chunk are contiguous, in decode order.
Result<void> FillOffsets(const SampleTableBoxes& b, uint64_t file_size,
                         std::span<DemuxedSample> samples) {
  if (b.stco && b.co64) return Malformed("stbl", "has both stco and co64");
  if (!b.stco && !b.co64) return Malformed("stbl", "missing stco/co64");
  if (!b.stsc) return Malformed("stbl", "missing stsc");
  const bool wide = b.co64.has_value();
  const size_t offset_size = wide ? 8 : 4;
  NJ_TRY(Table chunks, OpenTable(wide ? *b.co64 : *b.stco, wide ? "co64" : "stco", offset_size));
  NJ_TRY(Table stsc, OpenTable(*b.stsc, "stsc", 12));
  size_t next = 0;  // index of the next sample to place
  for (uint32_t i = 0; i < stsc.count; ++i) {
    const uint8_t* e = stsc.entries + size_t{12} * i;
    const uint32_t first_chunk = LoadBe32(e);
    const uint32_t per_chunk = LoadBe32(e + 4);
    const uint64_t end_chunk =
        (i + 1 < stsc.count) ? uint64_t{LoadBe32(e + 12)} : uint64_t{chunks.count} + 1;
    if ((i == 0 && first_chunk != 1) || first_chunk == 0 || first_chunk > chunks.count ||
        end_chunk <= first_chunk || end_chunk > uint64_t{chunks.count} + 1) {
      return Malformed("stsc", "entry " + to_string(i) + " first_chunk " + to_string(first_chunk) +
                                   " is out of order or beyond the " + to_string(chunks.count) +
                                   " chunks");
    }
    for (uint64_t chunk = first_chunk; chunk < end_chunk; ++chunk) {
      const uint8_t* c = chunks.entries + offset_size * (chunk - 1);
      uint64_t offset = wide ? LoadBe64(c) : LoadBe32(c);
      if (per_chunk > samples.size() - next) {
        return Malformed("stsc", "chunks hold more samples than the " + to_string(samples.size()) +
                                     " in the size table");
      }
      for (uint32_t k = 0; k < per_chunk; ++k) {
        DemuxedSample& s = samples[next++];
        if (offset > file_size || s.size > file_size - offset) {
          return Malformed("stbl", "sample " + to_string(next - 1) + " [" + to_string(offset) +
                                       ", +" + to_string(s.size) + ") is outside the " +
                                       to_string(file_size) + "-byte file");
        }
        s.offset = offset;
        offset += s.size;
      }
    }
  }
  if (next != samples.size()) {
    return Malformed("stsc", "chunks hold " + to_string(next) + " samples, the size table has " +
                                 to_string(samples.size()));
  }
  return Ok();
}

// stts (§8.6.1.2): runs of samples with the same duration; decode times start at 0.
Result<void> FillTimes(ByteSpan payload, std::span<DemuxedSample> samples) {
  NJ_TRY(Table stts, OpenTable(payload, "stts", 8));
  size_t next = 0;
  int64_t dts = 0;
  for (uint32_t i = 0; i < stts.count; ++i) {
    const uint32_t count = LoadBe32(stts.entries + size_t{8} * i);
    const uint32_t delta = LoadBe32(stts.entries + size_t{8} * i + 4);
    if (count > samples.size() - next) {
      return Malformed("stts", "describes more than the " + to_string(samples.size()) + " samples");
    }
    for (uint32_t k = 0; k < count; ++k) {
      DemuxedSample& s = samples[next++];
      s.dts = dts;
      s.pts = dts;
      s.duration = delta;
      if (__builtin_add_overflow(dts, int64_t{delta}, &dts)) {
        return Malformed("stts", "decode time overflows");
      }
    }
  }
  if (next != samples.size()) {
    return Malformed("stts", "describes " + to_string(next) + " samples, the size table has " +
                                 to_string(samples.size()));
  }
  return Ok();
}

// ctts (§8.6.1.3): composition offsets. Version 1 offsets are signed; version 0 offsets are
// unsigned in the spec, but muxers have long written negative offsets into version 0 boxes and
// every mainstream demuxer (FFmpeg included) reads them as signed 32-bit, so we do too. An
// unsigned offset of 2^31 ticks or more (over 6 hours at 90 kHz) is never meant.
Result<void> FillCompositionOffsets(ByteSpan payload, std::span<DemuxedSample> samples) {
  NJ_TRY(Table ctts, OpenTable(payload, "ctts", 8));
  if (ctts.version > 1) {
    return Err(ErrorCode::kUnsupported, "ctts: version " + to_string(ctts.version));
  }
  size_t next = 0;
  for (uint32_t i = 0; i < ctts.count; ++i) {
    const uint32_t count = LoadBe32(ctts.entries + size_t{8} * i);
    const auto offset = static_cast<int32_t>(LoadBe32(ctts.entries + size_t{8} * i + 4));
    if (count > samples.size() - next) {
      return Malformed("ctts", "describes more than the " + to_string(samples.size()) + " samples");
    }
    for (uint32_t k = 0; k < count; ++k) {
      DemuxedSample& s = samples[next++];
      if (__builtin_add_overflow(s.dts, int64_t{offset}, &s.pts)) {
        return Malformed("ctts", "presentation time overflows");
      }
    }
  }
  if (next != samples.size()) {
    return Malformed("ctts", "describes " + to_string(next) + " samples, the size table has " +
                                 to_string(samples.size()));
  }
  return Ok();
}

// stss (§8.6.2): 1-based numbers of the sync samples, strictly increasing.
Result<void> FillSyncSamples(const std::optional<ByteSpan>& payload,
                             std::span<DemuxedSample> samples) {
  if (!payload) {
    for (DemuxedSample& s : samples) s.key = true;
    return Ok();
  }
  NJ_TRY(Table stss, OpenTable(*payload, "stss", 4));
  uint32_t previous = 0;
  for (uint32_t i = 0; i < stss.count; ++i) {
    const uint32_t number = LoadBe32(stss.entries + size_t{4} * i);
    if (number <= previous || number > samples.size()) {
      return Malformed("stss", "sample number " + to_string(number) +
                                   " is out of order or beyond the " + to_string(samples.size()) +
                                   " samples");
    }
    samples[number - 1].key = true;
    previous = number;
  }
  return Ok();
}

}  // namespace

Result<std::vector<DemuxedSample>> BuildSamples(const SampleTableBoxes& boxes, uint64_t file_size) {
  if (!boxes.stts) return Malformed("stbl", "missing stts");
  NJ_TRY(std::vector<DemuxedSample> samples, ReadSizes(boxes, file_size));
  NJ_CHECK_OK(FillOffsets(boxes, file_size, samples));
  NJ_CHECK_OK(FillTimes(*boxes.stts, samples));
  if (boxes.ctts) NJ_CHECK_OK(FillCompositionOffsets(*boxes.ctts, samples));
  NJ_CHECK_OK(FillSyncSamples(boxes.stss, samples));
  return samples;
}

}  // namespace nightjar::mp4
