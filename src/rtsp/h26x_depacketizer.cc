// H.264 (RFC 6184 §5.6-5.8, non-interleaved mode) and H.265 (RFC 7798 §4.4, without DONL)
// depacketization. The two differ only in NAL header size, type numbers and the FU/aggregation
// header layouts, so one class serves both.
//
// Speed matters (hundreds of streams per core): NAL units are appended straight into the access
// unit's buffer with a 4-byte length in front; a FU writes a placeholder length when it starts
// and patches it when it ends. The buffers come from a BufferPool (base/buffer_pool.h) and go
// back to it when the frame is dropped, so the steady path does not allocate per access unit.
// Parameter sets are copied only when they differ from the known ones (codec::ParameterSets
// finds a repeat with a byte comparison).
//
// Key frames are decided by codec::IsKeyFrameNal, the one definition (IDR / IRAP, or a recovery
// point SEI for streams with periodic intra refresh); the decoder configuration is rebuilt from
// every parameter set seen, by id (codec/parameter_sets.h), with the key frame's own PPS naming
// the primary SPS.
#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <string>
#include <utility>

#include "base/base64.h"
#include "base/buffer_pool.h"
#include "base/strings.h"
#include "codec/parameter_sets.h"
#include "rtsp/depacketizer_internal.h"

namespace nightjar::rtsp::internal {
namespace {

using codec::VideoCodec;

// Position of the first 00 00 01 in `p`, or npos. memchr finds candidate 01 bytes quickly.
size_t FindStartCode(std::span<const uint8_t> p) {
  if (p.size() < 3) return std::string::npos;
  const uint8_t* begin = p.data();
  const uint8_t* end = begin + p.size();
  for (const uint8_t* q = begin + 2; q < end;) {
    q = static_cast<const uint8_t*>(std::memchr(q, 1, static_cast<size_t>(end - q)));
    if (q == nullptr) return std::string::npos;
    if (q[-1] == 0 && q[-2] == 0) return static_cast<size_t>(q - begin) - 2;
    ++q;
  }
  return std::string::npos;
}

// Calls fn(nal) for each NAL unit of a buffer holding Annex B start codes, the first at `sc`.
// Bytes before the first start code are a NAL unit too (its trailing zeros belong to the code).
template <typename Fn>
Result<void> ForEachAnnexBNal(std::span<const uint8_t> bytes, size_t sc, Fn fn) {
  std::span<const uint8_t> head = bytes.first(sc);
  while (!head.empty() && head.back() == 0) head = head.first(head.size() - 1);
  if (!head.empty()) NJ_CHECK_OK(fn(head));
  codec::AnnexBReader reader(bytes.subspan(sc));
  std::span<const uint8_t> nal;
  while (reader.Next(&nal)) NJ_CHECK_OK(fn(nal));
  return Ok();
}

class H26xDepacketizer final : public Depacketizer {
 public:
  H26xDepacketizer(VideoCodec codec, uint32_t clock_rate, BufferPool& pool)
      : codec_(codec),
        header_size_(codec == VideoCodec::kH264 ? 1 : 2),
        clock_rate_(clock_rate),
        pool_(pool),
        params_(codec) {}
  ~H26xDepacketizer() override { pool_.Give(std::move(data_)); }
  H26xDepacketizer(const H26xDepacketizer&) = delete;
  H26xDepacketizer& operator=(const H26xDepacketizer&) = delete;

  // Takes sprop-parameter-sets / sprop-vps / sprop-sps / sprop-pps: comma-separated base64 NAL
  // units (RFC 6184 §8.1, RFC 7798 §7.1). Undecodable or unparseable ones are ignored.
  void AddSdpParameterSets(std::string_view list);
  void FinishSdpParameterSets();

  Result<void> Push(const DepacketizerInput& packet, std::vector<AccessUnit>& out) override;
  std::optional<TrackConfig> config() const override { return config_; }
  uint64_t dropped() const override { return dropped_; }

