// A directory under $TMPDIR (or /tmp) for one test, removed with everything in it afterwards.
#ifndef NIGHTJAR_TESTS_TESTUTIL_TEMP_DIR_H_
#define NIGHTJAR_TESTS_TESTUTIL_TEMP_DIR_H_

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace nightjar::testutil {

class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/nightjar-test-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace nightjar::testutil

#endif  // NIGHTJAR_TESTS_TESTUTIL_TEMP_DIR_H_
