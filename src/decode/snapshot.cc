// KeyFrameToJpeg: decoder (libavcodec h264/hevc) -> scaler (libswscale) -> encoder (mjpeg).
// Every FFmpeg object is owned by a unique_ptr from the moment it is allocated, so each early
// return frees everything allocated so far.
#include "decode/snapshot.h"

#include <algorithm>
#include <cstdarg>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "codec/h264.h"
#include "codec/h265.h"
#include "codec/nal.h"
#include "decode/av_ptr.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/error.h>
#include <libavutil/frame.h>
#include <libavutil/log.h>
#include <libavutil/mem.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
}

namespace nightjar::decode {
namespace {

constexpr size_t kMaxConfigBytes = size_t{1} << 20;

// ---- FFmpeg's log, captured per thread ------------------------------------------------------

// av_log has one process-wide callback. Ours keeps the first error-level line logged on this
// thread while a LogCapture is alive (all our FFmpeg work runs on the calling thread:
// thread_count is 1) and drops the rest, so nothing goes to stderr.
thread_local std::string* t_log_capture = nullptr;
std::once_flag g_log_callback_installed;

void CaptureLogLine(void* avcl, int level, const char* fmt, va_list vl) {
  if (level > AV_LOG_ERROR || t_log_capture == nullptr || !t_log_capture->empty()) return;
  char line[256];
  int print_prefix = 0;  // no "[h264 @ 0x...]": our message names the step
  av_log_format_line2(avcl, level, fmt, vl, line, sizeof(line), &print_prefix);
  std::string text(line);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  *t_log_capture = std::move(text);
}

class LogCapture {
 public:
  LogCapture() : previous_(t_log_capture) {
    std::call_once(g_log_callback_installed, [] { av_log_set_callback(CaptureLogLine); });
    t_log_capture = &line_;
  }
  ~LogCapture() { t_log_capture = previous_; }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  // " (<first error line>)", or "" when FFmpeg logged none.
  std::string Suffix() const { return line_.empty() ? std::string() : " (" + line_ + ")"; }

