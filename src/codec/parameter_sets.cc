#include "codec/parameter_sets.h"

#include <algorithm>
#include <string>
#include <utility>

#include "codec/bit_reader.h"
#include "codec/h264.h"
#include "codec/h265.h"

namespace nightjar::codec {
namespace {

// Enough escaped bytes for every field read here: the ids sit within the first few bytes of the
// payload, after at most 3 bytes (H.264 SPS) or two Exp-Golomb codes of at most 35 bits each.
constexpr size_t kPrefixBytes = 32;

size_t HeaderSize(VideoCodec codec) { return codec == VideoCodec::kH264 ? 1 : 2; }

// The unescaped start of the payload after the NAL header, on the stack: the slice header's PPS
// id is read for every access unit, so no allocation.
class PayloadPrefix {
 public:
  PayloadPrefix(VideoCodec codec, std::span<const uint8_t> nal) {
    const size_t header = HeaderSize(codec);
    int zeros = 0;
    for (size_t i = header; i < nal.size() && size_ < kPrefixBytes; ++i) {
      if (zeros >= 2 && nal[i] == 3) {  // emulation_prevention_three_byte (§7.4.1)
        zeros = 0;
        continue;
      }
      bytes_[size_++] = nal[i];
      zeros = nal[i] == 0 ? zeros + 1 : 0;
    }
  }
  std::span<const uint8_t> span() const { return std::span(bytes_).first(size_); }

