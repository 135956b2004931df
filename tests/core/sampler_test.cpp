#include "core/sampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <stdexcept>
#include <vector>

namespace ws::core {
namespace {

std::vector<double> softmax(const std::vector<float>& logits, double temperature) {
  std::vector<double> p(logits.size());
  double sum = 0.0;
  for (size_t i = 0; i < logits.size(); ++i) {
    p[i] = std::exp(logits[i] / temperature);
    sum += p[i];
  }
  for (double& v : p) {
    v /= sum;
  }
  return p;
}

std::vector<int> counts(Sampler& sampler, const std::vector<float>& logits, int draws) {
  std::vector<int> n(logits.size(), 0);
  for (int i = 0; i < draws; ++i) {
    ++n[static_cast<size_t>(sampler.sample(logits, {}))];
  }
  return n;
}

TEST(SamplerTest, XoshiroIsReproducibleAndUniform) {
  Xoshiro256 a(42), b(42), c(43);
  EXPECT_EQ(a.next(), b.next());
  EXPECT_NE(a.next(), c.next());
  Xoshiro256 rng(1);
  double sum = 0.0;
  for (int i = 0; i < 100000; ++i) {
    const double u = rng.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
  }
  EXPECT_NEAR(sum / 100000.0, 0.5, 0.005);
}

TEST(SamplerTest, GreedyPicksTheArgmaxLowestIdOnTies) {
  Sampler sampler({});
  EXPECT_EQ(sampler.sample(std::vector<float>{0.1f, 3.0f, -1.0f, 2.0f}, {}), 1);
  EXPECT_EQ(sampler.sample(std::vector<float>{5.0f, 1.0f, 5.0f}, {}), 0);
}

TEST(SamplerTest, FrequenciesMatchSoftmaxWithAFixedSeed) {
  const std::vector<float> logits = {1.0f, 2.0f, 0.5f, -1.0f, 1.5f};
  for (float temperature : {1.0f, 0.7f, 2.0f}) {
    SamplerSettings settings;
    settings.temperature = temperature;
    settings.seed = 1234;
    Sampler sampler(settings);
    const int draws = 40000;
    const auto n = counts(sampler, logits, draws);
    const auto p = softmax(logits, temperature);
    for (size_t i = 0; i < logits.size(); ++i) {
      // Four standard deviations of a binomial count.
      const double sigma = std::sqrt(draws * p[i] * (1.0 - p[i]));
      EXPECT_NEAR(n[i], draws * p[i], 4.0 * sigma + 1.0) << "T " << temperature << " token " << i;
    }
  }
}

TEST(SamplerTest, SameSeedSameTokensOtherSeedOthers) {
  const std::vector<float> logits = {0.0f, 0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f};
  SamplerSettings settings;
  settings.temperature = 1.0f;
  settings.seed = 99;
  Sampler a(settings), b(settings);
  settings.seed = 100;
  Sampler c(settings);
  std::vector<int32_t> ta, tb, tc;
  for (int i = 0; i < 64; ++i) {
    ta.push_back(a.sample(logits, {}));
    tb.push_back(b.sample(logits, {}));
    tc.push_back(c.sample(logits, {}));
  }
  EXPECT_EQ(ta, tb);
  EXPECT_NE(ta, tc);
}

TEST(SamplerTest, TopKKeepsOnlyTheKMostLikely) {
  const std::vector<float> logits = {3.0f, 1.0f, 2.0f, 0.0f, 2.5f};
  SamplerSettings settings;
  settings.temperature = 1.0f;
  settings.topK = 2;
  Sampler sampler(settings);
  const auto dist = sampler.distribution(logits, {});
  ASSERT_EQ(dist.size(), 2u);
  EXPECT_EQ(dist[0].first, 0);
  EXPECT_EQ(dist[1].first, 4);
  const double e = std::exp(-0.5);
  EXPECT_NEAR(dist[0].second, 1.0 / (1.0 + e), 1e-6);
  const auto n = counts(sampler, logits, 2000);
  EXPECT_EQ(n[1] + n[2] + n[3], 0);
}

TEST(SamplerTest, TopPKeepsTheSmallestSetReachingTheMass) {
  // Probabilities 0.5, 0.25, 0.125, 0.125 at temperature 1.
  const std::vector<float> logits = {std::log(4.0f), std::log(2.0f), 0.0f, 0.0f};
  SamplerSettings settings;
  settings.temperature = 1.0f;
  settings.topP = 0.7f;
  Sampler sampler(settings);
  auto dist = sampler.distribution(logits, {});
  ASSERT_EQ(dist.size(), 2u);
  EXPECT_NEAR(dist[0].second, 2.0 / 3.0, 1e-6);
  settings.topP = 0.5f;
  dist = Sampler(settings).distribution(logits, {});
  EXPECT_EQ(dist.size(), 1u);
  settings.topP = 0.05f; // below the top token: still keeps one
  dist = Sampler(settings).distribution(logits, {});
  ASSERT_EQ(dist.size(), 1u);
  EXPECT_EQ(dist[0].first, 0);
}

TEST(SamplerTest, RepetitionPenaltyActsOnTheWindowOnly) {
  const std::vector<float> logits = {2.0f, 1.9f, -1.0f, 0.0f};
  SamplerSettings settings;
  settings.repetitionPenalty = 2.0f;
  settings.repetitionWindow = 2;
  Sampler sampler(settings);
  // Token 0 was used recently: 2.0 / 2 = 1.0 < 1.9.
  EXPECT_EQ(sampler.sample(logits, std::vector<int32_t>{3, 0}), 1);
  // Outside the window it is not penalised.
  EXPECT_EQ(sampler.sample(logits, std::vector<int32_t>{0, 3, 3}), 0);
  // Negative logits are multiplied, and a token counts once however often it appears.
  settings.temperature = 1.0f;
  settings.repetitionWindow = 8;
  const auto dist = Sampler(settings).distribution(logits, std::vector<int32_t>{2, 2, 2});
  std::map<int32_t, float> p(dist.begin(), dist.end());
  const double z = std::exp(2.0) + std::exp(1.9) + std::exp(-2.0) + std::exp(0.0);
  EXPECT_NEAR(p[2], std::exp(-2.0) / z, 1e-6);
}

TEST(SamplerTest, RejectsBadSettings) {
  SamplerSettings bad;
  bad.topK = -1;
  EXPECT_THROW(Sampler{bad}, std::invalid_argument);
  bad = {};
  bad.topP = 0.0f;
  EXPECT_THROW(Sampler{bad}, std::invalid_argument);
  bad = {};
  bad.topP = 1.5f;
  EXPECT_THROW(Sampler{bad}, std::invalid_argument);
  bad = {};
  bad.repetitionPenalty = 0.0f;
  EXPECT_THROW(Sampler{bad}, std::invalid_argument);
  bad = {};
  bad.temperature = std::nanf("");
  EXPECT_THROW(Sampler{bad}, std::invalid_argument);
  Sampler ok({});
  EXPECT_THROW(ok.sample({}, {}), std::invalid_argument);
}

TEST(SamplerTest, TopLogitsOrdersByValueThenId) {
  const std::vector<float> logits = {1.0f, 5.0f, 3.0f, 5.0f, -2.0f};
  const auto top = topLogits(logits, 3);
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[0], std::make_pair(1, 5.0f));
  EXPECT_EQ(top[1], std::make_pair(3, 5.0f));
  EXPECT_EQ(top[2], std::make_pair(2, 3.0f));
  EXPECT_EQ(topLogits(logits, 10).size(), 5u);
}

} // namespace
} // namespace ws::core
