#pragma once
// Grouped-query attention of one query position over the cached keys and
// values: query head h reads KV head h / (heads / kvHeads).
#include "core/thread_pool.h"

#include <span>
#include <vector>

namespace ws::core {

struct AttentionShape {
  int heads = 0;
  int kvHeads = 0;
  int headDim = 0;
};

// out[h] = sum_t softmax_t(scale * q_h . k_t) v_t over t in [0, positions).
// q and out hold heads * headDim floats; keys and values are position-major,
// kvHeads * headDim floats per position. `scores` is scratch, resized here.
void attendOneQuery(std::span<const float> q, const float* keys, const float* values, int positions,
                    const AttentionShape& shape, float scale, std::span<float> out,
                    std::vector<float>& scores, ThreadPool& pool);

// attendOneQuery for `count` consecutive positions of a prompt at once,
// causally: query i (row i of q and out, heads * headDim floats each) attends
// over positions [0, firstPositions + i). Every (query, head) pair is one item
// of a single loop over the pool.
void attendQueries(const float* q, const float* keys, const float* values, int firstPositions,
                   int count, const AttentionShape& shape, float scale, float* out,
                   std::vector<float>& scores, ThreadPool& pool);

} // namespace ws::core
