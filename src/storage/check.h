// `nightjar check`: verifies the invariants of docs/schema.md between the database and the
// sample-file directories, like a file-system checker. It never changes the database; --repair
// only moves files no row names into the directory's trash/ (provably safe, reversible).
#ifndef NIGHTJAR_STORAGE_CHECK_H_
#define NIGHTJAR_STORAGE_CHECK_H_

#include <string>
#include <vector>

#include "base/clock.h"
#include "base/error.h"
#include "base/fs.h"

namespace nightjar::storage {

struct CheckOptions {
  bool hash = false;    // read every sample file and compare its hash (the row's algorithm)
  bool repair = false;  // move orphan files to trash/ (needs `nightjar run` stopped)
};

struct CheckReport {
  std::vector<std::string> problems;  // each a sentence naming the recording or file
  std::vector<std::string> notes;     // not problems: recordings being written, repairs done
  int64_t recordings = 0;
  int64_t files = 0;
  int64_t bytes_hashed = 0;
  bool ok() const { return problems.empty(); }
};

// Checks the data directory `data_dir` (its nightjar.db and every sample-file directory the
// database names). Errors only for what prevents checking at all (no database).
Result<CheckReport> Check(Fs& fs, Clock& clock, const std::string& data_dir,
                          const CheckOptions& options);

}  // namespace nightjar::storage

#endif  // NIGHTJAR_STORAGE_CHECK_H_
