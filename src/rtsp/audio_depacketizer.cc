// Audio depacketization: RFC 3640 mpeg4-generic AAC (AAC-hbr / AAC-lbr) and RFC 3551 G.711.
// Audio access units are independent, so loss only costs the access units it touches. Each access
// unit's buffer comes from a BufferPool (base/buffer_pool.h), like video's.
#include <optional>
#include <string>
#include <utility>

#include "base/base64.h"
#include "base/buffer_pool.h"
#include "base/strings.h"
#include "codec/aac.h"
#include "codec/bit_reader.h"
#include "rtsp/depacketizer_internal.h"

namespace nightjar::rtsp::internal {
namespace {

// The AU-header layout of RFC 3640 §3.2.1.1, from the fmtp parameters of §4.1. Lengths in bits.
struct AuHeaderLayout {
  int size_length = 0;
  int index_length = 0;
  int index_delta_length = 0;
  int cts_delta_length = 0;
  int dts_delta_length = 0;
  bool random_access = false;
  int stream_state_length = 0;
  int auxiliary_size_length = 0;
};

struct AuHeader {
  uint32_t size;
  uint32_t index;  // AU-Index of the first header, AU-Index-delta of later ones
};

class AacDepacketizer final : public Depacketizer {
 public:
  AacDepacketizer(AuHeaderLayout layout, TrackConfig config, uint32_t frame_ticks, BufferPool& pool)
      : layout_(layout), config_(std::move(config)), frame_ticks_(frame_ticks), pool_(pool) {}

  Result<void> Push(const DepacketizerInput& packet, std::vector<AccessUnit>& out) override;
  std::optional<TrackConfig> config() const override { return config_; }
  uint64_t dropped() const override { return dropped_; }

 private:
  Result<void> ReadHeaders(std::span<const uint8_t> section, uint32_t bits);
  void PushFragment(const DepacketizerInput& p, uint32_t au_size, std::span<const uint8_t> data,
                    std::vector<AccessUnit>& out);
  void Emit(int64_t timestamp, std::span<const uint8_t> data, std::vector<AccessUnit>& out);
  void DropFragment();

