#include "http/body_source.h"

#include <cstring>

namespace nightjar::http {

namespace {

class Memory final : public BodySource {
 public:
  Memory(std::vector<uint8_t> bytes, std::string etag, std::optional<Time90k> modified)
      : bytes_(std::move(bytes)), etag_(std::move(etag)), modified_(modified) {}
  uint64_t size() const override { return bytes_.size(); }
  std::string etag() const override { return etag_; }
  std::optional<Time90k> last_modified() const override { return modified_; }
  Result<void> Read(uint64_t offset, std::span<uint8_t> out) override {
    std::memcpy(out.data(), bytes_.data() + offset, out.size());
    return Ok();
  }

 private:
  const std::vector<uint8_t> bytes_;
  const std::string etag_;
  const std::optional<Time90k> modified_;
};

}  // namespace

std::shared_ptr<BodySource> MemoryBody(std::vector<uint8_t> bytes, std::string etag,
                                       std::optional<Time90k> last_modified) {
  return std::make_shared<Memory>(std::move(bytes), std::move(etag), last_modified);
}

}  // namespace nightjar::http
