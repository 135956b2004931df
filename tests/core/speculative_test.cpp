#include "core/builtin_model.h"
#include "core/gguf.h"
#include "core/speculative.h"
#include "tests/test_paths.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
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

std::filesystem::path builtinDraftPath() {
  return test::assetsDir() / "models" / "builtin-draft.gguf";
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

// The verify pass runs K+1 tokens as one block (and a longer catch-up as
// several): every row must be the logits forward() gives, bit for bit, on
// each architecture and weight type the host runs.
TEST(InferenceContextRollback, BlockedSequenceMatchesForwardOnEveryModel) {
  for (const char* name : {"tiny-random-llama-q4_k_m.gguf", "tiny-random-llama-k-q5_k_m.gguf",
                           "tiny-random-qwen3-f16.gguf", "tiny-random-qwen3moe-q8_0.gguf"}) {
    const LoadedModel target(modelPath(name));
    const int vocab = target.model->vocabSize();
    // 40 tokens: a full block of 32 and a partial one.
    std::vector<int32_t> tokens;
    for (int i = 0; i < 40; ++i) {
      tokens.push_back((i * 37 + 11) % vocab);
    }
    InferenceContext oneByOne(*target.model, {2, 0});
    InferenceContext blocked(*target.model, {2, 0});
    oneByOne.forward(tokens[0]);
    blocked.forward(tokens[0]);
    const std::vector<float> rows = blocked.forwardSequence(std::span(tokens).subspan(1));
    ASSERT_EQ(rows.size(), (tokens.size() - 1) * static_cast<size_t>(vocab)) << name;
    for (size_t t = 1; t < tokens.size(); ++t) {
      const std::span<const float> expected = oneByOne.forward(tokens[t]);
      const std::span<const float> row = std::span<const float>(rows).subspan(
          (t - 1) * static_cast<size_t>(vocab), expected.size());
      ASSERT_TRUE(std::equal(expected.begin(), expected.end(), row.begin()))
          << name << ": position " << t;
    }
    EXPECT_EQ(blocked.position(), oneByOne.position());
  }
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
      EXPECT_EQ(run.stats.emitted, 63); // and the prompt's own token
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

// The shared llama.cpp test models beyond the tiny llama: a quantised copy as
// the draft of its own family's larger-precision file, and prompt lookup.
TEST(SpeculativeGenerator, SharedTestModelsKeepTheGreedyTokens) {
  const struct {
    const char* target;
    const char* draft;
  } pairs[] = {{"tiny-random-llama-k-q5_k_m.gguf", "tiny-random-llama-k-q2_k.gguf"},
               {"tiny-random-qwen3-f16.gguf", "tiny-random-qwen3-q4_k_m.gguf"},
               {"tiny-random-qwen3moe-f16.gguf", "tiny-random-qwen3moe-q8_0.gguf"}};
  for (const auto& pair : pairs) {
    const LoadedModel target(modelPath(pair.target));
    const LoadedModel draft(modelPath(pair.draft));
    const std::vector<int32_t> prompt =
        target.tokenizer->encode("def fibonacci(n):\n    if n < 2:\n", true, false);
    const GenerationOptions options = greedy(40);
    const std::vector<int32_t> expected = targetAlone(target, prompt, options);
    for (int k : {1, 4}) {
      const SpeculativeRun run = speculate(target, &draft, prompt, options, {k, 3});
      EXPECT_EQ(run.result.ids, expected) << pair.target << " K=" << k;
      EXPECT_EQ(run.stats.emitted, run.stats.accepted + run.stats.verifyPasses) << pair.target;
    }
    const SpeculativeRun lookup = speculate(target, nullptr, prompt, options, {4, 1});
    EXPECT_EQ(lookup.result.ids, expected) << pair.target << " prompt lookup";
  }
}

// The shipped draft of the built-in model (tools/train-builtin-model.py
// --draft) was trained with the built-in model's tokenizer: every tokenizer
// key of the two files is the same, piece for piece and score for score.
TEST(BuiltinDraft, SharesTheBuiltinModelsTokenizerExactly) {
  const GgufFile target = GgufFile::open(builtinPath());
  const GgufFile draft = GgufFile::open(builtinDraftPath());
  int keys = 0;
  for (const GgufKeyValue& entry : target.metadata()) {
    if (entry.key.starts_with("tokenizer.")) {
      const GgufValue* other = draft.find(entry.key);
      ASSERT_NE(other, nullptr) << entry.key;
      EXPECT_TRUE(*other == entry.value) << entry.key;
      ++keys;
    }
  }
  EXPECT_GE(keys, 3); // tokens, scores and token types at least
  EXPECT_EQ(draft.getStringArray("tokenizer.ggml.tokens").size(), 4096u);
  const LoadedModel builtin(builtinPath());
  const LoadedModel draftModel(builtinDraftPath());
  EXPECT_NO_THROW(checkSameVocabulary(*builtin.model, *builtin.tokenizer, *draftModel.model,
                                      *draftModel.tokenizer));
  // Small enough to ship beside the built-in model and cheap enough to draft.
  EXPECT_LT(std::filesystem::file_size(builtinDraftPath()), 5u * 1000 * 1000);
  EXPECT_LT(draftModel.model->hiddenSize(), builtin.model->hiddenSize());
}

TEST(BuiltinDraft, NamedBuiltinOnlyForTheBuiltinModel) {
  EXPECT_EQ(resolveDraftModelPath("builtin", builtinModelPath()), builtinDraftModelPath());
  EXPECT_EQ(builtinDraftModelPath().filename(), "builtin-draft.gguf");
  EXPECT_EQ(resolveDraftModelPath("other.gguf", builtinModelPath()),
            std::filesystem::path("other.gguf"));
  EXPECT_THROW(resolveDraftModelPath("builtin", modelPath("tiny-random-llama-f32.gguf")),
               std::invalid_argument);
}

TEST(BuiltinDraft, KeepsTheBuiltinModelsGreedyTokens) {
  const LoadedModel target(builtinPath());
  const LoadedModel draft(builtinDraftPath());
  int accepted = 0;
  for (const char* text : {"def ", "import ", "class Counter:\n    def __init__(self):\n"}) {
    const std::vector<int32_t> prompt = target.tokenizer->encode(text, true, false);
    const GenerationOptions options = greedy(48);
    const std::vector<int32_t> expected = targetAlone(target, prompt, options);
    for (int k : {1, 3, 6}) {
      const SpeculativeRun run = speculate(target, &draft, prompt, options, {k, 3});
      EXPECT_EQ(run.result.ids, expected) << text << " K=" << k;
      EXPECT_EQ(run.stats.emitted, run.stats.accepted + run.stats.verifyPasses);
      accepted += run.stats.accepted;
    }
  }
  // A trained draft agrees with the target often enough to be used at all.
  EXPECT_GT(accepted, 0);
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

// End to end, sampling: the first two tokens the speculative generator
// emits must follow the target's own joint distribution p(t1) p(t2 | t1).
// The first comes from the prompt's logits; the second is the built-in
// draft's guess (K = 1), accepted or rejected and resampled from the
// residual. At temperature 1 with top-k 4 the two models' distributions
// differ enough that both branches run often. A chi-square test over the
// joint's cells (those expected fewer than 5 times pooled), fixed seeds,
// bound at the 1e-4 upper tail.
TEST(SpeculativeGenerator, SampledTokensFollowTheTargetsJointDistribution) {
  const LoadedModel target(builtinPath());
  const std::vector<int32_t> prompt = target.tokenizer->encode("import os\nimport", true, false);
  SamplerSettings settings;
  settings.temperature = 1.0f;
  settings.topK = 4; // a small support: 16 joint cells
  const Sampler sampler(settings);

  // The exact joint from the target's logits.
  std::map<std::pair<int32_t, int32_t>, double> expected;
  InferenceContext exact(*target.model, {1, 0});
  std::vector<int32_t> history = prompt;
  const auto first = sampler.distribution(exact.forwardPrompt(prompt), history);
  ASSERT_EQ(first.size(), 4u);
  for (const auto& [t1, p1] : first) {
    exact.truncate(static_cast<int>(prompt.size()));
    history.push_back(t1);
    for (const auto& [t2, p2] : sampler.distribution(exact.forward(t1), history)) {
      expected[{t1, t2}] = double(p1) * double(p2);
    }
    history.pop_back();
  }

  const LoadedModel draft(builtinDraftPath());
  InferenceContext context(*target.model, {1, 0});
  InferenceContext draftContext(*draft.model, {1, 0});
  SpeculativeGenerator generator(context, &draftContext, target.tokenizer.get(), {1, 1});
  constexpr int kRuns = 800;
  std::map<std::pair<int32_t, int32_t>, int> counts;
  int drafted = 0;
  int accepted = 0;
  for (int run = 0; run < kRuns; ++run) {
    GenerationOptions options;
    // Three tokens: the second pass may then draft one (a pass emits at most
    // its drafts + 1 within the limit).
    options.maxTokens = 3;
    options.sampler = settings;
    options.sampler.seed = static_cast<uint64_t>(run);
    const GenerationResult result = generator.generate(prompt, options);
    ASSERT_EQ(result.ids.size(), 3u);
    ++counts[{result.ids[0], result.ids[1]}];
    drafted += generator.stats().drafted;
    accepted += generator.stats().accepted;
  }
  double chiSquare = 0.0;
  int cells = 0;
  int counted = 0;
  double pooledWant = 0.0;
  int pooledGot = 0;
  for (const auto& [cell, probability] : expected) {
    const double want = probability * kRuns;
    const int got = counts.count(cell) != 0 ? counts.at(cell) : 0;
    counted += got;
    if (want < 5.0) {
      pooledWant += want;
      pooledGot += got;
      continue;
    }
    chiSquare += (got - want) * (got - want) / want;
    ++cells;
  }
  if (pooledWant > 0.0) {
    chiSquare += (pooledGot - pooledWant) * (pooledGot - pooledWant) / pooledWant;
    ++cells;
  }
  EXPECT_EQ(counted, kRuns) << "a pair outside the target's support came out";
  ASSERT_GE(cells, 6);
  // Wilson-Hilferty: the chi-square quantile with cells - 1 degrees of
  // freedom at z = 3.719 (upper tail 1e-4).
  const double dof = cells - 1;
  const double bound =
      dof * std::pow(1.0 - 2.0 / (9.0 * dof) + 3.719 * std::sqrt(2.0 / (9.0 * dof)), 3);
  EXPECT_LT(chiSquare, bound) << cells << " cells";
  // Both branches of the rule ran: accepted drafts and resampled rejections.
  EXPECT_EQ(drafted, kRuns);
  EXPECT_GT(accepted, kRuns / 10);
  EXPECT_LT(accepted, drafted - kRuns / 10);
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
  // The prompt's token came first; no verify pass ran after the cancel.
  EXPECT_EQ(generator.stats().verifyPasses, 0);
  EXPECT_EQ(result.ids.size(), 1u);
}

// The pull stream (what the run controller times pass by pass): the prompt's
// pass first, with one token and no guesses; then verify passes whose tokens
// are their accepted guesses followed by the target's own. Concatenated, the
// passes' tokens are generate()'s output.
TEST(SpeculativeGenerator, PassesConcatenateToTheGeneratedTokens) {
  const LoadedModel target(builtinPath());
  const LoadedModel draft(builtinDraftPath());
  const std::vector<int32_t> prompt = target.tokenizer->encode("def ", true, false);
  InferenceContext targetContext(*target.model, {1, 0});
  InferenceContext draftContext(*draft.model, {1, 0});
  SpeculativeGenerator generator(targetContext, &draftContext, target.tokenizer.get(), {3, 3});
  generator.start(prompt, greedy(40));
  std::vector<int32_t> ids;
  int passes = 0;
  while (const std::optional<SpeculativePass> pass = generator.next()) {
    EXPECT_EQ(pass->prompt, passes == 0);
    if (pass->prompt) {
      EXPECT_TRUE(pass->drafted.empty());
      EXPECT_EQ(pass->tokens.size(), 1u);
    } else {
      EXPECT_LE(pass->accepted, static_cast<int>(pass->drafted.size()));
      EXPECT_LE(pass->tokens.size(), pass->drafted.size() + 1);
      for (int i = 0; i < pass->accepted && i < static_cast<int>(pass->tokens.size()); ++i) {
        EXPECT_EQ(pass->tokens[size_t(i)].id, pass->drafted[size_t(i)]);
      }
    }
    for (const GeneratedToken& token : pass->tokens) {
      ids.push_back(token.id);
    }
    ++passes;
  }
  EXPECT_TRUE(generator.finished());
  EXPECT_EQ(generator.result().reason, StopReason::TokenLimit);
  EXPECT_EQ(ids, generator.result().ids);
  EXPECT_EQ(ids, targetAlone(target, prompt, greedy(40)));
  EXPECT_EQ(passes, generator.stats().verifyPasses + 1);
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