 private:
  Result<void> PushPayload(std::span<const uint8_t> payload);
  Result<void> PushAnnexB(std::span<const uint8_t> payload, size_t first_start_code);
  Result<void> PushAggregation(std::span<const uint8_t> payload);
  Result<void> PushFragment(std::span<const uint8_t> payload);
  Result<void> AppendNal(std::span<const uint8_t> nal);
  Result<void> MakeRoom(size_t more);
  void MoveToBuffer(size_t capacity, size_t max_capacity);
  void ReserveForKeyPicture();
  void NoteNal(std::span<const uint8_t> nal);
  void AbortFragment();
  void StartAccessUnit(int64_t timestamp);
  Result<void> EndAccessUnit(std::vector<AccessUnit>& out, const int64_t* next_timestamp);
  Result<bool> AttachConfig(AccessUnit& au);
  void Discard();
  Result<TrackConfig> BuildConfig(std::optional<uint32_t> pps_id) const;

  const VideoCodec codec_;
  const size_t header_size_;  // NAL header bytes: 1 (H.264) or 2 (H.265)
  const uint32_t clock_rate_;
  BufferPool& pool_;  // data_'s buffers come from and go back to it

  // The access unit being assembled.
  bool open_ = false;
  int64_t ts_ = 0;
  std::vector<uint8_t> data_;  // AVCC; grows only through MakeRoom (a pooled buffer)
  size_t nal_count_ = 0;
  bool has_vcl_ = false, key_ = false, broken_ = false;
  bool irap_ = false;               // a slice of an IDR/IRAP picture (not only a recovery point)
  std::optional<uint32_t> pps_id_;  // a key frame's first slice's PPS, if readable
  bool fu_open_ = false;
  size_t fu_pos_ = 0;         // offset of the open FU's length field in data_
  size_t size_hint_ = 0;      // the next access unit's reservation: the last non-key frame's
  size_t key_size_hint_ = 0;  // the last IDR/IRAP picture's, reserved when one starts in FUs

