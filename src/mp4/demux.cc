#include "mp4/demux.h"

#include <limits>
#include <optional>
#include <string>
#include <utility>

#include "mp4/box_reader.h"
#include "mp4/sample_entry.h"
#include "mp4/sample_table.h"

namespace nightjar::mp4 {
namespace {

using std::to_string;

constexpr uint64_t kInt64Max = std::numeric_limits<int64_t>::max();

// Calls fn(box) for each child box of `payload`, stopping at the first error.
template <typename Fn>
Result<void> ForEachChild(ByteSpan payload, Fn&& fn) {
  BoxIterator it(payload);
  while (true) {
    NJ_TRY(std::optional<Box> box, it.Next());
    if (!box) return Ok();
    NJ_CHECK_OK(fn(*box));
  }
}

// Records a box that may appear once in its parent. A duplicate makes the file ambiguous (which
// one would a player use?), so it is malformed rather than silently resolved.
Result<void> SetOnce(std::optional<ByteSpan>& slot, const Box& box) {
  if (slot) return Err(ErrorCode::kMalformed, "duplicate '" + FourCcToString(box.type) + "' box");
  slot = box.payload;
  return Ok();
}

Result<ByteSpan> Require(const std::optional<ByteSpan>& slot, const char* parent,
                         const char* child) {
  if (!slot) return Err(ErrorCode::kMalformed, std::string(parent) + ": missing " + child);
  return *slot;
}

// A FullBox whose layout depends on version 0 (32-bit times) or 1 (64-bit times).
Result<FullBoxHeader> ReadVersion01(Reader& r, const char* box) {
  NJ_TRY(FullBoxHeader header, ReadFullBoxHeader(r));
  if (header.version > 1) {
    return Err(ErrorCode::kUnsupported,
               std::string(box) + ": version " + to_string(header.version));
  }
  return header;
}

// mvhd (§8.2.2): only the timescale matters to us (edit list durations are in it).
Result<uint32_t> ParseMvhd(ByteSpan payload) {
  Reader r(payload, "mvhd");
  NJ_TRY(FullBoxHeader header, ReadVersion01(r, "mvhd"));
  NJ_CHECK_OK(r.Skip(header.version == 1 ? 16 : 8));  // creation and modification times
  NJ_TRY(uint32_t timescale, r.U32());
  if (timescale == 0) return r.Fail("timescale is 0");
  return timescale;
}

// tkhd (§8.3.2): the track_ID.
Result<uint32_t> ParseTkhd(ByteSpan payload) {
  Reader r(payload, "tkhd");
  NJ_TRY(FullBoxHeader header, ReadVersion01(r, "tkhd"));
  NJ_CHECK_OK(r.Skip(header.version == 1 ? 16 : 8));  // creation and modification times
  return r.U32();
}

// mdhd (§8.4.2): timescale and duration (all ones means "unknown", reported as -1).
Result<void> ParseMdhd(ByteSpan payload, DemuxedTrack* track) {
  Reader r(payload, "mdhd");
  NJ_TRY(FullBoxHeader header, ReadVersion01(r, "mdhd"));
  NJ_CHECK_OK(r.Skip(header.version == 1 ? 16 : 8));  // creation and modification times
  NJ_TRY(track->timescale, r.U32());
  if (track->timescale == 0) return r.Fail("timescale is 0");
  if (header.version == 1) {
    NJ_TRY(uint64_t duration, r.U64());
    if (duration == std::numeric_limits<uint64_t>::max()) {
      track->duration = -1;
    } else if (duration > kInt64Max) {
      return r.Fail("duration " + to_string(duration) + " out of range");
    } else {
      track->duration = static_cast<int64_t>(duration);
    }
  } else {
    NJ_TRY(uint32_t duration, r.U32());
    track->duration = duration == 0xffffffff ? -1 : int64_t{duration};
  }
  return Ok();
}

// hdlr (§8.4.3): pre_defined, then the handler type that says what kind of media this is.
Result<DemuxedTrack::Kind> ParseHdlr(ByteSpan payload) {
  Reader r(payload, "hdlr");
  NJ_CHECK_OK(r.Skip(4 + 4));  // version and flags, pre_defined
  NJ_TRY(uint32_t handler, r.U32());
  if (handler == FourCc("vide")) return DemuxedTrack::Kind::kVideo;
  if (handler == FourCc("soun")) return DemuxedTrack::Kind::kAudio;
  return DemuxedTrack::Kind::kOther;
}

// elst (§8.6.6). Each count was checked against the box size before reserving.
Result<std::vector<EditEntry>> ParseElst(ByteSpan payload) {
  Reader r(payload, "elst");
  NJ_TRY(FullBoxHeader header, ReadVersion01(r, "elst"));
  NJ_TRY(uint32_t count, r.U32());
  const bool wide = header.version == 1;
  const size_t entry_size = wide ? 20 : 12;
  if (count > r.remaining() / entry_size) {
    return r.Fail("entry count " + to_string(count) + " exceeds the box");
  }
  std::vector<EditEntry> edits;
  edits.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    NJ_TRY(ByteSpan e, r.Bytes(entry_size));
    const uint64_t segment_duration = wide ? LoadBe64(e.data()) : LoadBe32(e.data());
    if (segment_duration > kInt64Max) return r.Fail("segment_duration out of range");
    const int64_t media_time = wide ? static_cast<int64_t>(LoadBe64(e.data() + 8))
                                    : int64_t{static_cast<int32_t>(LoadBe32(e.data() + 4))};
    const uint8_t* rate = e.data() + entry_size - 4;
    edits.push_back(EditEntry{static_cast<int64_t>(segment_duration), media_time,
                              static_cast<int16_t>(LoadBe16(rate)),
                              static_cast<int16_t>(LoadBe16(rate + 2))});
  }
  return edits;
}

Result<std::vector<EditEntry>> ParseEdts(ByteSpan payload) {
  std::optional<ByteSpan> elst;
  NJ_CHECK_OK(ForEachChild(payload, [&](const Box& box) -> Result<void> {
    return box.type == FourCc("elst") ? SetOnce(elst, box) : Ok();
  }));
  if (!elst) return std::vector<EditEntry>{};
  return ParseElst(*elst);
}

// stbl (§8.5.1): the sample description and the sample tables.
Result<void> ParseStbl(ByteSpan payload, uint64_t file_size, DemuxedTrack* track) {
  std::optional<ByteSpan> stsd;
  SampleTableBoxes tables;
  NJ_CHECK_OK(ForEachChild(payload, [&](const Box& box) -> Result<void> {
    switch (box.type) {
      case FourCc("stsd"):
        return SetOnce(stsd, box);
      case FourCc("stts"):
        return SetOnce(tables.stts, box);
      case FourCc("ctts"):
        return SetOnce(tables.ctts, box);
      case FourCc("stss"):
        return SetOnce(tables.stss, box);
      case FourCc("stsz"):
        return SetOnce(tables.stsz, box);
      case FourCc("stz2"):
        return SetOnce(tables.stz2, box);
      case FourCc("stsc"):
        return SetOnce(tables.stsc, box);
      case FourCc("stco"):
        return SetOnce(tables.stco, box);
      case FourCc("co64"):
        return SetOnce(tables.co64, box);
      default:
        return Ok();  // sdtp, sgpd, sbgp, ...
    }
  }));
  NJ_TRY(ByteSpan description, Require(stsd, "stbl", "stsd"));
  NJ_CHECK_OK(ParseSampleDescription(description, track));
  NJ_TRY(track->samples, BuildSamples(tables, file_size));
  // Every audio frame (AAC, G.711) decodes on its own, whatever stss might say.
  if (track->kind == DemuxedTrack::Kind::kAudio) {
    for (DemuxedSample& s : track->samples) s.key = true;
  }
  return Ok();
}

// mdia (§8.4) and its minf (§8.4.4): header, handler, then the sample table.
Result<void> ParseMdia(ByteSpan payload, uint64_t file_size, DemuxedTrack* track) {
  std::optional<ByteSpan> mdhd, hdlr, minf, stbl;
  NJ_CHECK_OK(ForEachChild(payload, [&](const Box& box) -> Result<void> {
    switch (box.type) {
      case FourCc("mdhd"):
        return SetOnce(mdhd, box);
      case FourCc("hdlr"):
        return SetOnce(hdlr, box);
      case FourCc("minf"):
        return SetOnce(minf, box);
      default:
        return Ok();
    }
  }));
  NJ_TRY(ByteSpan mdhd_payload, Require(mdhd, "mdia", "mdhd"));
  NJ_TRY(ByteSpan hdlr_payload, Require(hdlr, "mdia", "hdlr"));
  NJ_TRY(ByteSpan minf_payload, Require(minf, "mdia", "minf"));
  NJ_CHECK_OK(ParseMdhd(mdhd_payload, track));
  NJ_TRY(track->kind, ParseHdlr(hdlr_payload));
  NJ_CHECK_OK(ForEachChild(minf_payload, [&](const Box& box) -> Result<void> {
    return box.type == FourCc("stbl") ? SetOnce(stbl, box) : Ok();  // skip vmhd, smhd, dinf
  }));
  NJ_TRY(ByteSpan stbl_payload, Require(stbl, "minf", "stbl"));
  return ParseStbl(stbl_payload, file_size, track);
}

// trak (§8.3.1).
Result<DemuxedTrack> ParseTrak(ByteSpan payload, uint64_t file_size) {
  std::optional<ByteSpan> tkhd, edts, mdia;
  NJ_CHECK_OK(ForEachChild(payload, [&](const Box& box) -> Result<void> {
    switch (box.type) {
      case FourCc("tkhd"):
        return SetOnce(tkhd, box);
      case FourCc("edts"):
        return SetOnce(edts, box);
      case FourCc("mdia"):
        return SetOnce(mdia, box);
      default:
        return Ok();  // tref, udta, meta, ...
    }
  }));
  DemuxedTrack track;
  NJ_TRY(ByteSpan tkhd_payload, Require(tkhd, "trak", "tkhd"));
  NJ_TRY(track.track_id, ParseTkhd(tkhd_payload));
  if (edts) {
    NJ_TRY(track.edits, ParseEdts(*edts));
  }
  NJ_TRY(ByteSpan mdia_payload, Require(mdia, "trak", "mdia"));
  NJ_CHECK_OK(ParseMdia(mdia_payload, file_size, &track));
  return track;
}

// moov (§8.2.1). Sets *fragmented if an mvex announces movie fragments.
Result<DemuxedFile> ParseMoov(ByteSpan payload, uint64_t file_size, bool* fragmented) {
  std::optional<ByteSpan> mvhd;
  std::vector<ByteSpan> traks;
  NJ_CHECK_OK(ForEachChild(payload, [&](const Box& box) -> Result<void> {
    if (box.type == FourCc("mvhd")) return SetOnce(mvhd, box);
    if (box.type == FourCc("trak")) traks.push_back(box.payload);
    if (box.type == FourCc("mvex")) *fragmented = true;
    return Ok();
  }));
  DemuxedFile out;
  NJ_TRY(ByteSpan mvhd_payload, Require(mvhd, "moov", "mvhd"));
  NJ_TRY(out.movie_timescale, ParseMvhd(mvhd_payload));
  out.tracks.reserve(traks.size());
  for (size_t i = 0; i < traks.size(); ++i) {
    Result<DemuxedTrack> track = ParseTrak(traks[i], file_size);
    if (!track) return Err(track.error().Wrap("trak #" + to_string(i)));
    out.tracks.push_back(std::move(*track));
  }
  return out;
}

}  // namespace

