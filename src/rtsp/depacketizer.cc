#include "rtsp/depacketizer.h"

#include "rtsp/depacketizer_internal.h"

namespace nightjar::rtsp {

Result<std::unique_ptr<Depacketizer>> MakeDepacketizer(const SdpMediaDescription& media,
                                                       BufferPool& pool) {
  using codec::VideoCodec;
  const std::string& enc = media.encoding;  // upper-cased by ParseSdp
  if (enc == "H264") return internal::MakeH26xDepacketizer(VideoCodec::kH264, media, pool);
  if (enc == "H265") return internal::MakeH26xDepacketizer(VideoCodec::kH265, media, pool);
  if (enc == "MPEG4-GENERIC") return internal::MakeAacDepacketizer(media, pool);
  if (enc == "PCMU") return internal::MakeG711Depacketizer(media, codec::G711Law::kMuLaw, pool);
  if (enc == "PCMA") return internal::MakeG711Depacketizer(media, codec::G711Law::kALaw, pool);
  return Err(ErrorCode::kUnsupported, "RTP encoding '" + enc.substr(0, 64) + "' of " +
                                          media.media.substr(0, 32) + " payload type " +
                                          std::to_string(media.payload_type) + " is not supported");
}

}  // namespace nightjar::rtsp
