#include "mp4/ts_mux.h"

#include <optional>

#include "codec/h264.h"
#include "codec/h265.h"
#include "codec/nal.h"

namespace nightjar::mp4 {
namespace {

constexpr int64_t k33Bits = int64_t{1} << 33;

// Byte by byte: GCC 12 reports false stringop-overflow warnings for vector::insert of an
// initializer_list at -O3.
void Put(std::vector<uint8_t>& o, std::initializer_list<uint8_t> bytes) {
  for (uint8_t b : bytes) o.push_back(b);
}

// PTS/DTS field (§2.4.3.7): 4-bit prefix, then 33 bits split 3/15/15 with marker bits.
void PutTimestamp(std::vector<uint8_t>& o, uint8_t prefix, int64_t t) {
  const uint64_t v = static_cast<uint64_t>(((t % k33Bits) + k33Bits) % k33Bits);
  o.push_back(static_cast<uint8_t>(prefix << 4 | ((v >> 29) & 0x0e) | 1));
  o.push_back(static_cast<uint8_t>(v >> 22));
  o.push_back(static_cast<uint8_t>(((v >> 14) & 0xfe) | 1));
  o.push_back(static_cast<uint8_t>(v >> 7));
  o.push_back(static_cast<uint8_t>(((v << 1) & 0xfe) | 1));
}

// The PES header (§2.4.3.6) for a stream: video packets leave PES_packet_length 0 (unbounded,
// allowed for video in transport streams).
void PesHeader(std::vector<uint8_t>& o, uint8_t stream_id, size_t payload, int64_t pts,
               std::optional<int64_t> dts) {
  const size_t header_data = dts ? 10 : 5;
  Put(o, {0, 0, 1, stream_id});
  const size_t len = stream_id == 0xe0 ? 0 : 3 + header_data + payload;
  o.push_back(static_cast<uint8_t>(len > 0xffff ? 0 : len >> 8));
  o.push_back(static_cast<uint8_t>(len > 0xffff ? 0 : len));
  o.push_back(0x84);  // '10', not scrambled, data_alignment_indicator
  o.push_back(dts ? 0xc0 : 0x80);
  o.push_back(static_cast<uint8_t>(header_data));
  PutTimestamp(o, dts ? 3 : 2, pts);
  if (dts) PutTimestamp(o, 1, *dts);
}

Result<std::vector<uint8_t>> ParameterSets(const SampleEntrySpec& e, bool hevc) {
  std::vector<uint8_t> out;
  if (hevc) {
    NJ_TRY(codec::HevcDecoderConfig c, codec::ParseHvcC(e.config));
    for (uint8_t type : {codec::kH265NalVps, codec::kH265NalSps, codec::kH265NalPps}) {
      for (auto nal : c.NalUnitsOfType(type)) codec::AppendAnnexB(nal, &out);
    }
  } else {
    NJ_TRY(codec::AvcDecoderConfig c, codec::ParseAvcC(e.config));
    for (const auto& nal : c.sps) codec::AppendAnnexB(nal, &out);
    for (const auto& nal : c.pps) codec::AppendAnnexB(nal, &out);
  }
  return out;
}

}  // namespace

uint32_t Crc32Mpeg2(std::span<const uint8_t> data) {
  uint32_t crc = 0xffffffff;
  for (uint8_t b : data) {
    crc ^= uint32_t{b} << 24;
    for (int i = 0; i < 8; ++i) crc = (crc & 0x80000000) ? (crc << 1) ^ 0x04c11db7 : crc << 1;
  }
  return crc;
}

Result<std::unique_ptr<TsMuxer>> TsMuxer::Create(const std::vector<SampleEntrySpec>& video,
                                                 const std::vector<SampleEntrySpec>& audio) {
  std::unique_ptr<TsMuxer> m(new TsMuxer());
  if (video.empty()) return Err(ErrorCode::kInvalidArgument, "no video sample entry");
  for (size_t i = 0; i < video.size(); ++i) {
    const std::string four = video[i].codec.substr(0, 4);
    const bool hevc = four == "hvc1" || four == "hev1";
    if (!hevc && four != "avc1" && four != "avc3") {
      return Err(ErrorCode::kUnsupported, "no MPEG-TS mapping for " + video[i].codec);
    }
    if (i == 0) m->hevc_ = hevc;
    if (hevc != m->hevc_) return Err(ErrorCode::kUnsupported, "the video codec changes");
    NJ_TRY(auto sets, ParameterSets(video[i], hevc));
    m->video_.push_back({std::move(sets)});
  }
  for (const auto& a : audio) {
    if (a.codec.substr(0, 4) != "mp4a") {
      return Err(ErrorCode::kUnsupported, "no MPEG-TS mapping for " + a.codec);
    }
    NJ_TRY(codec::AudioSpecificConfig asc, codec::ParseAudioSpecificConfig(a.config));
    m->audio_.push_back(asc);
  }
  return m;
}

void TsMuxer::WritePsi(std::vector<uint8_t>* out) {
  auto section = [&](uint16_t pid, uint8_t& cc, std::vector<uint8_t> s) {
    // s starts at table_id; section_length covers what follows it, CRC included.
    const size_t len = s.size() - 3 + 4;
    s[1] = static_cast<uint8_t>(0xb0 | len >> 8);
    s[2] = static_cast<uint8_t>(len);
    const uint32_t crc = Crc32Mpeg2(s);
    for (int i = 3; i >= 0; --i) s.push_back(static_cast<uint8_t>(crc >> (8 * i)));
    const size_t at = out->size();
    Put(*out, {0x47, static_cast<uint8_t>(0x40 | pid >> 8), static_cast<uint8_t>(pid),
               static_cast<uint8_t>(0x10 | cc)});
    cc = (cc + 1) & 0x0f;
    out->push_back(0);  // pointer_field
    out->insert(out->end(), s.begin(), s.end());
    out->resize(at + kTsPacketSize, 0xff);
  };
  // PAT (§2.4.4.3): program 1 -> PMT.
  section(0, cc_pat_,
          {0x00, 0, 0, 0x00, 0x01, 0xc1, 0x00, 0x00, 0x00, 0x01,
           static_cast<uint8_t>(0xe0 | kTsPmtPid >> 8), static_cast<uint8_t>(kTsPmtPid)});
  // PMT (§2.4.4.8): PCR on the video PID; H.264 0x1b / H.265 0x24, AAC in ADTS 0x0f.
  std::vector<uint8_t> pmt = {0x02,
                              0,
                              0,
                              0x00,
                              0x01,
                              0xc1,
                              0x00,
                              0x00,
                              static_cast<uint8_t>(0xe0 | kTsVideoPid >> 8),
                              static_cast<uint8_t>(kTsVideoPid),
                              0xf0,
                              0x00};
  auto stream = [&](uint8_t type, uint16_t pid) {
    Put(pmt, {type, static_cast<uint8_t>(0xe0 | pid >> 8), static_cast<uint8_t>(pid), 0xf0, 0x00});
  };
  stream(hevc_ ? 0x24 : 0x1b, kTsVideoPid);
  if (!audio_.empty()) stream(0x0f, kTsAudioPid);
  section(kTsPmtPid, cc_pmt_, std::move(pmt));
  psi_written_ = true;
}

void TsMuxer::Packetize(uint16_t pid, std::span<const uint8_t> pes, std::optional<int64_t> pcr,
                        bool random_access, std::vector<uint8_t>* out) {
  uint8_t& cc = pid == kTsVideoPid ? cc_video_ : cc_audio_;
  size_t pos = 0;
  bool first = true;
  while (pos < pes.size()) {
    const size_t at = out->size();
    out->resize(at + kTsPacketSize);
    uint8_t* p = out->data() + at;
    p[0] = 0x47;
    p[1] = static_cast<uint8_t>((first ? 0x40 : 0) | pid >> 8);
    p[2] = static_cast<uint8_t>(pid);
    // Adaptation field: PCR and the random-access flag on the first packet, stuffing on the
    // last one when the payload does not fill it.
    uint8_t af[184];
    size_t af_len = 0;  // bytes after adaptation_field_length
    if (first && (pcr || random_access)) {
      af[af_len++] = static_cast<uint8_t>((random_access ? 0x40 : 0) | (pcr ? 0x10 : 0));
      if (pcr) {
        const uint64_t base = static_cast<uint64_t>(((*pcr % k33Bits) + k33Bits) % k33Bits);
        af[af_len++] = static_cast<uint8_t>(base >> 25);
        af[af_len++] = static_cast<uint8_t>(base >> 17);
        af[af_len++] = static_cast<uint8_t>(base >> 9);
        af[af_len++] = static_cast<uint8_t>(base >> 1);
        af[af_len++] = static_cast<uint8_t>((base & 1) << 7 | 0x7e);  // reserved, extension 0
        af[af_len++] = 0;
      }
    }
    const bool has_af_fields = af_len > 0;
    size_t room = 184 - (has_af_fields ? 1 + af_len : 0);
    const size_t payload = std::min(room, pes.size() - pos);
    if (payload < room) {  // stuffing
      const size_t stuff = room - payload;
      if (!has_af_fields) {
        // An adaptation field of `stuff` bytes: its length byte, then flags, then 0xff.
        if (stuff >= 2) af[af_len++] = 0;
        while (af_len + 1 < stuff) af[af_len++] = 0xff;
      } else {
        for (size_t i = 0; i < stuff; ++i) af[af_len++] = 0xff;
      }
    }
    const bool has_af = has_af_fields || payload < room;
    p[3] = static_cast<uint8_t>((has_af ? 0x30 : 0x10) | cc);
    cc = (cc + 1) & 0x0f;
    uint8_t* q = p + 4;
    if (has_af) {
      *q++ = static_cast<uint8_t>(af_len);
      std::copy(af, af + af_len, q);
      q += af_len;
    }
    std::copy(pes.begin() + pos, pes.begin() + pos + payload, q);
    pos += payload;
    first = false;
  }
}

Result<void> TsMuxer::WriteVideo(uint32_t entry, int64_t dts, int64_t pts, bool key,
                                 std::span<const uint8_t> data, std::vector<uint8_t>* out) {
  if (entry >= video_.size()) return Err(ErrorCode::kInvalidArgument, "no such video entry");
  NJ_TRY(auto nals, codec::SplitLengthPrefixed(data, 4));
  std::vector<uint8_t> es;
  es.reserve(data.size() + 64 + (key ? video_[entry].parameter_sets.size() : 0));
  const bool has_aud =
      !nals.empty() && (hevc_ ? codec::H265NalType(nals[0][0]) == codec::kH265NalAud
                              : codec::H264NalType(nals[0][0]) == codec::kH264NalAud);
  if (!has_aud) {
    if (hevc_) {
      Put(es, {0, 0, 0, 1, 0x46, 0x01, 0x50});  // AUD, pic_type 2 (any)
    } else {
      Put(es, {0, 0, 0, 1, 0x09, 0xf0});  // AUD, primary_pic_type 7 (any)
    }
  }
  for (size_t i = 0; i < nals.size(); ++i) {
    if (i == (has_aud ? 1u : 0u) && key) {
      es.insert(es.end(), video_[entry].parameter_sets.begin(), video_[entry].parameter_sets.end());
    }
    codec::AppendAnnexB(nals[i], &es);
  }
  if (key || !psi_written_) WritePsi(out);
  pes_.clear();
  const int64_t d = dts + kTsTimeOffset, p = pts + kTsTimeOffset;
  PesHeader(pes_, 0xe0, es.size(), p, p != d ? std::optional<int64_t>(d) : std::nullopt);
  pes_.insert(pes_.end(), es.begin(), es.end());
  // PCR a little before the decode time, so a decoder has the frame in its buffer in time.
  Packetize(kTsVideoPid, pes_, d - 9000, key, out);
  return Ok();
}

Result<void> TsMuxer::WriteAudio(uint32_t entry, int64_t pts, std::span<const uint8_t> data,
                                 std::vector<uint8_t>* out) {
  if (entry >= audio_.size()) return Err(ErrorCode::kInvalidArgument, "no such audio entry");
  NJ_TRY(auto adts, codec::BuildAdtsHeader(audio_[entry], data.size()));
  if (!psi_written_) WritePsi(out);
  pes_.clear();
  PesHeader(pes_, 0xc0, adts.size() + data.size(), pts + kTsTimeOffset, std::nullopt);
  pes_.insert(pes_.end(), adts.begin(), adts.end());
  pes_.insert(pes_.end(), data.begin(), data.end());
  Packetize(kTsAudioPid, pes_, std::nullopt, false, out);
  return Ok();
}

}  // namespace nightjar::mp4