Result<DemuxedFile> DemuxMp4(std::span<const uint8_t> file) {
  std::optional<ByteSpan> moov;
  bool fragmented = false;
  Result<void> top = ForEachChild(file, [&](const Box& box) -> Result<void> {
    if (box.type == FourCc("moov")) return SetOnce(moov, box);
    if (box.type == FourCc("moof")) fragmented = true;
    // ftyp (§4.3): major_brand and minor_version, then compatible brands. Any brand is accepted:
    // files that are not ISO BMFF fail on structure, not on a label.
    if (box.type == FourCc("ftyp") && box.payload.size() < 8) {
      return Err(ErrorCode::kMalformed, "ftyp: shorter than 8 bytes");
    }
    return Ok();
  });
  if (!top) return Err(top.error().Wrap("mp4 top-level boxes"));
  if (!moov) {
    return Err(ErrorCode::kMalformed,
               "no moov box: not an MP4 file, or one cut off before its movie header");
  }
  NJ_TRY(DemuxedFile out, ParseMoov(*moov, file.size(), &fragmented));
  size_t samples = 0;
  for (const DemuxedTrack& t : out.tracks) samples += t.samples.size();
  if (fragmented && samples == 0) {
    return Err(ErrorCode::kUnsupported, "fragmented MP4 (moof/mvex) is not supported");
  }
  return out;
}

}  // namespace nightjar::mp4
