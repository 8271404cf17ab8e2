// The storage engine records media::Frame (media/frame.h); these names are the engine's own
// spelling of them.
#ifndef NIGHTJAR_STORAGE_FRAME_H_
#define NIGHTJAR_STORAGE_FRAME_H_

#include "media/frame.h"

namespace nightjar::storage {

using media::Bytes;
using media::Frame;
using media::Track;

}  // namespace nightjar::storage

#endif  // NIGHTJAR_STORAGE_FRAME_H_
