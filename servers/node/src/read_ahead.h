// A BodyReader run on a thread of its own, a bounded number of buffers ahead of its caller,
// so that producing bytes (reading, verifying and decrypting shard blocks) overlaps with the
// caller sending them. An encrypted GET needs this: one thread doing both in turn was the
// bottleneck (docs/benchmarks.md, "SSE-S3 overhead").
#ifndef HAMSTER_NODE_SRC_READ_AHEAD_H_
#define HAMSTER_NODE_SRC_READ_AHEAD_H_

#include <cstddef>
#include <memory>

#include "hamster/s3/body.h"

namespace hamster::node {

// `inner` is read only on the new thread, and destroyed after it ended. Memory: at most
// `ready_buffers` + 2 buffers of `buffer_bytes` (invariant 6). An error of `inner` is
// returned after the bytes it produced before it.
std::unique_ptr<s3::BodyReader> NewReadAheadReader(std::unique_ptr<s3::BodyReader> inner,
                                                   size_t buffer_bytes, size_t ready_buffers);

}  // namespace hamster::node

#endif  // HAMSTER_NODE_SRC_READ_AHEAD_H_
