// The web UI's built files (web/dist, by tools/build_web.sh) under /ui/: read from disk on
// every request (no restart needed after a rebuild), with ETag/Last-Modified from the file's
// size and time, Range, and long caching for Vite's content-hashed assets.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http/handlers/api.h"

namespace nightjar::http {
namespace {

// One open file; the descriptor is closed with the source.
class FileSource : public BodySource {
 public:
  FileSource(int fd, uint64_t size, Time90k mtime) : fd_(fd), size_(size), mtime_(mtime) {}
  ~FileSource() override { ::close(fd_); }
  uint64_t size() const override { return size_; }
  std::string etag() const override {
    return "\"" + std::to_string(size_) + "-" + std::to_string(mtime_.ticks()) + "\"";
  }
  std::optional<Time90k> last_modified() const override { return mtime_; }
  Result<void> Read(uint64_t offset, std::span<uint8_t> out) override {
    size_t done = 0;
    while (done < out.size()) {
      const ssize_t n =
          ::pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return Err(ErrorCode::kIo, "web file shrank or failed to read");
      done += static_cast<size_t>(n);
    }
    return Ok();
  }

 private:
  int fd_;
  uint64_t size_;
  Time90k mtime_;
};

std::string ContentType(std::string_view name) {
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".map", "application/json"},
      {".wasm", "application/wasm"}};
  for (const auto& [ext, type] : kTypes) {
    if (name.ends_with(ext)) return std::string(type);
  }
  return "application/octet-stream";
}

}  // namespace

Response ServeWebFile(const ApiContext& ctx, const Request& req, const std::string& relative) {
  (void)req;
  // `relative` comes from route segments, which the router has already refused for traversal.
  if (ctx.web_dir.empty()) {
    return ErrorResponse(404, "not_found", "no web UI is configured ([api] web_dir)");
  }
  const std::string path = ctx.web_dir + "/" + relative;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT && (relative == "player.html" || relative == "index.html")) {
      return ErrorResponse(503, "unavailable",
                           "the web UI is not built in " + ctx.web_dir + " (tools/build_web.sh)");
    }
    return ErrorResponse(404, "not_found", "no such file: /ui/" + relative);
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return ErrorResponse(404, "not_found", "no such file: /ui/" + relative);
  }
  Response r;
  r.content_type = ContentType(relative);
  r.source = std::make_shared<FileSource>(fd, static_cast<uint64_t>(st.st_size),
                                          Time90k::FromUnixSeconds(st.st_mtim.tv_sec));
  return r;
}

Response HandleWebFile(const ApiContext& ctx, const Request& req) {
  const bool asset = req.params.count("asset") > 0;
  const std::string relative = asset ? "assets/" + req.Param("asset") : req.Param("file");
  Response r = ServeWebFile(ctx, req, relative);
  // Vite names assets by content hash: they never change under one name.
  r.headers.emplace_back("Cache-Control",
                         asset ? "public, max-age=31536000, immutable" : "no-cache");
  return r;
}

Response HandleAppPage(const ApiContext& ctx, const Request& req) {
  // The single-page app answers every GET that matches no route (its client-side routes: /,
  // /live, /cameras/cam1, ...); unknown API and asset paths stay JSON 404s.
  const std::string_view path = req.path;
  for (std::string_view prefix : {"/api/", "/ui/"}) {
    if (path.starts_with(prefix) || path == prefix.substr(0, prefix.size() - 1)) {
      return ErrorResponse(404, "not_found", "no route for " + std::string(path));
    }
  }
  if (path == "/metrics") return ErrorResponse(404, "not_found", "no route for /metrics");
  Response r = ServeWebFile(ctx, req, "index.html");
  r.headers.emplace_back("Cache-Control", "no-cache");
  // The app has no inline script or style: the server's Content-Security-Policy (sent with
  // every response, http/response_writer.cc) holds it to this origin.
  return r;
}

}  // namespace nightjar::http
