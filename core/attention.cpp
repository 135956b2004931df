#include "core/attention.h"

#include "core/tensor_ops.h"

#include <algorithm>
#include <cassert>

namespace ws::core {

void attendOneQuery(std::span<const float> q, const float* keys, const float* values, int positions,
                    const AttentionShape& shape, float scale, std::span<float> out,
                    std::vector<float>& scores, ThreadPool& pool) {
  const size_t headDim = static_cast<size_t>(shape.headDim);
  const size_t kvDim = static_cast<size_t>(shape.kvHeads) * headDim;
  const int group = shape.heads / shape.kvHeads;
  assert(q.size() == static_cast<size_t>(shape.heads) * headDim && out.size() == q.size());
  scores.resize(static_cast<size_t>(shape.heads) * static_cast<size_t>(positions));
  // Heads in chunks of at least ~16K multiply-adds: short contexts run on the
  // calling thread.
  const int64_t perHead = 2 * static_cast<int64_t>(positions) * shape.headDim;
  pool.parallelFor(
      shape.heads, std::max<int64_t>(1, (int64_t{1} << 14) / perHead),
      [&](int64_t begin, int64_t end) {
        for (int64_t h = begin; h < end; ++h) {
          const size_t kvOffset = static_cast<size_t>(h / group) * headDim;
          const float* qh = q.data() + static_cast<size_t>(h) * headDim;
          std::span<float> hScores(scores.data() +
                                       static_cast<size_t>(h) * static_cast<size_t>(positions),
                                   static_cast<size_t>(positions));
          for (size_t t = 0; t < hScores.size(); ++t) {
            hScores[t] =
                scale * dotF32(qh, keys + t * kvDim + kvOffset, static_cast<int64_t>(headDim));
          }
          softmaxInPlace(hScores);
          float* oh = out.data() + static_cast<size_t>(h) * headDim;
          std::fill(oh, oh + headDim, 0.0f);
          for (size_t t = 0; t < hScores.size(); ++t) {
            axpyF32(hScores[t], values + t * kvDim + kvOffset, oh, static_cast<int64_t>(headDim));
          }
        }
      });
}

} // namespace ws::core
