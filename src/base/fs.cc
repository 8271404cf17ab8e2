#include "base/fs.h"

namespace nightjar {

Result<void> RandomAccessFile::ReadExactAt(uint64_t offset, std::span<uint8_t> buf) const {
  size_t done = 0;
  while (done < buf.size()) {
    NJ_TRY(size_t n, ReadAt(offset + done, buf.subspan(done)));
    if (n == 0) {
      return Err(ErrorCode::kMalformed, "file ends at offset " + std::to_string(offset + done) +
                                            ", expected " + std::to_string(buf.size() - done) +
                                            " more bytes");
    }
    done += n;
  }
  return Ok();
}

Result<std::string> ReadFileToString(Fs& fs, const std::string& path, uint64_t max_bytes) {
  NJ_TRY(auto file, fs.OpenForRead(path));
  NJ_TRY(uint64_t size, file->Size());
  if (size > max_bytes) {
    return Err(ErrorCode::kMalformed, path + ": " + std::to_string(size) +
                                          " bytes, more than the limit of " +
                                          std::to_string(max_bytes));
  }
  std::string out(size, '\0');
  auto buf = std::span<uint8_t>(reinterpret_cast<uint8_t*>(out.data()), out.size());
  // The file may shrink between Size() and the read; report what is really there.
  size_t done = 0;
  while (done < buf.size()) {
    NJ_TRY(size_t n, file->ReadAt(done, buf.subspan(done)));
    if (n == 0) break;
    done += n;
  }
  out.resize(done);
  return out;
}

}  // namespace nightjar

namespace nightjar {

Result<void> Fs::ForEachName(const std::string& path,
                             const std::function<bool(std::string_view)>& fn) {
  NJ_TRY(auto names, ListDir(path));
  for (const auto& n : names) {
    if (!fn(n)) break;
  }
  return Ok();
}

}  // namespace nightjar