  bool loss_pending_ = false;          // packets lost between access units: the next one is damaged
  bool waiting_for_key_ = true;        // nothing is emitted until a key frame
  codec::ParameterSets params_;        // every VPS/SPS/PPS seen, by id; in-band replace SDP
  std::optional<Error> params_error_;  // a parameter set whose id could not be read
  bool params_dirty_ = false;
  std::optional<TrackConfig> config_;      // built from params_
  std::optional<uint32_t> config_pps_id_;  // the PPS config_ was built for
  std::vector<uint8_t> reported_config_;   // the avcC/hvcC last announced with new_config
  uint64_t dropped_ = 0;
};

void H26xDepacketizer::AddSdpParameterSets(std::string_view list) {
  for (std::string_view item : Split(list, ',')) {
    auto bytes = Base64Decode(Trim(item));
    if (!bytes || bytes->empty()) continue;
    std::span<const uint8_t> b(*bytes);
    if (size_t sc = FindStartCode(b); sc != std::string::npos) {  // quirk: start codes in sprop
      (void)ForEachAnnexBNal(b, sc, [this](std::span<const uint8_t> nal) -> Result<void> {
        NoteNal(nal);
        return Ok();
      });
    } else {
      NoteNal(b);
    }
  }
}

void H26xDepacketizer::FinishSdpParameterSets() {
  auto c = BuildConfig(std::nullopt);
  if (c && !params_error_) {
    config_ = std::move(*c);
  } else {
    params_.Clear();  // a broken (or incomplete) SDP configuration is not fatal: wait for in-band
  }
  params_error_.reset();
  params_dirty_ = false;
  Discard();  // NoteNal's picture flags are meaningless for the SDP
}

// kNotFound while the parameter sets are incomplete. The key frame's PPS names the primary SPS;
// if it (or its SPS) is unknown, or the slice header could not be read, the lowest ids do, as
// the frame may still decode with sets the camera sends later in-band.
Result<TrackConfig> H26xDepacketizer::BuildConfig(std::optional<uint32_t> pps_id) const {
  auto config = codec::BuildDecoderConfig(params_, pps_id);
  if (!config && pps_id && config.error().code() == ErrorCode::kNotFound) {
    config = codec::BuildDecoderConfig(params_);
  }
  NJ_TRY(codec::DecoderConfig built, std::move(config));
  TrackConfig c;
  c.kind = TrackConfig::Kind::kVideo;
  c.clock_rate = clock_rate_;
  c.codec = std::move(built.codec);
  c.config = std::move(built.record);
  c.width = built.width;
  c.height = built.height;
  return c;
}

// Classifies a complete NAL unit of the current access unit (or of the SDP).
void H26xDepacketizer::NoteNal(std::span<const uint8_t> nal) {
  const int type = codec::NalType(codec_, nal);
  const bool vcl = codec_ == VideoCodec::kH264 ? type >= 1 && type <= 5 : type >= 0 && type <= 31;
  if (codec::IsKeyFrameNal(codec_, nal)) {
    key_ = true;
    irap_ = irap_ || vcl;  // a key slice; a recovery point is an SEI
  }
  // Only key frames need their PPS (a recovery point SEI comes before the first slice, H.264
  // §7.4.1.2.3, H.265 §7.4.2.4.4), so other pictures skip the slice header.
  if (vcl && !has_vcl_ && key_) {
    auto pps = codec::ReadSlicePpsId(codec_, nal);
    pps_id_ = pps ? std::optional<uint32_t>(*pps) : std::nullopt;
  }
  has_vcl_ |= vcl;
  if (vcl || !codec::IsParameterSetNal(codec_, nal)) return;
  // In-band parameter sets replace earlier ones of the same id (a camera's SDP may be stale);
  // other ids are kept: slices may use several.
  auto changed = params_.Add(nal);
  if (!changed) {
    params_error_ = std::move(changed).error();
  } else if (*changed) {
    params_dirty_ = true;
  }
}

// Checks the size limit and makes sure `more` bytes fit without the vector reallocating on its
// own: a larger buffer comes from the pool (twice the size, as the vector would grow) and the
// old one goes back.
Result<void> H26xDepacketizer::MakeRoom(size_t more) {
  const size_t need = data_.size() + more;
  if (need > kMaxAccessUnitSize) {
    return Err(ErrorCode::kMalformed, "access unit larger than 16 MiB");
  }
  if (need > data_.capacity()) {
    const size_t grown = std::max(need, 2 * data_.size());
    MoveToBuffer(grown, grown);
  }
  return Ok();
}

// A key picture is several times the size of the frames between them, which the access unit's
// buffer was reserved for: when a key picture's slice starts in fragments, the buffer goes to the
// last key picture's size at once, instead of doubling its way there (each step a copy of what
// it holds) and being trimmed at the end (one more).
// The buffer may be up to a quarter larger (the pool's size classes), within what the end of the
// access unit keeps untrimmed for a key picture of that size.
void H26xDepacketizer::ReserveForKeyPicture() {
  const size_t want = std::min(key_size_hint_, kMaxAccessUnitSize);
  if (data_.capacity() < want) MoveToBuffer(want, want + want / 4);
}

// Moves data_'s bytes into a pooled buffer of at least `capacity` bytes (see BufferPool::Take).
void H26xDepacketizer::MoveToBuffer(size_t capacity, size_t max_capacity) {
  std::vector<uint8_t> buffer = pool_.Take(capacity, max_capacity);
  buffer.insert(buffer.end(), data_.begin(), data_.end());
  pool_.Give(std::move(data_));
  data_ = std::move(buffer);
}

Result<void> H26xDepacketizer::AppendNal(std::span<const uint8_t> nal) {
  if (nal.size() < header_size_) return Ok();  // no NAL header: nothing a decoder could use
  if (nal_count_ >= kMaxNalsPerAccessUnit) {
    return Err(ErrorCode::kMalformed, "more than 1024 NAL units in one access unit");
  }
  NJ_CHECK_OK(MakeRoom(4 + nal.size()));
  const uint32_t n = static_cast<uint32_t>(nal.size());
  const uint8_t len[4] = {static_cast<uint8_t>(n >> 24), static_cast<uint8_t>(n >> 16),
                          static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)};
  data_.insert(data_.end(), len, len + 4);
  data_.insert(data_.end(), nal.begin(), nal.end());
  ++nal_count_;
  NoteNal(nal);
  return Ok();
}

Result<void> H26xDepacketizer::Push(const DepacketizerInput& p, std::vector<AccessUnit>& out) {
  if (p.loss_before) {
    // Lost packets inside an access unit damage it; lost packets after a completed one may have
    // been the start of the next.
    if (open_) {
      broken_ = true;
    } else {
      loss_pending_ = true;
    }
  }
  if (open_ && p.timestamp != ts_) NJ_CHECK_OK(EndAccessUnit(out, &p.timestamp));
  if (!open_) StartAccessUnit(p.timestamp);
  NJ_CHECK_OK(PushPayload(p.payload));
  // A marker ends the access unit only once it holds a slice (some cameras mark an SEI).
  if (p.marker && has_vcl_ && !fu_open_) NJ_CHECK_OK(EndAccessUnit(out, nullptr));
  return Ok();
}

Result<void> H26xDepacketizer::PushPayload(std::span<const uint8_t> payload) {
  if (payload.size() < header_size_) return Ok();  // empty keepalive payloads exist
  // Fragments carry most of the bytes: straight in. Their bodies are not scanned for start codes
  // (a conformant NAL unit holds none, and a fragment cut from a glued one could not be split).
  if (codec_ == VideoCodec::kH264 ? codec::H264NalType(payload[0]) == codec::kH264NalFuA
                                  : codec::H265NalType(payload[0]) == codec::kH265NalFu) {
    return PushFragment(payload);
  }
  // Quirk: Annex B start codes in what should be one NAL unit (e.g. SPS+PPS+IDR glued together).
  // A NAL unit cannot contain 00 00 01 (emulation prevention), so any occurrence is a separator.
  // Only such payloads are scanned (one that begins with a start code reads as type 0): the
  // fragments and aggregation packets that carry most bytes have their own framing, and a scan
  // of every byte received showed in profiles.
  const bool h264 = codec_ == VideoCodec::kH264;
  const uint8_t first_type = h264 ? codec::H264NalType(payload[0]) : codec::H265NalType(payload[0]);
  const bool framed = h264 ? first_type == codec::kH264NalStapA || first_type == codec::kH264NalFuA
                           : first_type == codec::kH265NalAp || first_type == codec::kH265NalFu;
  if (!framed) {
    if (size_t sc = FindStartCode(payload); sc != std::string::npos) {
      return PushAnnexB(payload, sc);
    }
  }
  if (h264) {
    const uint8_t type = first_type;
    if (type >= 1 && type <= 23) return AppendNal(payload);
    if (type == codec::kH264NalStapA) return PushAggregation(payload);
    if (type == codec::kH264NalFuA) return PushFragment(payload);
    if (type >= 25 && type <= 29) {  // STAP-B, MTAP16/24, FU-B: interleaved mode only
      return Err(ErrorCode::kMalformed,
                 "H.264 interleaved-mode packet type " + std::to_string(type));
    }
    return Ok();  // 0, 30, 31: undefined, ignored (RFC 6184 §5.4)
  }
  const uint8_t type = first_type;
  if (type < codec::kH265NalAp) return AppendNal(payload);
  if (type == codec::kH265NalAp) return PushAggregation(payload);
  if (type == codec::kH265NalFu) return PushFragment(payload);
  return Ok();  // PACI (50) and unspecified types are ignored (RFC 7798 §4.4.4)
}

Result<void> H26xDepacketizer::PushAnnexB(std::span<const uint8_t> payload, size_t sc) {
  return ForEachAnnexBNal(payload, sc, [this](auto nal) { return AppendNal(nal); });
}

// STAP-A (RFC 6184 §5.7.1) and AP (RFC 7798 §4.4.2): 16-bit size, NAL unit, repeated.
Result<void> H26xDepacketizer::PushAggregation(std::span<const uint8_t> payload) {
  size_t off = header_size_;
  if (off >= payload.size()) return Err(ErrorCode::kMalformed, "empty aggregation packet");
  while (off < payload.size()) {
    if (off + 2 > payload.size()) {
      return Err(ErrorCode::kMalformed, "aggregation packet ends inside a NAL unit size");
    }
    const size_t size = (size_t{payload[off]} << 8) | payload[off + 1];
    off += 2;
    if (size == 0 || off + size > payload.size()) {
      return Err(ErrorCode::kMalformed, "aggregated NAL unit of " + std::to_string(size) +
                                            " bytes does not fit the packet");
    }
    NJ_CHECK_OK(AppendNal(payload.subspan(off, size)));
    off += size;
  }
  return Ok();
}

// FU-A (RFC 6184 §5.8) and FU (RFC 7798 §4.4.3).
Result<void> H26xDepacketizer::PushFragment(std::span<const uint8_t> payload) {
  const size_t fu_header = header_size_;  // index of the FU header byte
  if (payload.size() <= fu_header + 1) {
    return Err(ErrorCode::kMalformed, "fragmentation unit without payload");
  }
  const uint8_t fu = payload[fu_header];
  const bool start = (fu & 0x80) != 0, end = (fu & 0x40) != 0;
  std::span<const uint8_t> body = payload.subspan(fu_header + 1);
  if (start) {
    if (fu_open_) {  // the previous FU never ended
      broken_ = true;
      AbortFragment();
    }
    if (nal_count_ >= kMaxNalsPerAccessUnit) {
      return Err(ErrorCode::kMalformed, "more than 1024 NAL units in one access unit");
    }
    uint8_t header[2] = {};
    if (codec_ == VideoCodec::kH264) {
      header[0] = static_cast<uint8_t>((payload[0] & 0xe0) | (fu & 0x1f));
    } else {
      header[0] = static_cast<uint8_t>((payload[0] & 0x81) | ((fu & 0x3f) << 1));
      header[1] = payload[1];
    }
    const std::span<const uint8_t> nal_header(header, header_size_);
    if (codec::IsKeyFrameNal(codec_, nal_header)) ReserveForKeyPicture();
    NJ_CHECK_OK(MakeRoom(4 + header_size_ + body.size()));
    fu_pos_ = data_.size();
    data_.resize(fu_pos_ + 4);  // length patched when the FU ends
    data_.insert(data_.end(), nal_header.begin(), nal_header.end());
    fu_open_ = true;
    ++nal_count_;
  } else if (!fu_open_) {
    broken_ = true;  // a FU without its start: its first packet was lost
    return Ok();
  } else {
    NJ_CHECK_OK(MakeRoom(body.size()));
  }
  data_.insert(data_.end(), body.begin(), body.end());
  if (end) {
    const size_t n = data_.size() - fu_pos_ - 4;
    for (int i = 0; i < 4; ++i) data_[fu_pos_ + i] = static_cast<uint8_t>(n >> (24 - 8 * i));
    fu_open_ = false;
    NoteNal(std::span<const uint8_t>(data_).subspan(fu_pos_ + 4));
  }
  return Ok();
}

void H26xDepacketizer::AbortFragment() {
  data_.resize(fu_pos_);
  --nal_count_;
  fu_open_ = false;
}

void H26xDepacketizer::StartAccessUnit(int64_t timestamp) {
  open_ = true;
  ts_ = timestamp;
  broken_ = loss_pending_;
  loss_pending_ = false;
  // Frame sizes vary: a kept buffer up to half as large again serves (BufferPool::Take).
  if (data_.capacity() < size_hint_) MoveToBuffer(size_hint_, size_hint_ + size_hint_ / 2);
}

void H26xDepacketizer::Discard() {
  open_ = false;
  data_.clear();
  nal_count_ = 0;
  has_vcl_ = key_ = broken_ = irap_ = false;
  pps_id_.reset();
}

// For a key frame: brings config_ up to date with the parameter sets seen and sets new_config if
// it differs from the one last announced. False if the configuration is still unknown.
Result<bool> H26xDepacketizer::AttachConfig(AccessUnit& au) {
  if (params_error_) {  // an in-band parameter set we cannot parse
    Error e = std::move(*params_error_);
    params_error_.reset();
    Discard();
    return std::unexpected(std::move(e));
  }
  if (params_dirty_ || !config_ || pps_id_ != config_pps_id_) {
    auto built = BuildConfig(pps_id_);
    if (!built && built.error().code() != ErrorCode::kNotFound) {
      Discard();
      return std::unexpected(std::move(built).error());
    }
    if (!built) return false;
    config_ = std::move(*built);
    config_pps_id_ = pps_id_;
    params_dirty_ = false;
  }
  if (config_->config != reported_config_) {
    reported_config_ = config_->config;
    au.new_config = config_;
  }
  waiting_for_key_ = false;
  return true;
}

// Ends the access unit at a marker (next_timestamp null) or because a packet with another
// timestamp arrived.
Result<void> H26xDepacketizer::EndAccessUnit(std::vector<AccessUnit>& out,
                                             const int64_t* next_timestamp) {
  if (fu_open_) {  // the FU's end was lost
    broken_ = true;
    AbortFragment();
  }
  if (next_timestamp != nullptr && !has_vcl_ && !broken_) {
    // Parameter sets or SEI sent with their own timestamp: keep them for the next picture.
    ts_ = *next_timestamp;
    return Ok();
  }
  if (broken_ || (waiting_for_key_ && !key_)) {
    if (broken_) waiting_for_key_ = true;
    if (broken_ || has_vcl_) ++dropped_;
    Discard();
    return Ok();
  }
  if (!has_vcl_) {
    Discard();
    return Ok();
  }
  AccessUnit au;
  au.timestamp = ts_;
  au.key = key_;
  if (key_) {
    NJ_TRY(bool usable, AttachConfig(au));
    if (!usable) {  // parameter sets only in-band and not seen yet
      ++dropped_;
      Discard();
      return Ok();
    }
  }
  // The reservation follows the frames between key frames; a key picture (several times larger,
  // once per GOP) is reserved its own (ReserveForKeyPicture), and trimmed when its buffer came out
  // more than a quarter larger (it grew past the reservation, or is smaller than the last one),
  // since the live view keeps it for a whole GOP. Recovery points (P-sized) leave both alone.
  if (key_) {
    const size_t trimmed = data_.size() + data_.size() / 4;
    if (data_.capacity() > trimmed) MoveToBuffer(data_.size(), trimmed);
    if (irap_) key_size_hint_ = data_.size();
  } else {
    size_hint_ = data_.size() + data_.size() / 8;
  }
  au.data = std::move(data_);
  data_ = {};
  out.push_back(std::move(au));
  Discard();
  return Ok();
}

}  // namespace

