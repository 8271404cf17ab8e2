#include "mp4/fmp4.h"

namespace nightjar::mp4 {
namespace {

// sample_flags (§8.8.3.1): a sync sample depends on nothing (sample_depends_on 2); others depend
// on earlier samples (1) and are not sync samples (sample_is_non_sync_sample). Key frames include
// the recovery points of intra-refresh streams (codec::IsKeyFrameNal says why), flagged as FFmpeg's
// muxer flags them.
constexpr uint32_t kSyncFlags = 0x02000000;
constexpr uint32_t kNonSyncFlags = 0x01010000;

void WriteEmptyTables(BoxWriter& w) {
  for (const char* type : {"stts", "stsc", "stco"}) {
    const size_t box = w.OpenFull(type, 0, 0);
    w.U32(0);
    w.Close(box);
  }
  const size_t stsz = w.OpenFull("stsz", 0, 0);
  w.U32(0);
  w.U32(0);
  w.Close(stsz);
}

}  // namespace

Result<std::vector<uint8_t>> WriteInitSegment(const std::vector<FragmentedTrack>& tracks) {
  std::vector<uint8_t> out;
  BoxWriter w(&out);
  const size_t ftyp = w.Open("ftyp");
  w.FourCc("iso5");
  w.U32(0x200);
  for (const char* brand : {"iso5", "iso6", "mp41"}) w.FourCc(brand);
  w.Close(ftyp);
  const size_t moov = w.Open("moov");
  WriteMvhd(w, {90000, 0, 0, static_cast<uint32_t>(tracks.size() + 1)});
  for (size_t i = 0; i < tracks.size(); ++i) {
    const auto& t = tracks[i];
    const bool audio = t.entry.kind == SampleEntrySpec::Kind::kAudio;
    const size_t trak = w.Open("trak");
    WriteTkhd(w, {static_cast<uint32_t>(i + 1), 0, 0, audio, t.entry.width, t.entry.height});
    const size_t mdia = w.Open("mdia");
    WriteMdhd(w, t.timescale, 0, 0);
    WriteHdlr(w, audio);
    const size_t minf = w.Open("minf");
    WriteMediaHeaderAndDinf(w, audio);
    const size_t stbl = w.Open("stbl");
    const size_t stsd = w.OpenFull("stsd", 0, 0);
    w.U32(1);
    NJ_CHECK_OK(WriteSampleEntry(w, t.entry));
    w.Close(stsd);
    WriteEmptyTables(w);
    w.Close(stbl);
    w.Close(minf);
    w.Close(mdia);
    w.Close(trak);
  }
  const size_t mvex = w.Open("mvex");
  for (size_t i = 0; i < tracks.size(); ++i) {
    const size_t trex = w.OpenFull("trex", 0, 0);  // §8.8.3: defaults, all overridden per sample
    w.U32(static_cast<uint32_t>(i + 1));
    w.U32(1);  // default_sample_description_index
    w.U32(0);
    w.U32(0);
    w.U32(0);
    w.Close(trex);
  }
  w.Close(mvex);
  w.Close(moov);
  return out;
}

std::vector<uint8_t> WriteFragmentHeader(uint32_t sequence, const std::vector<TrackRun>& runs) {
  std::vector<uint8_t> out;
  BoxWriter w(&out);
  const size_t moof = w.Open("moof");
  const size_t mfhd = w.OpenFull("mfhd", 0, 0);
  w.U32(sequence);
  w.Close(mfhd);
  std::vector<size_t> data_offset_at;  // where each trun's data_offset goes
  uint64_t payload = 0;
  for (const TrackRun& r : runs) {
    if (r.samples.empty()) continue;
    const size_t traf = w.Open("traf");
    const size_t tfhd = w.OpenFull("tfhd", 0, 0x020000);  // default-base-is-moof
    w.U32(r.track_id);
    w.Close(tfhd);
    const size_t tfdt = w.OpenFull("tfdt", 1, 0);
    w.U64(r.base_decode_time);
    w.Close(tfdt);
    // Version 1: signed composition offsets. Flags: data offset, per-sample duration, size,
    // flags and composition offset.
    const size_t trun = w.OpenFull("trun", 1, 0x000001 | 0x000100 | 0x000200 | 0x000400 | 0x000800);
    w.U32(static_cast<uint32_t>(r.samples.size()));
    data_offset_at.push_back(w.size());
    w.U32(0);  // patched below
    for (const FragmentSample& s : r.samples) {
      w.U32(s.duration);
      w.U32(s.bytes);
      w.U32(s.key ? kSyncFlags : kNonSyncFlags);
      w.U32(static_cast<uint32_t>(s.cto));
      payload += s.bytes;
    }
    w.Close(trun);
    w.Close(traf);
  }
  w.Close(moof);
  // data_offset is relative to the moof's first byte (default-base-is-moof): past the moof and
  // the 8-byte mdat header, then past the runs before this one.
  uint64_t offset = out.size() + 8;
  size_t k = 0;
  for (const TrackRun& r : runs) {
    if (r.samples.empty()) continue;
    const size_t at = data_offset_at[k++];
    for (int i = 0; i < 4; ++i) out[at + i] = static_cast<uint8_t>(offset >> (24 - 8 * i));
    for (const FragmentSample& s : r.samples) offset += s.bytes;
  }
  w.U32(static_cast<uint32_t>(payload + 8));
  w.FourCc("mdat");
  return out;
}

}  // namespace nightjar::mp4