 private:
  std::string* previous_;
  std::string line_;
};

std::string AvErrorText(int err) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(err, buf, sizeof(buf));
  return buf;
}

// "<what>: <FFmpeg error text> (<log line>)"
std::unexpected<Error> AvErr(ErrorCode code, const std::string& what, int err,
                             const LogCapture& log) {
  return Err(code, what + ": " + AvErrorText(err) + log.Suffix());
}

// ---- Input checks ---------------------------------------------------------------------------

// The sample entry type is the RFC 6381 string's first element (ISO/IEC 14496-15 Annex E).
Result<AVCodecID> CodecIdFor(std::string_view codec) {
  const std::string_view entry = codec.substr(0, codec.find('.'));
  if (entry == "avc1" || entry == "avc3") return AV_CODEC_ID_H264;
  if (entry == "hvc1" || entry == "hev1") return AV_CODEC_ID_HEVC;
  return Err(ErrorCode::kUnsupported,
             "snapshot: codec \"" + std::string(codec) + "\" is not H.264 or H.265");
}

// FFmpeg reads the record itself; parsing it first keeps garbage out of the decoder and checks
// that the samples' 4-byte lengths are what the record announces.
Result<void> CheckConfig(AVCodecID id, std::span<const uint8_t> config) {
  const char* name = id == AV_CODEC_ID_H264 ? "avcC" : "hvcC";
  if (config.empty()) return Err(ErrorCode::kMalformed, std::string("snapshot: empty ") + name);
  // Real records are tens of bytes (parameter sets); this bound keeps extradata_size an int.
  if (config.size() > kMaxConfigBytes) {
    return Err(ErrorCode::kMalformed, std::string("snapshot: ") + name + " of " +
                                          std::to_string(config.size()) + " bytes is too large");
  }
  int length_size_minus_one = 0;
  if (id == AV_CODEC_ID_H264) {
    auto avcc = codec::ParseAvcC(config);
    if (!avcc) return Err(avcc.error().Wrap("snapshot"));
    length_size_minus_one = avcc->length_size_minus_one;
  } else {
    auto hvcc = codec::ParseHvcC(config);
    if (!hvcc) return Err(hvcc.error().Wrap("snapshot"));
    length_size_minus_one = hvcc->length_size_minus_one;
  }
  if (length_size_minus_one != 3) {
    return Err(ErrorCode::kUnsupported, std::string("snapshot: ") + name + " has " +
                                            std::to_string(length_size_minus_one + 1) +
                                            "-byte NAL lengths; stored frames use 4");
  }
  return Ok();
}

Result<void> CheckFrame(std::span<const uint8_t> frame) {
  if (frame.empty()) return Err(ErrorCode::kMalformed, "snapshot: empty frame");
  // Leaves room for the zeroed padding libavcodec reads past the end of a packet.
  if (frame.size() > static_cast<size_t>(INT32_MAX - AV_INPUT_BUFFER_PADDING_SIZE)) {
    return Err(ErrorCode::kMalformed,
               "snapshot: frame of " + std::to_string(frame.size()) + " bytes is too large");
  }
  auto units = codec::SplitLengthPrefixed(frame, 4);
  if (!units) return Err(units.error().Wrap("snapshot: frame"));
  return Ok();
}

// ---- Decoding -------------------------------------------------------------------------------

Result<CodecContextPtr> OpenDecoder(AVCodecID id, std::span<const uint8_t> config,
                                    const LogCapture& log) {
  const AVCodec* codec = avcodec_find_decoder(id);
  if (codec == nullptr) {
    return Err(ErrorCode::kUnsupported,
               std::string("snapshot: libavcodec has no ") + avcodec_get_name(id) + " decoder");
  }
  CodecContextPtr ctx(avcodec_alloc_context3(codec));
  if (!ctx) return Err(ErrorCode::kInternal, "snapshot: cannot allocate a decoder context");
  // avcC/hvcC as extradata tells the decoder the packets are length-prefixed (ISO/IEC 14496-15)
  // rather than Annex B. The context owns (and frees) the padded copy.
  ctx->extradata = static_cast<uint8_t*>(av_mallocz(config.size() + AV_INPUT_BUFFER_PADDING_SIZE));
  if (ctx->extradata == nullptr) return Err(ErrorCode::kInternal, "snapshot: out of memory");
  std::memcpy(ctx->extradata, config.data(), config.size());
  ctx->extradata_size = static_cast<int>(config.size());
  ctx->thread_count = 1;  // one frame: threads would only add latency and log from other threads
  ctx->max_pixels = kMaxSnapshotPixels;
  if (int err = avcodec_open2(ctx.get(), codec, nullptr); err < 0) {
    return AvErr(ErrorCode::kMalformed,
                 std::string("snapshot: ") + codec->name + " decoder refused the configuration",
                 err, log);
  }
  return ctx;
}

// A picture the decoder had to patch up is not a snapshot of what the camera saw. (libavcodec's
// H.265 decoder does not notice a slice cut short behind a matching NAL length: it reads the
// packet's zero padding as slice data. The H.264 decoder does.)
Result<void> CheckPicture(const AVFrame& picture, const char* decoder, const LogCapture& log) {
  const std::string prefix = std::string("snapshot: ") + decoder + " decoder ";
  if ((picture.flags & AV_FRAME_FLAG_CORRUPT) != 0 || picture.decode_error_flags != 0) {
    return Err(ErrorCode::kMalformed, prefix + "produced a damaged picture (decode_error_flags " +
                                          std::to_string(picture.decode_error_flags) + ")" +
                                          log.Suffix());
  }
  // An intra picture needs no other frame. Without this, an H.265 P frame "decodes" against
  // the gray references libavcodec makes up for the missing ones.
  if (!picture.key_frame && picture.pict_type != AV_PICTURE_TYPE_I) {
    return Err(ErrorCode::kMalformed,
               prefix + "produced a " +
                   std::string(1, av_get_picture_type_char(picture.pict_type)) +
                   " picture, not a key frame" + log.Suffix());
  }
  if (picture.width <= 0 || picture.height <= 0 ||
      int64_t{picture.width} * picture.height > kMaxSnapshotPixels) {
    return Err(ErrorCode::kMalformed, prefix + "produced a " + std::to_string(picture.width) + "x" +
                                          std::to_string(picture.height) + " picture");
  }
  return Ok();
}

// Sends the frame and then end of stream, so a decoder with reorder delay still outputs it.
Result<FramePtr> DecodeKeyFrame(AVCodecID id, std::span<const uint8_t> config,
                                std::span<const uint8_t> frame, const LogCapture& log) {
  NJ_TRY(CodecContextPtr ctx, OpenDecoder(id, config, log));
  const std::string name = ctx->codec->name;
  PacketPtr packet(av_packet_alloc());
  FramePtr picture(av_frame_alloc());
  if (!packet || !picture || av_new_packet(packet.get(), static_cast<int>(frame.size())) < 0) {
    return Err(ErrorCode::kInternal, "snapshot: out of memory");
  }
  std::memcpy(packet->data, frame.data(), frame.size());  // av_new_packet zeroed the padding
  packet->flags |= AV_PKT_FLAG_KEY;
  packet->pts = packet->dts = 0;
  if (int err = avcodec_send_packet(ctx.get(), packet.get()); err < 0) {
    return AvErr(ErrorCode::kMalformed, "snapshot: " + name + " decoder refused the frame", err,
                 log);
  }
  if (int err = avcodec_send_packet(ctx.get(), nullptr); err < 0) {
    return AvErr(ErrorCode::kMalformed, "snapshot: " + name + " decoder refused end of stream", err,
                 log);
  }
  const int err = avcodec_receive_frame(ctx.get(), picture.get());
  if (err == AVERROR_EOF) {
    return Err(ErrorCode::kMalformed,
               "snapshot: " + name + " decoder produced no picture from the frame" + log.Suffix());
  }
  if (err < 0) {
    return AvErr(ErrorCode::kMalformed, "snapshot: " + name + " decoder failed", err, log);
  }
  NJ_CHECK_OK(CheckPicture(*picture, name.c_str(), log));
  return picture;
}

// ---- Scaling --------------------------------------------------------------------------------

struct Size {
  int width;
  int height;
};

Size OutputSize(int width, int height, uint32_t max_width) {
  int64_t w = width;
  int64_t h = height;
  if (max_width != 0 && max_width < static_cast<uint32_t>(width)) {
    w = max_width;
    h = (int64_t{height} * max_width + width / 2) / width;  // rounded to nearest
  }
  // 4:2:0 chroma: whole chroma samples on both axes.
  return Size{static_cast<int>(std::max<int64_t>(2, w & ~int64_t{1})),
              static_cast<int>(std::max<int64_t>(2, h & ~int64_t{1}))};
}

bool IsFullRange(const AVFrame& picture) {
  const auto format = static_cast<AVPixelFormat>(picture.format);
  return picture.color_range == AVCOL_RANGE_JPEG || format == AV_PIX_FMT_YUVJ420P ||
         format == AV_PIX_FMT_YUVJ422P || format == AV_PIX_FMT_YUVJ444P ||
         format == AV_PIX_FMT_YUVJ440P || format == AV_PIX_FMT_YUVJ411P;
}

// A scaler from the decoded picture to yuvj420p (full range, as JFIF) at `size`. The source
// range is set explicitly: H.265 signals full range in color_range alone, not with a yuvj
// format. Colour matrix coefficients are not converted (swscale keeps them between YUV formats).
Result<SwsPtr> OpenScaler(const AVFrame& picture, Size size, const LogCapture& log) {
  const auto format = static_cast<AVPixelFormat>(picture.format);
  if (sws_isSupportedInput(format) <= 0) {
    const char* format_name = av_get_pix_fmt_name(format);
    return Err(ErrorCode::kUnsupported, std::string("snapshot: cannot convert pixel format ") +
                                            (format_name ? format_name : "unknown"));
  }
  SwsPtr sws(sws_alloc_context());
  if (!sws) return Err(ErrorCode::kInternal, "snapshot: cannot allocate the scaler");
  const std::pair<const char*, int64_t> options[] = {
      {"srcw", picture.width},
      {"srch", picture.height},
      {"src_format", format},
      {"src_range", IsFullRange(picture) ? 1 : 0},
      {"dstw", size.width},
      {"dsth", size.height},
      {"dst_format", AV_PIX_FMT_YUVJ420P},
      {"dst_range", 1},
      {"sws_flags", SWS_BICUBIC},
  };
  for (const auto& [name, value] : options) {
    if (int err = av_opt_set_int(sws.get(), name, value, 0); err < 0) {
      return AvErr(ErrorCode::kInternal, std::string("snapshot: scaler option ") + name, err, log);
    }
  }
  if (int err = sws_init_context(sws.get(), nullptr, nullptr); err < 0) {
    return AvErr(ErrorCode::kInternal, "snapshot: cannot set up the scaler", err, log);
  }
  return sws;
}

// Any decoder output format -> yuvj420p at `size`.
Result<FramePtr> ToJpegPicture(const AVFrame& picture, Size size, const LogCapture& log) {
  NJ_TRY(SwsPtr sws, OpenScaler(picture, size, log));
  FramePtr out(av_frame_alloc());
  if (!out) return Err(ErrorCode::kInternal, "snapshot: out of memory");
  out->format = AV_PIX_FMT_YUVJ420P;
  out->width = size.width;
  out->height = size.height;
  out->color_range = AVCOL_RANGE_JPEG;
  if (int err = av_frame_get_buffer(out.get(), 0); err < 0) {
    return AvErr(ErrorCode::kInternal, "snapshot: cannot allocate the scaled picture", err, log);
  }
  const int rows = sws_scale(sws.get(), picture.data, picture.linesize, 0, picture.height,
                             out->data, out->linesize);
  if (rows != size.height) {
    return Err(ErrorCode::kInternal, "snapshot: scaler wrote " + std::to_string(rows) + " of " +
                                         std::to_string(size.height) + " rows" + log.Suffix());
  }
  return out;
}

// ---- Encoding -------------------------------------------------------------------------------

Result<CodecContextPtr> OpenJpegEncoder(Size size, int quality, const LogCapture& log) {
  const AVCodec* codec = avcodec_find_encoder(AV_CODEC_ID_MJPEG);
  if (codec == nullptr) {
    return Err(ErrorCode::kInternal, "snapshot: libavcodec has no mjpeg encoder");
  }
  CodecContextPtr ctx(avcodec_alloc_context3(codec));
  if (!ctx) return Err(ErrorCode::kInternal, "snapshot: cannot allocate an encoder context");
  ctx->width = size.width;
  ctx->height = size.height;
  ctx->pix_fmt = AV_PIX_FMT_YUVJ420P;
  ctx->color_range = AVCOL_RANGE_JPEG;
  ctx->time_base = AVRational{1, 1};  // required by avcodec_open2; one picture has no timing
  ctx->thread_count = 1;
  // Fixed quantizer scale (as ffmpeg -q:v): lambda = qscale * FF_QP2LAMBDA, on context and frame.
  ctx->flags |= AV_CODEC_FLAG_QSCALE;
  ctx->global_quality = quality * FF_QP2LAMBDA;
  if (int err = avcodec_open2(ctx.get(), codec, nullptr); err < 0) {
    return AvErr(ErrorCode::kInternal, "snapshot: cannot open the mjpeg encoder", err, log);
  }
  return ctx;
}

Result<std::vector<uint8_t>> EncodeJpeg(AVFrame& picture, int quality, const LogCapture& log) {
  NJ_TRY(CodecContextPtr ctx, OpenJpegEncoder(Size{picture.width, picture.height}, quality, log));
  picture.quality = ctx->global_quality;
  picture.pts = 0;
  PacketPtr packet(av_packet_alloc());
  if (!packet) return Err(ErrorCode::kInternal, "snapshot: out of memory");
  if (int err = avcodec_send_frame(ctx.get(), &picture); err < 0) {
    return AvErr(ErrorCode::kInternal, "snapshot: mjpeg encoder refused the picture", err, log);
  }
  if (int err = avcodec_send_frame(ctx.get(), nullptr); err < 0) {
    return AvErr(ErrorCode::kInternal, "snapshot: mjpeg encoder refused end of stream", err, log);
  }
  if (int err = avcodec_receive_packet(ctx.get(), packet.get()); err < 0) {
    return AvErr(ErrorCode::kInternal, "snapshot: mjpeg encoder produced no image", err, log);
  }
  return std::vector<uint8_t>(packet->data, packet->data + packet->size);
}

}  // namespace

Result<std::vector<uint8_t>> KeyFrameToJpeg(std::string_view codec, std::span<const uint8_t> config,
                                            std::span<const uint8_t> frame,
                                            const SnapshotOptions& options) {
  if (options.quality < 2 || options.quality > 31) {
    return Err(ErrorCode::kInvalidArgument,
               "snapshot: JPEG quality " + std::to_string(options.quality) + " is not in 2..31");
  }
  NJ_TRY(AVCodecID id, CodecIdFor(codec));
  NJ_CHECK_OK(CheckConfig(id, config));
  NJ_CHECK_OK(CheckFrame(frame));
  LogCapture log;
  NJ_TRY(FramePtr picture, DecodeKeyFrame(id, config, frame, log));
  const Size size = OutputSize(picture->width, picture->height, options.max_width);
  NJ_TRY(FramePtr jpeg_picture, ToJpegPicture(*picture, size, log));
  picture.reset();  // the decoded picture is no longer needed: free it before encoding
  return EncodeJpeg(*jpeg_picture, options.quality, log);
}

}  // namespace nightjar::decode