 private:
  std::array<uint8_t, kPrefixBytes> bytes_;
  size_t size_ = 0;
};

std::optional<ParamSetKind> KindOf(VideoCodec codec, int type) {
  if (codec == VideoCodec::kH264) {
    if (type == kH264NalSps) return ParamSetKind::kSps;
    if (type == kH264NalPps) return ParamSetKind::kPps;
    return std::nullopt;
  }
  if (type == kH265NalVps) return ParamSetKind::kVps;
  if (type == kH265NalSps) return ParamSetKind::kSps;
  if (type == kH265NalPps) return ParamSetKind::kPps;
  return std::nullopt;
}

Result<uint32_t> ReadId(VideoCodec codec, ParamSetKind kind, std::span<const uint8_t> nal) {
  const uint32_t max = MaxParamSetIds(codec, kind) - 1;
  if (codec == VideoCodec::kH265 && kind == ParamSetKind::kSps) {
    // sps_seq_parameter_set_id follows profile_tier_level(): parsing the SPS is the way there.
    NJ_TRY(H265Sps sps, ParseH265Sps(nal));
    return sps.sps_seq_parameter_set_id;
  }
  PayloadPrefix prefix(codec, nal);
  BitReader r(prefix.span());
  if (codec == VideoCodec::kH265 && kind == ParamSetKind::kVps) return r.ReadBits(4);
  if (codec == VideoCodec::kH264 && kind == ParamSetKind::kSps) {
    NJ_CHECK_OK(r.SkipBits(24));  // profile_idc, constraint_set flags, level_idc
  }
  return r.ReadUeMax(max, "parameter set id");
}

// The first entries of `map` in id order, at most `cap` of them but always `keep` if present.
std::vector<std::span<const uint8_t>> Units(const ParameterSets::Map& map, size_t cap,
                                            std::optional<uint32_t> keep, size_t* keep_index) {
  std::vector<std::pair<uint32_t, std::span<const uint8_t>>> units;
  for (const auto& [id, nal] : map) units.emplace_back(id, nal);
  while (units.size() > cap) {
    auto drop = units.end() - 1;
    if (keep && drop->first == *keep) --drop;
    units.erase(drop);
  }
  std::vector<std::span<const uint8_t>> out;
  for (const auto& [id, nal] : units) {
    if (keep && id == *keep && keep_index) *keep_index = out.size();
    out.push_back(nal);
  }
  return out;
}

// The id of the primary set of `kind`: the one `referrer` (a PPS or SPS) refers to, or the lowest.
Result<uint32_t> PrimaryId(const ParameterSets& sets, ParamSetKind kind,
                           const std::vector<uint8_t>* referrer) {
  const ParameterSets::Map& map = sets.sets(kind);
  if (referrer == nullptr) return map.begin()->first;
  NJ_TRY(uint32_t id, ReadReferencedId(sets.codec(), *referrer));
  if (!map.contains(id)) {
    return Err(ErrorCode::kNotFound, std::string(kind == ParamSetKind::kSps ? "SPS " : "VPS ") +
                                         std::to_string(id) + " is missing");
  }
  return id;
}

}  // namespace

uint32_t MaxParamSetIds(VideoCodec codec, ParamSetKind kind) {
  if (codec == VideoCodec::kH264) {
    return kind == ParamSetKind::kSps ? 32 : kind == ParamSetKind::kPps ? 256 : 0;
  }
  return kind == ParamSetKind::kPps ? 64 : 16;
}

Result<ParamSetId> ReadParamSetId(VideoCodec codec, std::span<const uint8_t> nal) {
  auto kind = KindOf(codec, NalType(codec, nal));
  if (!kind) return Err(ErrorCode::kInvalidArgument, "not a parameter set NAL unit");
  auto id = ReadId(codec, *kind, nal);
  if (!id) return std::unexpected(id.error().Wrap("parameter set id"));
  return ParamSetId{*kind, *id};
}

Result<uint32_t> ReadReferencedId(VideoCodec codec, std::span<const uint8_t> nal) {
  auto kind = KindOf(codec, NalType(codec, nal));
  if (kind == ParamSetKind::kPps) {
    PayloadPrefix prefix(codec, nal);
    BitReader r(prefix.span());
    NJ_CHECK_OK(r.ReadUeMax(MaxParamSetIds(codec, ParamSetKind::kPps) - 1, "PPS id"));
    return r.ReadUeMax(MaxParamSetIds(codec, ParamSetKind::kSps) - 1, "PPS's SPS id");
  }
  if (codec == VideoCodec::kH265 && kind == ParamSetKind::kSps) {
    PayloadPrefix prefix(codec, nal);
    BitReader r(prefix.span());
    return r.ReadBits(4);  // sps_video_parameter_set_id
  }
  return Err(ErrorCode::kInvalidArgument, "not a PPS (or H.265 SPS) NAL unit");
}

Result<uint32_t> ReadSlicePpsId(VideoCodec codec, std::span<const uint8_t> nal) {
  const int type = NalType(codec, nal);
  PayloadPrefix prefix(codec, nal);
  BitReader r(prefix.span());
  if (codec == VideoCodec::kH264) {
    if (type < kH264NalSlice || type > kH264NalIdr) {
      return Err(ErrorCode::kInvalidArgument, "not a slice NAL unit");
    }
    NJ_CHECK_OK(r.ReadUe());                          // first_mb_in_slice
    NJ_CHECK_OK(r.ReadUeMax(9, "slice_type"));        // §7.4.3: 0..9
    return r.ReadUeMax(255, "pic_parameter_set_id");  // §7.4.3: 0..255
  }
  if (type < 0 || type > 31) return Err(ErrorCode::kInvalidArgument, "not a slice NAL unit");
  NJ_CHECK_OK(r.ReadFlag());  // first_slice_segment_in_pic_flag
  if (type >= kH265NalBlaWLp && type <= kH265NalIrapMax) {
    NJ_CHECK_OK(r.ReadFlag());  // no_output_of_prior_pics_flag
  }
  return r.ReadUeMax(63, "slice_pic_parameter_set_id");  // §7.4.7.1: 0..63
}

Result<bool> ParameterSets::Add(std::span<const uint8_t> nal) {
  // The last byte of a NAL unit is never 0x00 (H.264 §7.4.1, H.265 §7.4.2): zeros after it are
  // trailing_zero_8bits of a byte stream that some cameras leave in their sprop-parameter-sets.
  // Without them, the SDP's copy and the in-band one compare equal.
  while (!nal.empty() && nal.back() == 0) nal = nal.first(nal.size() - 1);
  auto kind = KindOf(codec_, NalType(codec_, nal));
  if (!kind) return Err(ErrorCode::kInvalidArgument, "not a parameter set NAL unit");
  // Sets of H.265 enhancement layers (nuh_layer_id > 0, §7.4.2.2) are not the base layer's, which
  // is all that is recorded; decoders of it ignore them, and so do we.
  if (codec_ == VideoCodec::kH265 && (((nal[0] & 1) << 5) | (nal[1] >> 3)) != 0) return false;
  Map& map = sets_[static_cast<size_t>(*kind)];
  // A repeat (what cameras send before every key frame) is found without parsing.
  for (const auto& [id, known] : map) {
    if (std::ranges::equal(known, nal)) return false;
  }
  if (nal.size() > kMaxSetBytes) {
    return Err(ErrorCode::kMalformed, "parameter set of " + std::to_string(nal.size()) + " bytes");
  }
  NJ_TRY(ParamSetId id, ReadParamSetId(codec_, nal));
  std::vector<uint8_t>& slot = map[id.id];
  const size_t total = total_bytes_ - slot.size() + nal.size();
  if (total > kMaxTotalBytes) {
    if (slot.empty()) map.erase(id.id);
    return Err(ErrorCode::kMalformed, "parameter sets over 1 MiB in total");
  }
  slot.assign(nal.begin(), nal.end());
  total_bytes_ = total;
  return true;
}

bool ParameterSets::empty() const {
  return std::ranges::all_of(sets_, [](const Map& m) { return m.empty(); });
}

bool ParameterSets::Complete() const {
  return !sets(ParamSetKind::kSps).empty() && !sets(ParamSetKind::kPps).empty() &&
         (codec_ == VideoCodec::kH264 || !sets(ParamSetKind::kVps).empty());
}

void ParameterSets::Clear() {
  for (Map& m : sets_) m.clear();
  total_bytes_ = 0;
}

Result<DecoderConfig> BuildDecoderConfig(const ParameterSets& sets,
                                         std::optional<uint32_t> pps_id) {
  if (!sets.Complete()) return Err(ErrorCode::kNotFound, "parameter sets incomplete");
  const std::vector<uint8_t>* pps = nullptr;
  if (pps_id) {
    auto it = sets.sets(ParamSetKind::kPps).find(*pps_id);
    if (it == sets.sets(ParamSetKind::kPps).end()) {
      return Err(ErrorCode::kNotFound, "PPS " + std::to_string(*pps_id) + " is missing");
    }
    pps = &it->second;
  }
  NJ_TRY(uint32_t sps_id, PrimaryId(sets, ParamSetKind::kSps, pps));
  const std::vector<uint8_t>& primary_sps = sets.sets(ParamSetKind::kSps).at(sps_id);
  DecoderConfig out;
  size_t sps_index = 0, vps_index = 0;
  const bool h264 = sets.codec() == VideoCodec::kH264;
  auto sps = Units(sets.sets(ParamSetKind::kSps), h264 ? 31 : 0xffff, sps_id, &sps_index);
  auto ppss = Units(sets.sets(ParamSetKind::kPps), h264 ? 255 : 0xffff, pps_id, nullptr);
  if (h264) {
    NJ_TRY(out.record, BuildAvcC(sps, ppss, sps_index));
    NJ_TRY(H264Sps parsed, ParseH264Sps(primary_sps));
    out.codec = H264CodecString(parsed);
    out.width = parsed.width;
    out.height = parsed.height;
    return out;
  }
  // A VPS id that does not match is tolerated (decoders of the base layer barely use the VPS).
  auto vps_id = PrimaryId(sets, ParamSetKind::kVps, &primary_sps);
  if (!vps_id && vps_id.error().code() == ErrorCode::kNotFound) {
    vps_id = PrimaryId(sets, ParamSetKind::kVps, nullptr);
  }
  NJ_CHECK_OK(vps_id);
  auto vps = Units(sets.sets(ParamSetKind::kVps), 0xffff, *vps_id, &vps_index);
  NJ_TRY(out.record, BuildHvcC(vps, sps, ppss, vps_index, sps_index));
  NJ_TRY(H265Sps parsed, ParseH265Sps(primary_sps));
  out.codec = H265CodecString(parsed.profile_tier_level);
  out.width = parsed.width;
  out.height = parsed.height;
  return out;
}

}  // namespace nightjar::codec