  const AuHeaderLayout layout_;
  const TrackConfig config_;
  const uint32_t frame_ticks_;  // RTP clock ticks per access unit
  BufferPool& pool_;
  std::vector<AuHeader> headers_;  // per packet, reused
  bool reported_ = false;
  // A fragmented access unit being reassembled (RFC 3640 §3.2.3).
  bool frag_open_ = false;
  bool frag_broken_ = false;  // a fragment of it was lost: drop it when it ends
  int64_t frag_ts_ = 0;
  uint32_t frag_size_ = 0;
  std::vector<uint8_t> frag_;
  uint64_t dropped_ = 0;
};

Result<void> AacDepacketizer::ReadHeaders(std::span<const uint8_t> section, uint32_t bits) {
  headers_.clear();
  codec::BitReader r(section);
  const AuHeaderLayout& l = layout_;
  while (r.bit_position() < bits) {
    AuHeader h;
    NJ_TRY(h.size, r.ReadBits(l.size_length));
    NJ_TRY(h.index, r.ReadBits(headers_.empty() ? l.index_length : l.index_delta_length));
    if (l.cts_delta_length > 0) {
      NJ_TRY(bool cts, r.ReadFlag());
      if (cts) NJ_CHECK_OK(r.SkipBits(l.cts_delta_length));
    }
    if (l.dts_delta_length > 0) {
      NJ_TRY(bool dts, r.ReadFlag());
      if (dts) NJ_CHECK_OK(r.SkipBits(l.dts_delta_length));
    }
    if (l.random_access) NJ_CHECK_OK(r.SkipBits(1));
    NJ_CHECK_OK(r.SkipBits(l.stream_state_length));
    if (h.size > kMaxAccessUnitSize) {
      return Err(ErrorCode::kMalformed, "AU-size " + std::to_string(h.size) + " over 16 MiB");
    }
    headers_.push_back(h);
  }
  if (r.bit_position() != bits) return Err(ErrorCode::kMalformed, "AU-headers overrun");
  return Ok();
}

Result<void> AacDepacketizer::Push(const DepacketizerInput& p, std::vector<AccessUnit>& out) {
  if (frag_open_ && p.timestamp != frag_ts_) DropFragment();  // its last fragments were lost
  if (frag_open_ && p.loss_before) frag_broken_ = true;
  std::span<const uint8_t> payload = p.payload;
  if (payload.size() < 2) return Err(ErrorCode::kMalformed, "AAC payload without AU-headers");
  const uint32_t bits = (uint32_t{payload[0]} << 8) | payload[1];
  const size_t header_bytes = (bits + 7) / 8;
  if (2 + header_bytes > payload.size()) {
    return Err(ErrorCode::kMalformed, "AU-headers longer than the packet");
  }
  NJ_CHECK_OK(ReadHeaders(payload.subspan(2, header_bytes), bits));
  size_t off = 2 + header_bytes;
  if (layout_.auxiliary_size_length > 0) {  // §3.2.2: skip the auxiliary section
    codec::BitReader r(payload.subspan(off));
    NJ_TRY(uint32_t aux_bits, r.ReadBits(layout_.auxiliary_size_length));
    off += (layout_.auxiliary_size_length + size_t{aux_bits} + 7) / 8;
    if (off > payload.size()) return Err(ErrorCode::kMalformed, "auxiliary section too long");
  }
  std::span<const uint8_t> data = payload.subspan(off);
  if (headers_.size() == 1 && (frag_open_ || headers_[0].size > data.size())) {
    PushFragment(p, headers_[0].size, data, out);
    return Ok();
  }
  if (frag_open_) DropFragment();  // a fragment interrupted by a whole access unit
  uint32_t index = 0;
  for (size_t i = 0; i < headers_.size(); ++i) {
    const AuHeader& h = headers_[i];
    if (h.size > data.size()) {
      return Err(ErrorCode::kMalformed,
                 "AU-size " + std::to_string(h.size) + " larger than the rest of the packet");
    }
    if (i > 0) index += h.index + 1;  // AU-Index-delta; 0 for consecutive AUs
    Emit(p.timestamp + int64_t{index} * frame_ticks_, data.first(h.size), out);
    data = data.subspan(h.size);
  }
  return Ok();
}

void AacDepacketizer::PushFragment(const DepacketizerInput& p, uint32_t au_size,
                                   std::span<const uint8_t> data, std::vector<AccessUnit>& out) {
  if (!frag_open_) {
    frag_open_ = true;
    frag_broken_ = false;
    frag_ts_ = p.timestamp;
    frag_size_ = au_size;
    frag_.clear();
  } else if (au_size != frag_size_) {  // every fragment carries the whole AU's size
    frag_broken_ = true;
  }
  if (!frag_broken_) frag_.insert(frag_.end(), data.begin(), data.end());
  // A fragment that overflows, or a last fragment (marker) that leaves the AU short, means a
  // fragment was lost (perhaps the first, which cannot be told from the others).
  if (frag_.size() > frag_size_ || (p.marker && (frag_broken_ || frag_.size() != frag_size_))) {
    DropFragment();
  } else if (!frag_broken_ && frag_.size() == frag_size_) {
    Emit(frag_ts_, frag_, out);
    frag_open_ = false;
  }
}

void AacDepacketizer::DropFragment() {
  frag_open_ = false;
  frag_.clear();
  ++dropped_;
}

void AacDepacketizer::Emit(int64_t timestamp, std::span<const uint8_t> data,
                           std::vector<AccessUnit>& out) {
  if (data.empty()) return;
  AccessUnit au;
  au.timestamp = timestamp;
  au.key = true;
  if (!reported_) {
    au.new_config = config_;
    reported_ = true;
  }
  au.data = pool_.Take(data.size());
  au.data.assign(data.begin(), data.end());
  out.push_back(std::move(au));
}

class G711Depacketizer final : public Depacketizer {
 public:
  G711Depacketizer(TrackConfig config, BufferPool& pool)
      : config_(std::move(config)), pool_(pool) {}

  Result<void> Push(const DepacketizerInput& p, std::vector<AccessUnit>& out) override {
    if (p.payload.empty()) return Ok();
    AccessUnit au;
    au.timestamp = p.timestamp;
    au.key = true;
    if (!reported_) {
      au.new_config = config_;
      reported_ = true;
    }
    au.data = pool_.Take(p.payload.size());
    au.data.assign(p.payload.begin(), p.payload.end());
    out.push_back(std::move(au));
    return Ok();
  }
  std::optional<TrackConfig> config() const override { return config_; }
  uint64_t dropped() const override { return 0; }

