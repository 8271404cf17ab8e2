#include "rtsp/depacketizer.h"

#include "rtsp/depacketizer_internal.h"

namespace nightjar::rtsp {

Result<std::unique_ptr<Depacketizer>> MakeDepacketizer(const SdpMediaDescription& media) {
  const std::string& enc = media.encoding;  // upper-cased by ParseSdp
  if (enc == "H264") return internal::MakeH26xDepacketizer(codec::VideoCodec::kH264, media);
  if (enc == "H265") return internal::MakeH26xDepacketizer(codec::VideoCodec::kH265, media);
  if (enc == "MPEG4-GENERIC") return internal::MakeAacDepacketizer(media);
  if (enc == "PCMU") return internal::MakeG711Depacketizer(media, codec::G711Law::kMuLaw);
  if (enc == "PCMA") return internal::MakeG711Depacketizer(media, codec::G711Law::kALaw);
  return Err(ErrorCode::kUnsupported, "RTP encoding '" + enc.substr(0, 64) + "' of " +
                                          media.media.substr(0, 32) + " payload type " +
                                          std::to_string(media.payload_type) + " is not supported");
}

}  // namespace nightjar::rtsp
