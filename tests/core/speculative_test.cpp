#include "core/speculative.h"
#include "tests/test_paths.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace ws::core {
namespace {

std::filesystem::path modelPath(const std::string& name) {
  return test::testdataDir() / "models" / name;
}

std::filesystem::path builtinPath() {
  return test::assetsDir() / "models" / "builtin-coder.gguf";
}

struct LoadedModel {
  explicit LoadedModel(const std::filesystem::path& path)
      : model(LlamaModel::load(path)), tokenizer(Tokenizer::fromGguf(model->file())) {}
  std::unique_ptr<LlamaModel> model;
  std::unique_ptr<Tokenizer> tokenizer;
};

// The reference prompt's first ids ("def" ...) of the tiny llama files.
const std::vector<int32_t> kLlamaPrompt = {822, 18755, 265, 21566, 29898};

GenerationOptions greedy(int tokens) {
  GenerationOptions options;
  options.maxTokens = tokens;
  return options;
}

std::vector<int32_t> targetAlone(const LoadedModel& target, std::span<const int32_t> prompt,
                                 const GenerationOptions& options) {
  InferenceContext context(*target.model, {2, 0});
  Generator generator(context, target.tokenizer.get());
  return generator.generate(prompt, options).ids;
}

struct SpeculativeRun {
  GenerationResult result;
  SpeculativeStats stats;
};

// draft null: prompt lookup.
SpeculativeRun speculate(const LoadedModel& target, const LoadedModel* draft,
                         std::span<const int32_t> prompt, const GenerationOptions& options,
                         SpeculativeOptions speculative) {
  InferenceContext targetContext(*target.model, {2, 0});
  std::unique_ptr<InferenceContext> draftContext;
  if (draft != nullptr) {
    checkSameVocabulary(*target.model, *target.tokenizer, *draft->model, *draft->tokenizer);
    draftContext = std::make_unique<InferenceContext>(*draft->model, ContextOptions{2, 0});
  }
  SpeculativeGenerator generator(targetContext, draftContext.get(), target.tokenizer.get(),
                                 speculative);
  SpeculativeRun run{generator.generate(prompt, options), {}};
  run.stats = generator.stats();
  return run;
}

TEST(PromptLookupDraft, ProposesWhatFollowedTheLatestEarlierMatch) {
  const std::vector<int32_t> context = {1, 2, 3, 9, 9, 1, 2, 3, 7, 8, 5, 1, 2, 3};
  // The latest earlier "1 2 3" starts at 5 and is followed by 7 8 5 1 ...
  EXPECT_EQ(promptLookupDraft(context, 3, 3), (std::vector<int32_t>{7, 8, 5}));
  EXPECT_EQ(promptLookupDraft(context, 1, 2), (std::vector<int32_t>{7, 8}));
  // Proposals stop at the end of the context.
  const std::vector<int32_t> shortRepeat = {4, 5, 4, 5};
  EXPECT_EQ(promptLookupDraft(shortRepeat, 2, 8), (std::vector<int32_t>{4, 5}));
  EXPECT_TRUE(promptLookupDraft(std::vector<int32_t>{1, 2, 3, 4}, 2, 4).empty());
  EXPECT_TRUE(promptLookupDraft(std::vector<int32_t>{1, 2}, 2, 4).empty());
  EXPECT_TRUE(promptLookupDraft(context, 3, 0).empty());
}

// Draws draft tokens from q and runs the rejection rule; the tokens that come
// out must follow p. Each frequency must lie within 5 standard errors of its
// probability (a false failure has odds of about 1 in 1.7 million per token).
void expectOutputFollowsTarget(const std::vector<double>& p, const std::vector<double>& q,
                               uint64_t seed) {
  constexpr int kSamples = 200000;
  Xoshiro256 rng(seed);
  std::vector<int> counts(p.size(), 0);
  int accepted = 0;
  for (int i = 0; i < kSamples; ++i) {
    const int32_t drafted = sampleToken(q, rng);
    const VerifyOutcome outcome = acceptOrResample(p, q, drafted, rng);
    accepted += outcome.accepted ? 1 : 0;
    ++counts[static_cast<size_t>(outcome.token)];
  }
  double overlap = 0.0; // the expected acceptance: sum of min(p, q)
  for (size_t t = 0; t < p.size(); ++t) {
    overlap += std::min(p[t], q[t]);
    const double frequency = double(counts[t]) / kSamples;
    const double tolerance = 5.0 * std::sqrt(p[t] * (1.0 - p[t]) / kSamples);
    EXPECT_NEAR(frequency, p[t], tolerance) << "token " << t;
  }
  const double acceptance = double(accepted) / kSamples;
  EXPECT_NEAR(acceptance, overlap, 5.0 * std::sqrt(overlap * (1.0 - overlap) / kSamples));
}

TEST(AcceptOrResample, OutputFollowsTheTargetDistribution) {
  expectOutputFollowsTarget({0.5, 0.3, 0.15, 0.05, 0.0}, {0.1, 0.2, 0.3, 0.25, 0.15}, 17);
  // Prompt lookup's certain proposal of token 2.
  expectOutputFollowsTarget({0.5, 0.3, 0.15, 0.05, 0.0}, {0.0, 0.0, 1.0, 0.0, 0.0}, 18);
}

TEST(AcceptOrResample, IdenticalDistributionsAlwaysAccept) {
  const std::vector<double> p = {0.25, 0.25, 0.5};
  Xoshiro256 rng(3);
  for (int i = 0; i < 1000; ++i) {
    const int32_t drafted = sampleToken(p, rng);
    EXPECT_TRUE(acceptOrResample(p, p, drafted, rng).accepted);
  }
}

TEST(InferenceContextRollback, SequenceAndTruncateMatchAFreshRun) {
  const LoadedModel target(modelPath("tiny-random-llama-f32.gguf"));
  const int vocab = target.model->vocabSize();
  InferenceContext fresh(*target.model, {1, 0});
  std::vector<float> expected;
  for (int32_t token : kLlamaPrompt) {
    const auto logits = fresh.forward(token);
    expected.insert(expected.end(), logits.begin(), logits.end());
  }
  InferenceContext context(*target.model, {1, 0});
  context.forward(kLlamaPrompt[0]);
  context.forward(7);
  context.forward(8);
  context.truncate(1); // drop the two positions a rejected draft would leave
  EXPECT_EQ(context.position(), 1);
  const std::vector<float> rows =
      context.forwardSequence(std::span<const int32_t>(kLlamaPrompt).subspan(1));
  ASSERT_EQ(rows.size(), expected.size() - static_cast<size_t>(vocab));
  for (size_t i = 0; i < rows.size(); ++i) {
    ASSERT_EQ(rows[i], expected[i + static_cast<size_t>(vocab)]) << "logit " << i;
  }
  EXPECT_THROW(context.truncate(context.position() + 1), std::out_of_range);
  EXPECT_THROW(context.truncate(-1), std::out_of_range);
}

TEST(SpeculativeGenerator, GreedyQuantisedDraftsReproduceTheTarget) {
  const LoadedModel target(modelPath("tiny-random-llama-f32.gguf"));
  const GenerationOptions options = greedy(64);
  const std::vector<int32_t> expected = targetAlone(target, kLlamaPrompt, options);
  ASSERT_EQ(expected.size(), 64u);
  int drafted = 0;
  int accepted = 0;
  for (const char* name : {"tiny-random-llama-q8_0.gguf", "tiny-random-llama-q4_0.gguf",
                           "tiny-random-llama-q4_k_m.gguf"}) {
    const LoadedModel draft(modelPath(name));
    for (int k : {1, 4, 7}) {
      const SpeculativeRun run = speculate(target, &draft, kLlamaPrompt, options, {k, 3});
      EXPECT_EQ(run.result.ids, expected) << name << " K=" << k;
      EXPECT_EQ(run.result.reason, StopReason::TokenLimit);
      EXPECT_GT(run.stats.accepted, 0) << name;
      EXPECT_EQ(run.stats.emitted, 64);
      EXPECT_EQ(run.stats.emitted, run.stats.accepted + run.stats.verifyPasses);
      drafted += run.stats.drafted;
      accepted += run.stats.accepted;
    }
  }
  // Quantisation changes some greedy choices: rejections (and rollbacks)
  // happened, yet the output stayed the target's.
  EXPECT_LT(accepted, drafted);
}

TEST(SpeculativeGenerator, BuiltinModelAsItsOwnDraftAcceptsEverything) {
  const LoadedModel target(builtinPath());
  const LoadedModel draft(builtinPath());
  const std::vector<int32_t> prompt = target.tokenizer->encode("def fibonacci(n):\n", true, false);
  const GenerationOptions options = greedy(30);
  const std::vector<int32_t> expected = targetAlone(target, prompt, options);
  const SpeculativeRun run = speculate(target, &draft, prompt, options, {5, 3});
  EXPECT_EQ(run.result.ids, expected);
  EXPECT_EQ(run.stats.acceptanceRate(), 1.0);
  EXPECT_EQ(run.stats.accepted, run.stats.drafted);
  // Every pass but a shortened last one emits K + 1 tokens.
  EXPECT_EQ(run.stats.verifyPasses, (run.stats.emitted + 5) / 6);
  EXPECT_GT(run.stats.verifyPasses, 1);
}

TEST(SpeculativeGenerator, PromptLookupReproducesTheTarget) {
  const LoadedModel builtin(builtinPath());
  const std::vector<int32_t> prompt = builtin.tokenizer->encode(
      "def add(a, b):\n    return a + b\n\n\ndef add(a, b):\n", true, false);
  const GenerationOptions options = greedy(32);
  const SpeculativeRun run = speculate(builtin, nullptr, prompt, options, {6, 2});
  EXPECT_EQ(run.result.ids, targetAlone(builtin, prompt, options));
  EXPECT_GT(run.stats.drafted, 0);
  EXPECT_EQ(run.stats.draftPositions, 0);

  const LoadedModel llama(modelPath("tiny-random-llama-f32.gguf"));
  const SpeculativeRun tiny = speculate(llama, nullptr, kLlamaPrompt, greedy(40), {4, 1});
  EXPECT_EQ(tiny.result.ids, targetAlone(llama, kLlamaPrompt, greedy(40)));
}

TEST(SpeculativeGenerator, SamplingIsSeededAndKeepsTheLimits) {
  const LoadedModel target(modelPath("tiny-random-llama-f32.gguf"));
  const LoadedModel draft(modelPath("tiny-random-llama-q8_0.gguf"));
  GenerationOptions options;
  options.maxTokens = 13;
  options.sampler.temperature = 1.0f;
  options.sampler.topK = 20;
  options.sampler.seed = 5;
  const SpeculativeRun first = speculate(target, &draft, kLlamaPrompt, options, {4, 3});
  const SpeculativeRun second = speculate(target, &draft, kLlamaPrompt, options, {4, 3});
  EXPECT_EQ(first.result.ids, second.result.ids);
  EXPECT_EQ(first.result.ids.size(), 13u);
  EXPECT_GT(first.stats.accepted, 0);
}

TEST(SpeculativeGenerator, StopsWhenTheContextIsFull) {
  const LoadedModel target(modelPath("tiny-random-llama-f32.gguf"));
  const LoadedModel draft(modelPath("tiny-random-llama-q8_0.gguf"));
  InferenceContext targetContext(*target.model, {1, 12});
  InferenceContext draftContext(*draft.model, {1, 9});
  SpeculativeGenerator generator(targetContext, &draftContext, target.tokenizer.get(), {4, 3});
  const GenerationResult result = generator.generate(kLlamaPrompt, greedy(40));
  EXPECT_EQ(result.reason, StopReason::ContextFull);
  InferenceContext alone(*target.model, {1, 12});
  Generator plain(alone, target.tokenizer.get());
  EXPECT_EQ(result.ids, plain.generate(kLlamaPrompt, greedy(40)).ids);
}

TEST(SpeculativeGenerator, CancelStopsBeforeTheNextVerifyPass) {
  const LoadedModel target(modelPath("tiny-random-llama-f32.gguf"));
  InferenceContext context(*target.model, {1, 0});
  SpeculativeGenerator generator(context, nullptr, target.tokenizer.get(), {4, 1});
  const GenerationResult result =
      generator.generate(kLlamaPrompt, greedy(40), [&](const GeneratedToken&) {
        generator.cancel();
        return true;
      });
  EXPECT_EQ(result.reason, StopReason::Cancelled);
  EXPECT_EQ(generator.stats().verifyPasses, 1);
  EXPECT_EQ(static_cast<int>(result.ids.size()), generator.stats().emitted);
}

TEST(SpeculativeGenerator, RejectsDraftLengthsOutOfRange) {
  const LoadedModel target(modelPath("tiny-random-llama-f32.gguf"));
  InferenceContext context(*target.model, {1, 0});
  EXPECT_THROW(SpeculativeGenerator(context, nullptr, nullptr, {0, 3}), std::invalid_argument);
  EXPECT_THROW(SpeculativeGenerator(context, nullptr, nullptr, {kMaxDraftTokens + 1, 3}),
               std::invalid_argument);
  EXPECT_THROW(SpeculativeGenerator(context, nullptr, nullptr, {4, 0}), std::invalid_argument);
}

TEST(CheckSameVocabulary, NamesBothFilesWhenTheVocabulariesDiffer) {
  const LoadedModel target(modelPath("tiny-random-llama-f32.gguf"));
  const LoadedModel draft(builtinPath());
  try {
    checkSameVocabulary(*target.model, *target.tokenizer, *draft.model, *draft.tokenizer);
    FAIL() << "expected a vocabulary mismatch";
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("builtin-coder.gguf"), std::string::npos) << what;
    EXPECT_NE(what.find("tiny-random-llama-f32.gguf"), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  }
  const LoadedModel sameFamily(modelPath("tiny-random-llama-q4_0.gguf"));
  EXPECT_NO_THROW(checkSameVocabulary(*target.model, *target.tokenizer, *sameFamily.model,
                                      *sameFamily.tokenizer));
}

} // namespace
} // namespace ws::core
