#include "core/attention.h"

#include "core/tensor_ops.h"

#include <algorithm>
#include <cassert>
#include <functional>

namespace ws::core {

namespace {

// One query head over `positions` cached positions: scores, softmax, the
// weighted sum of the values into oh.
void attendHead(const float* qh, const float* keys, const float* values, size_t positions,
                size_t kvOffset, size_t kvDim, size_t headDim, float scale, float* scores,
                float* oh) {
  const std::span<float> hScores(scores, positions);
  for (size_t t = 0; t < positions; ++t) {
    hScores[t] = scale * dotF32(qh, keys + t * kvDim + kvOffset, static_cast<int64_t>(headDim));
  }
  softmaxInPlace(hScores);
  std::fill(oh, oh + headDim, 0.0f);
  for (size_t t = 0; t < positions; ++t) {
    axpyF32(hScores[t], values + t * kvDim + kvOffset, oh, static_cast<int64_t>(headDim));
  }
}

} // namespace

void attendOneQuery(std::span<const float> q, const float* keys, const float* values, int positions,
                    const AttentionShape& shape, float scale, std::span<float> out,
                    std::vector<float>& scores, ThreadPool& pool) {
  assert(q.size() == static_cast<size_t>(shape.heads) * static_cast<size_t>(shape.headDim) &&
         out.size() == q.size());
  attendQueries(q.data(), keys, values, positions, 1, shape, scale, out.data(), scores, pool);
}

void attendQueries(const float* q, const float* keys, const float* values, int firstPositions,
                   int count, const AttentionShape& shape, float scale, float* out,
                   std::vector<float>& scores, ThreadPool& pool) {
  const size_t headDim = static_cast<size_t>(shape.headDim);
  const size_t kvDim = static_cast<size_t>(shape.kvHeads) * headDim;
  const size_t qDim = static_cast<size_t>(shape.heads) * headDim;
  const int group = shape.heads / shape.kvHeads;
  const size_t maxPositions = static_cast<size_t>(firstPositions + count - 1);
  scores.resize(static_cast<size_t>(shape.heads) * static_cast<size_t>(count) * maxPositions);
  // (query, head) pairs in chunks of at least ~16K multiply-adds: short
  // contexts run on the calling thread.
  const int64_t perHead = 2 * static_cast<int64_t>(maxPositions) * shape.headDim;
  const int64_t pairs = static_cast<int64_t>(count) * shape.heads;
  const auto body = [&](int64_t begin, int64_t end) {
    for (int64_t pair = begin; pair < end; ++pair) {
      const size_t query = static_cast<size_t>(pair / shape.heads);
      const size_t h = static_cast<size_t>(pair % shape.heads);
      const size_t offset = query * qDim + h * headDim;
      attendHead(q + offset, keys, values, static_cast<size_t>(firstPositions) + query,
                 h / static_cast<size_t>(group) * headDim, kvDim, headDim, scale,
                 scores.data() + static_cast<size_t>(pair) * maxPositions, out + offset);
    }
  };
  // By reference: a std::function holding a reference_wrapper does not allocate.
  pool.parallelFor(pairs, std::max<int64_t>(1, (int64_t{1} << 14) / perHead), std::cref(body));
}

} // namespace ws::core