Result<std::unique_ptr<Depacketizer>> MakeH26xDepacketizer(VideoCodec codec,
                                                           const SdpMediaDescription& media,
                                                           BufferPool& pool) {
  auto param = [&media](const char* key) -> std::string_view {
    auto it = media.fmtp.find(key);
    return it == media.fmtp.end() ? std::string_view() : std::string_view(it->second);
  };
  if (codec == VideoCodec::kH264 && !param("packetization-mode").empty() &&
      param("packetization-mode") != "0" && param("packetization-mode") != "1") {
    return Err(ErrorCode::kUnsupported, "H.264 packetization-mode " +
                                            std::string(param("packetization-mode").substr(0, 16)));
  }
  if (codec == VideoCodec::kH265 && !param("sprop-max-don-diff").empty() &&
      param("sprop-max-don-diff") != "0") {
    return Err(ErrorCode::kUnsupported, "H.265 with decoding order numbers (sprop-max-don-diff)");
  }
  auto d =
      std::make_unique<H26xDepacketizer>(codec, media.clock_rate ? media.clock_rate : 90000, pool);
  if (codec == VideoCodec::kH264) {
    d->AddSdpParameterSets(param("sprop-parameter-sets"));
  } else {
    d->AddSdpParameterSets(param("sprop-vps"));
    d->AddSdpParameterSets(param("sprop-sps"));
    d->AddSdpParameterSets(param("sprop-pps"));
  }
  d->FinishSdpParameterSets();
  return std::unique_ptr<Depacketizer>(std::move(d));
}

}  // namespace nightjar::rtsp::internal
