// The video sample entry unit tests and benchmarks record synthetic frames under (1080p H.264,
// High profile): the storage engine only needs one to exist, whatever the frames hold.
#ifndef NIGHTJAR_TESTS_TESTUTIL_SAMPLE_ENTRY_H_
#define NIGHTJAR_TESTS_TESTUTIL_SAMPLE_ENTRY_H_

#include "db/rows.h"

namespace nightjar::testutil {

inline db::SampleEntryRow H264SampleEntry() {
  db::SampleEntryRow se;
  se.kind = db::SampleEntryKind::kVideo;
  se.codec = "avc1.640028";
  se.config = {1, 0x64, 0, 0x28, 0xff, 0xe0, 0};
  se.width = 1920;
  se.height = 1080;
  return se;
}

}  // namespace nightjar::testutil

#endif  // NIGHTJAR_TESTS_TESTUTIL_SAMPLE_ENTRY_H_
