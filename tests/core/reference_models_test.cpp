// The tiny random models of ../shared/testdata/models (llama in six
// precisions, llama-k with hidden size 256 in llama.cpp's K-quant mixes, qwen3
// and qwen3moe) against the logits and greedy tokens llama.cpp computed for
// each (see that folder's README for the acceptance rule followed here).
#include "core/inference_context.h"
#include "core/llama_model.h"
#include "core/sampler.h"
#include "core/tensor_ops.h"
#include "tests/core/kernel_levels.h"
#include "tests/test_paths.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

namespace ws::core {
namespace {

// The reference of a model family, e.g. "tiny-random-qwen3" for
// tiny-random-qwen3.reference.json.
const nlohmann::json& reference(const std::string& family) {
  static std::map<std::string, nlohmann::json> cache;
  auto [it, inserted] = cache.try_emplace(family);
  if (inserted) {
    const auto path = test::testdataDir() / "models" / (family + ".reference.json");
    std::ifstream in(path);
    EXPECT_TRUE(in) << "cannot open " << path;
    it->second = nlohmann::json::parse(in);
  }
  return it->second;
}

struct ReferenceCase {
  std::string family;
  std::string file;
  double tolerance; // relative to max |logit| at each position
  bool exactGreedy;
};
// Names the case in test listings (ctest shows GetParam()).
void PrintTo(const ReferenceCase& c, std::ostream* os) {
  *os << c.file;
}

class ReferenceModelTest : public ::testing::TestWithParam<ReferenceCase> {};

TEST_P(ReferenceModelTest, MatchesLlamaCpp) {
  const ReferenceCase& c = GetParam();
  const auto model = LlamaModel::load(test::testdataDir() / "models" / c.file);
  const auto& expected = reference(c.family)["files"][c.file];
  const std::vector<int32_t> ids = reference(c.family)["ids"].get<std::vector<int32_t>>();
  ASSERT_EQ(expected["top5"].size(), ids.size());

  InferenceContext context(*model, {2, 0});
  std::vector<float> logits;
  int checkedTop1 = 0;
  double worstRatio = 0.0; // max |difference| / max |logit|, reported
  for (size_t pos = 0; pos < ids.size(); ++pos) {
    const auto out = context.forward(ids[pos]);
    logits.assign(out.begin(), out.end());
    float maxAbs = 0.0f;
    for (float v : logits) {
      maxAbs = std::max(maxAbs, std::fabs(v));
    }
    const double tolerance = c.tolerance * maxAbs;
    const auto& top5 = expected["top5"][pos];
    for (const auto& pair : top5) {
      const int32_t id = pair[0].get<int32_t>();
      const double want = pair[1].get<double>();
      worstRatio = std::max(worstRatio, std::fabs(logits[static_cast<size_t>(id)] - want) / maxAbs);
      EXPECT_NEAR(logits[static_cast<size_t>(id)], want, tolerance)
          << c.file << " position " << pos << " token " << id;
    }
    const double gap = top5[0][1].get<double>() - top5[1][1].get<double>();
    if (gap > tolerance) {
      ++checkedTop1;
      EXPECT_EQ(topLogits(logits, 1)[0].first, top5[0][0].get<int32_t>())
          << c.file << " position " << pos;
    }
  }
  std::cout << c.file << ": worst |logit difference| / max|logit| = " << worstRatio
            << ", top-1 checked at " << checkedTop1 << " of " << ids.size() << " positions\n";
  EXPECT_GT(checkedTop1, static_cast<int>(ids.size()) / 2) << "too few positions decide top-1";

  // Greedy continuation after the prompt.
  const std::vector<int32_t> wantGreedy = expected["greedy"].get<std::vector<int32_t>>();
  std::vector<int32_t> greedy;
  int32_t next = topLogits(logits, 1)[0].first;
  for (size_t i = 0; i < wantGreedy.size(); ++i) {
    greedy.push_back(next);
    next = topLogits(context.forward(next), 1)[0].first;
  }
  if (c.exactGreedy) {
    EXPECT_EQ(greedy, wantGreedy) << c.file;
  }
}

// The prompt path (a block of tokens through matmulBatch) computes what
// feeding the tokens one by one does, and leaves the same cache behind.
TEST_P(ReferenceModelTest, PromptBlockMatchesTokenByToken) {
  const ReferenceCase& c = GetParam();
  const auto model = LlamaModel::load(test::testdataDir() / "models" / c.file);
  std::vector<int32_t> ids = reference(c.family)["ids"].get<std::vector<int32_t>>();
  // Longer than one 32-token block.
  const size_t original = ids.size();
  for (size_t i = 0; ids.size() < 45; ++i) {
    ids.push_back(ids[i % original]);
  }
  InferenceContext oneByOne(*model, {2, 0});
  std::vector<float> want;
  for (int32_t id : ids) {
    const auto out = oneByOne.forward(id);
    want.assign(out.begin(), out.end());
  }
  InferenceContext prompt(*model, {2, 0});
  const auto got = prompt.forwardPrompt(ids);
  ASSERT_EQ(prompt.position(), static_cast<int>(ids.size()));
  float maxAbs = 0.0f;
  for (float v : want) {
    maxAbs = std::max(maxAbs, std::fabs(v));
  }
  for (size_t i = 0; i < want.size(); ++i) {
    ASSERT_NEAR(got[i], want[i], 1e-5f * maxAbs) << c.file << " logit " << i;
  }
  const auto nextWant = oneByOne.forward(7);
  want.assign(nextWant.begin(), nextWant.end());
  const auto nextGot = prompt.forward(7);
  for (size_t i = 0; i < want.size(); ++i) {
    ASSERT_NEAR(nextGot[i], want[i], 1e-5f * maxAbs) << c.file << " after the prompt, logit " << i;
  }
}

// Every kernel level the CPU has (portable, AVX2, AVX-512) runs the prompt
// (through the multi-token kernels) and a greedy continuation (token by token)
// to the same tokens.
TEST_P(ReferenceModelTest, GreedyTokensAreTheSameAtEveryKernelLevel) {
  const ReferenceCase& c = GetParam();
  const auto model = LlamaModel::load(test::testdataDir() / "models" / c.file);
  const std::vector<int32_t> ids = reference(c.family)["ids"].get<std::vector<int32_t>>();
  std::vector<int32_t> first;
  test::forEachKernelLevel(c.file, [&](KernelIsa isa) {
    InferenceContext context(*model, {2, 0});
    std::vector<int32_t> greedy{topLogits(context.forwardPrompt(ids), 1)[0].first};
    while (greedy.size() < 24) {
      greedy.push_back(topLogits(context.forward(greedy.back()), 1)[0].first);
    }
    if (first.empty()) {
      first = greedy;
    } else {
      EXPECT_EQ(greedy, first) << c.file << " at " << kernelIsaName(isa);
    }
  });
}

INSTANTIATE_TEST_SUITE_P(
    AllPrecisions, ReferenceModelTest,
    ::testing::Values(
        ReferenceCase{"tiny-random-llama", "tiny-random-llama-f32.gguf", 1e-3, true},
        ReferenceCase{"tiny-random-llama", "tiny-random-llama-f16.gguf", 1e-3, true},
        ReferenceCase{"tiny-random-llama", "tiny-random-llama-q8_0.gguf", 1e-2, false},
        ReferenceCase{"tiny-random-llama", "tiny-random-llama-q4_0.gguf", 1e-2, false},
        ReferenceCase{"tiny-random-llama", "tiny-random-llama-q4_k_m.gguf", 1e-2, false},
        ReferenceCase{"tiny-random-llama", "tiny-random-llama-q6_k.gguf", 1e-2, false},
        ReferenceCase{"tiny-random-llama-k", "tiny-random-llama-k-q5_k_m.gguf", 1e-2, false},
        ReferenceCase{"tiny-random-llama-k", "tiny-random-llama-k-q3_k_m.gguf", 1e-2, false},
        ReferenceCase{"tiny-random-llama-k", "tiny-random-llama-k-q2_k.gguf", 1e-2, false},
        ReferenceCase{"tiny-random-qwen3", "tiny-random-qwen3-f16.gguf", 1e-3, true},
        ReferenceCase{"tiny-random-qwen3", "tiny-random-qwen3-q4_k_m.gguf", 1e-2, false},
        ReferenceCase{"tiny-random-qwen3moe", "tiny-random-qwen3moe-f16.gguf", 1e-3, true},
        ReferenceCase{"tiny-random-qwen3moe", "tiny-random-qwen3moe-q8_0.gguf", 1e-2, false}),
    [](const auto& info) {
      std::string name = info.param.file.substr(std::string("tiny-random-").size());
      name = name.substr(0, name.find('.'));
      std::replace(name.begin(), name.end(), '-', '_');
      return name;
    });

} // namespace
} // namespace ws::core