 private:
  const TrackConfig config_;
  BufferPool& pool_;
  bool reported_ = false;
};

// An integer fmtp parameter in [0, max], or `fallback` when absent.
Result<int> FmtpInt(const SdpMediaDescription& m, const char* key, int fallback, int max) {
  auto it = m.fmtp.find(key);
  if (it == m.fmtp.end() || it->second.empty()) return fallback;
  auto v = ParseInt64(it->second, 0, max);
  if (!v) return Err(ErrorCode::kMalformed, std::string("bad AAC fmtp ") + key);
  return static_cast<int>(*v);
}

Result<AuHeaderLayout> ParseLayout(const SdpMediaDescription& m) {
  auto mode_it = m.fmtp.find("mode");
  const std::string mode = mode_it == m.fmtp.end() ? "" : AsciiToLower(mode_it->second);
  // RFC 3640 §3.3.5 / §3.3.6 fix these values; they are the defaults when a camera omits them.
  int def_size = 13, def_index = 3;
  if (mode == "aac-lbr") {
    def_size = 6;
    def_index = 2;
  } else if (mode != "aac-hbr" && !mode.empty()) {
    return Err(ErrorCode::kUnsupported, "mpeg4-generic mode " + mode.substr(0, 32));
  }
  AuHeaderLayout l;
  NJ_TRY(l.size_length, FmtpInt(m, "sizelength", def_size, 32));
  NJ_TRY(l.index_length, FmtpInt(m, "indexlength", def_index, 32));
  NJ_TRY(l.index_delta_length, FmtpInt(m, "indexdeltalength", def_index, 32));
  NJ_TRY(l.cts_delta_length, FmtpInt(m, "ctsdeltalength", 0, 32));
  NJ_TRY(l.dts_delta_length, FmtpInt(m, "dtsdeltalength", 0, 32));
  NJ_TRY(int rap, FmtpInt(m, "randomaccessindication", 0, 1));
  l.random_access = rap != 0;
  NJ_TRY(l.stream_state_length, FmtpInt(m, "streamstateindication", 0, 32));
  NJ_TRY(l.auxiliary_size_length, FmtpInt(m, "auxiliarydatasizelength", 0, 32));
  if (l.size_length == 0) {
    return Err(ErrorCode::kUnsupported, "mpeg4-generic without AU sizes (constantsize)");
  }
  return l;
}

}  // namespace

Result<std::unique_ptr<Depacketizer>> MakeAacDepacketizer(const SdpMediaDescription& media,
                                                          BufferPool& pool) {
  NJ_TRY(AuHeaderLayout layout, ParseLayout(media));
  auto it = media.fmtp.find("config");
  if (it == media.fmtp.end() || it->second.empty()) {
    return Err(ErrorCode::kMalformed, "mpeg4-generic without config=");
  }
  auto asc_bytes = HexDecode(it->second);
  if (!asc_bytes) return Err(asc_bytes.error().Wrap("AAC config="));
  auto asc = codec::ParseAudioSpecificConfig(*asc_bytes);
  if (!asc) return Err(asc.error().Wrap("AAC config="));
  TrackConfig c;
  c.kind = TrackConfig::Kind::kAudio;
  c.codec = codec::AacCodecString(*asc);
  c.config = std::move(*asc_bytes);
  c.clock_rate = media.clock_rate ? media.clock_rate : asc->output_sampling_frequency();
  int channels = codec::AacChannelCount(asc->channel_configuration);
  c.channels = channels > 0 ? static_cast<uint32_t>(channels) : media.channels;
  // An AU holds 1024 (or 960) samples at the core rate; the RTP clock may be the SBR rate.
  uint64_t ticks = asc->core_samples_per_frame();
  if (asc->sampling_frequency != 0 && c.clock_rate != asc->sampling_frequency) {
    ticks = ticks * c.clock_rate / asc->sampling_frequency;
  }
  if (ticks == 0 || ticks > (1u << 20)) return Err(ErrorCode::kMalformed, "AAC clock rate");
  return std::unique_ptr<Depacketizer>(
      std::make_unique<AacDepacketizer>(layout, std::move(c), static_cast<uint32_t>(ticks), pool));
}

std::unique_ptr<Depacketizer> MakeG711Depacketizer(const SdpMediaDescription& media,
                                                   codec::G711Law law, BufferPool& pool) {
  const codec::G711Info& info = codec::G711InfoFor(law);
  TrackConfig c;
  c.kind = TrackConfig::Kind::kAudio;
  c.codec = std::string(info.sample_entry);
  c.clock_rate = media.clock_rate ? media.clock_rate : info.sampling_frequency;
  c.channels = media.channels ? media.channels : info.channels;
  return std::make_unique<G711Depacketizer>(std::move(c), pool);
}

}  // namespace nightjar::rtsp::internal
