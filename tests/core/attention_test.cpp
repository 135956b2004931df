#include "core/attention.h"
#include "core/kv_cache.h"
#include "core/sampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

namespace ws::core {
namespace {

std::vector<float> randomVector(Xoshiro256& rng, size_t n) {
  std::vector<float> v(n);
  for (float& x : v) {
    x = static_cast<float>(rng.uniform() * 2.0 - 1.0);
  }
  return v;
}

// Textbook attention in double with an explicit query-head -> KV-head map.
std::vector<double> naiveAttention(const std::vector<float>& q, const std::vector<float>& k,
                                   const std::vector<float>& v, int positions,
                                   const AttentionShape& s, double scale) {
  const int kvDim = s.kvHeads * s.headDim;
  std::vector<double> out(static_cast<size_t>(s.heads * s.headDim), 0.0);
  for (int h = 0; h < s.heads; ++h) {
    const int g = h * s.kvHeads / s.heads;
    std::vector<double> w(static_cast<size_t>(positions));
    double maxW = -1e300;
    for (int t = 0; t < positions; ++t) {
      double dot = 0.0;
      for (int d = 0; d < s.headDim; ++d) {
        dot += q[static_cast<size_t>(h * s.headDim + d)] *
               k[static_cast<size_t>(t * kvDim + g * s.headDim + d)];
      }
      w[static_cast<size_t>(t)] = dot * scale;
      maxW = std::max(maxW, dot * scale);
    }
    double sum = 0.0;
    for (double& x : w) {
      x = std::exp(x - maxW);
      sum += x;
    }
    for (int t = 0; t < positions; ++t) {
      for (int d = 0; d < s.headDim; ++d) {
        out[static_cast<size_t>(h * s.headDim + d)] +=
            w[static_cast<size_t>(t)] / sum * v[static_cast<size_t>(t * kvDim + g * s.headDim + d)];
      }
    }
  }
  return out;
}

TEST(AttentionTest, GroupedQueryMatchesNaiveReference) {
  Xoshiro256 rng(7);
  for (const AttentionShape shape : {AttentionShape{4, 2, 8}, AttentionShape{6, 1, 16},
                                     AttentionShape{4, 4, 4}, AttentionShape{14, 2, 64}}) {
    for (int positions : {1, 3, 17}) {
      const size_t kvDim = static_cast<size_t>(shape.kvHeads * shape.headDim);
      const auto q = randomVector(rng, static_cast<size_t>(shape.heads * shape.headDim));
      const auto k = randomVector(rng, kvDim * static_cast<size_t>(positions));
      const auto v = randomVector(rng, kvDim * static_cast<size_t>(positions));
      const float scale = 1.0f / std::sqrt(static_cast<float>(shape.headDim));
      std::vector<float> out(q.size());
      std::vector<float> scores;
      ThreadPool pool(2);
      attendOneQuery(q, k.data(), v.data(), positions, shape, scale, out, scores, pool);
      const auto expected = naiveAttention(q, k, v, positions, shape, scale);
      for (size_t i = 0; i < out.size(); ++i) {
        ASSERT_NEAR(out[i], expected[i], 1e-5)
            << "heads " << shape.heads << " kv " << shape.kvHeads << " positions " << positions;
      }
    }
  }
}

TEST(AttentionTest, OnePositionReturnsItsValue) {
  const AttentionShape shape{2, 1, 4};
  const std::vector<float> q = {1, 2, 3, 4, -1, -2, -3, -4};
  const std::vector<float> k = {0.5f, 0.5f, 0.5f, 0.5f};
  const std::vector<float> v = {9, 8, 7, 6};
  std::vector<float> out(8);
  std::vector<float> scores;
  ThreadPool pool(1);
  attendOneQuery(q, k.data(), v.data(), 1, shape, 0.5f, out, scores, pool);
  EXPECT_EQ(out, (std::vector<float>{9, 8, 7, 6, 9, 8, 7, 6}));
}

TEST(KvCacheTest, GrowsOnDemandAndKeepsContents) {
  KvCache cache(2, 4, 1000);
  cache.reserve(1);
  cache.key(1, 0)[3] = 42.0f;
  cache.value(0, 0)[0] = 7.0f;
  const uint64_t small = cache.bytes();
  cache.reserve(500);
  EXPECT_GT(cache.bytes(), small);
  EXPECT_EQ(cache.keys(1)[3], 42.0f);
  EXPECT_EQ(cache.values(0)[0], 7.0f);
  EXPECT_LE(cache.bytes(), 2ull * 2 * 1000 * 4 * sizeof(float));
  EXPECT_THROW(cache.reserve(1001), std::out_of_range);
}

// A prompt block's queries at once give each query exactly what it gets
// alone over the positions up to its own (causal), on 1 and 3 threads.
TEST(AttentionTest, QueriesOfABlockEqualOneQueryEach) {
  Xoshiro256 rng(11);
  const AttentionShape shape{6, 2, 16};
  const int first = 5;
  const int count = 9;
  const int positions = first + count - 1;
  const size_t qDim = static_cast<size_t>(shape.heads * shape.headDim);
  const size_t kvDim = static_cast<size_t>(shape.kvHeads * shape.headDim);
  const auto keys = randomVector(rng, static_cast<size_t>(positions) * kvDim);
  const auto values = randomVector(rng, static_cast<size_t>(positions) * kvDim);
  const auto queries = randomVector(rng, static_cast<size_t>(count) * qDim);
  for (int threads : {1, 3}) {
    ThreadPool pool(threads);
    std::vector<float> scores;
    std::vector<float> block(queries.size());
    attendQueries(queries.data(), keys.data(), values.data(), first, count, shape, 0.25f,
                  block.data(), scores, pool);
    for (int i = 0; i < count; ++i) {
      const size_t at = static_cast<size_t>(i) * qDim;
      std::vector<float> alone(qDim);
      attendOneQuery(std::span<const float>(queries).subspan(at, qDim), keys.data(), values.data(),
                     first + i, shape, 0.25f, alone, scores, pool);
      EXPECT_EQ(std::vector<float>(block.begin() + static_cast<ptrdiff_t>(at),
                                   block.begin() + static_cast<ptrdiff_t>(at + qDim)),
                alone)
          << "query " << i << ", " << threads << " threads";
    }
  }
}

} // namespace
} // namespace ws::core
