// Fuzzes everything an RTSP peer controls before RTP: the message/interleaved stream parser,
// Transport and Session headers, auth parameters, and URL splitting.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "rtsp/auth.h"
#include "rtsp/message.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> bytes(data, size);
  // Walk the stream as a server or client would, item by item.
  size_t used = 0;
  while (used < bytes.size()) {
    auto item = nightjar::rtsp::ParseStreamItem(bytes.subspan(used));
    if (!item || item->kind == nightjar::rtsp::StreamItem::Kind::kNeedMore) break;
    if (item->consumed == 0 || item->consumed > bytes.size() - used) __builtin_trap();
    used += item->consumed;
    if (item->kind == nightjar::rtsp::StreamItem::Kind::kRequest) {
      const auto& h = item->request.headers;
      if (auto t = h.Get("Transport")) (void)nightjar::rtsp::ParseTransport(*t);
      if (auto s = h.Get("Session")) (void)nightjar::rtsp::ParseSession(*s);
      if (auto a = h.Get("Authorization")) {
        nightjar::rtsp::ServerAuth auth(nightjar::rtsp::AuthMode::kDigest, {"u", "p"}, "r");
        (void)auth.Verify(item->request.method, *a, "nonce");
      }
    }
    if (item->kind == nightjar::rtsp::StreamItem::Kind::kResponse) {
      if (auto w = item->response.headers.Get("WWW-Authenticate")) {
        (void)nightjar::rtsp::AnswerChallenge(*w, {"u", "p"}, "DESCRIBE", "rtsp://x/", 1, "c");
      }
    }
  }
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)nightjar::rtsp::ParseTransport(text);
  (void)nightjar::rtsp::ParseAuthParams(text);
  return 0;
}
