#include "core/generator.h"
#include "core/gguf.h"
#include "core/synthetic_model.h"
#include "tests/core/model_test_support.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace ws::core {
namespace {

class GeneratorTest : public ::testing::Test {
protected:
  void SetUp() override {
    model = LlamaModel::load(test::testdataDir() / "models" / "tiny-random-llama-f32.gguf");
    tokenizer = Tokenizer::fromGguf(model->file());
  }

  std::unique_ptr<LlamaModel> model;
  std::unique_ptr<Tokenizer> tokenizer;
  // The reference prompt's first ids ("def" ...); greedy continues with 302.
  const std::vector<int32_t> prompt = {822, 18755, 265, 21566, 29898};
};

TEST_F(GeneratorTest, GreedyStreamsTokensWithTextAndTimes) {
  InferenceContext context(*model, {2, 0});
  Generator generator(context, tokenizer.get());
  GenerationOptions options;
  options.maxTokens = 6;
  std::vector<GeneratedToken> streamed;
  const auto result = generator.generate(prompt, options, [&](const GeneratedToken& token) {
    streamed.push_back(token);
    return true;
  });
  EXPECT_EQ(result.reason, StopReason::TokenLimit);
  ASSERT_EQ(result.ids.size(), 6u);
  ASSERT_EQ(streamed.size(), 6u);
  std::string text;
  for (size_t i = 0; i < streamed.size(); ++i) {
    EXPECT_EQ(streamed[i].id, result.ids[i]);
    EXPECT_GT(streamed[i].hostSeconds, 0.0);
    text += streamed[i].piece;
  }
  EXPECT_EQ(text, result.text);
  EXPECT_FALSE(text.empty());
  // A second run starts from a fresh cache and repeats the first.
  const auto again = generator.generate(prompt, options);
  EXPECT_EQ(again.ids, result.ids);
}

TEST_F(GeneratorTest, SeededSamplingIsReproducible) {
  InferenceContext context(*model, {1, 0});
  Generator generator(context, tokenizer.get());
  GenerationOptions options;
  options.maxTokens = 12;
  options.sampler.temperature = 1.5f;
  options.sampler.topK = 40;
  options.sampler.seed = 77;
  const auto a = generator.generate(prompt, options);
  const auto b = generator.generate(prompt, options);
  options.sampler.seed = 78;
  const auto c = generator.generate(prompt, options);
  EXPECT_EQ(a.ids, b.ids);
  EXPECT_NE(a.ids, c.ids);
}

TEST_F(GeneratorTest, StopsOnAStopStringAndCutsTheText) {
  InferenceContext context(*model, {1, 0});
  Generator generator(context, tokenizer.get());
  GenerationOptions options;
  options.maxTokens = 3;
  std::vector<std::string> pieces;
  generator.generate(prompt, options, [&](const GeneratedToken& token) {
    pieces.push_back(token.piece);
    return true;
  });
  ASSERT_EQ(pieces.size(), 3u);
  options.maxTokens = 10;
  // The three tokens' text can first be complete after the third token.
  options.stopStrings = {"never appears", pieces[0] + pieces[1] + pieces[2]};
  std::string streamed;
  const auto result = generator.generate(prompt, options, [&](const GeneratedToken& token) {
    streamed += token.piece;
    return true;
  });
  EXPECT_EQ(result.reason, StopReason::StopString);
  EXPECT_EQ(result.ids.size(), 3u);
  EXPECT_EQ(result.text, "");
  EXPECT_EQ(streamed, pieces[0] + pieces[1]); // the third piece is cut
  options.stopStrings = {pieces[0] + pieces[1]};
  EXPECT_EQ(generator.generate(prompt, options).ids.size(), 2u);
}

TEST_F(GeneratorTest, CallbackCanStop) {
  InferenceContext context(*model, {1, 0});
  Generator generator(context, tokenizer.get());
  const auto result = generator.generate(prompt, {}, [](const GeneratedToken&) { return false; });
  EXPECT_EQ(result.reason, StopReason::Callback);
  EXPECT_EQ(result.ids.size(), 1u);
}

TEST_F(GeneratorTest, CancelFromAnotherThreadStopsBeforeTheNextToken) {
  InferenceContext context(*model, {2, 0});
  Generator generator(context, tokenizer.get());
  GenerationOptions options;
  options.maxTokens = 100000;
  std::mutex mutex;
  std::condition_variable changed;
  int tokensSeen = 0;
  bool cancelSent = false;
  GenerationResult result;
  std::thread worker([&] {
    result = generator.generate(prompt, options, [&](const GeneratedToken&) {
      std::unique_lock lock(mutex);
      if (++tokensSeen == 2) {
        changed.notify_all();
        // Hold this token until the other thread has cancelled.
        changed.wait(lock, [&] { return cancelSent; });
      }
      return true;
    });
  });
  {
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return tokensSeen == 2; });
    generator.cancel();
    cancelSent = true;
  }
  changed.notify_all();
  worker.join();
  EXPECT_EQ(result.reason, StopReason::Cancelled);
  EXPECT_EQ(result.ids.size(), 2u);
  // The next generate() runs normally.
  options.maxTokens = 2;
  EXPECT_EQ(generator.generate(prompt, options).reason, StopReason::TokenLimit);
}

TEST_F(GeneratorTest, PullStreamYieldsWhatGenerateHandsTheCallback) {
  InferenceContext context(*model, {2, 0});
  Generator generator(context, tokenizer.get());
  GenerationOptions options;
  options.maxTokens = 12;
  std::vector<GeneratedToken> handed;
  const GenerationResult pushed = generator.generate(prompt, options, [&](const GeneratedToken& t) {
    handed.push_back(t);
    return true;
  });

  generator.start(prompt, options);
  EXPECT_FALSE(generator.finished());
  std::vector<GeneratedToken> pulled;
  while (const auto token = generator.next()) {
    pulled.push_back(*token);
  }
  EXPECT_TRUE(generator.finished());
  EXPECT_FALSE(generator.next().has_value());
  ASSERT_EQ(pulled.size(), handed.size());
  for (size_t i = 0; i < pulled.size(); ++i) {
    EXPECT_EQ(pulled[i].id, handed[i].id) << i;
    EXPECT_EQ(pulled[i].piece, handed[i].piece) << i;
  }
  EXPECT_EQ(generator.result().ids, pushed.ids);
  EXPECT_EQ(generator.result().text, pushed.text);
  EXPECT_EQ(generator.result().reason, StopReason::TokenLimit);
}

// cancel() reaches into the forward pass: a long prompt stops at the next
// layer, not after its last token.
TEST(GeneratorCancelTest, CancelStopsALongPromptInsideItsForwardPass) {
  SyntheticModelShape shape;
  shape.layers = 8;
  shape.hiddenSize = 256;
  shape.heads = 4;
  shape.kvHeads = 2;
  shape.ffnSize = 1024;
  shape.vocabSize = 1000;
  shape.contextLength = 4096;
  const auto path = test::outputDir() / "generator-cancel-model.gguf";
  writeSyntheticModel(shape, 5, path);
  const auto model = LlamaModel::load(path);
  InferenceContext context(*model, {1, 0});
  Generator generator(context, nullptr);
  std::vector<int32_t> longPrompt;
  for (int i = 0; i < 4000; ++i) {
    longPrompt.push_back(i % 1000);
  }
  GenerationOptions options;
  options.maxTokens = 4;
  generator.start(longPrompt, options);
  std::optional<GeneratedToken> token;
  std::thread worker([&] { token = generator.next(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  generator.cancel();
  worker.join();
  EXPECT_FALSE(token.has_value());
  EXPECT_EQ(generator.result().reason, StopReason::Cancelled);
  EXPECT_LT(context.position(), 3999) << "the prompt ran to its end";
  // The next stream runs normally.
  generator.start(std::vector<int32_t>{1, 2, 3}, options);
  while (generator.next()) {
  }
  EXPECT_NE(generator.result().reason, StopReason::Cancelled);
  EXPECT_GE(context.position(), 3);
}

TEST_F(GeneratorTest, ContextOverflowIsAClearError) {
  InferenceContext context(*model, {1, 5});
  EXPECT_EQ(context.maxPositions(), 5);
  std::vector<float> first;
  for (int i = 0; i < 5; ++i) {
    const auto logits = context.forward(prompt[static_cast<size_t>(i)]);
    if (i == 0) {
      first.assign(logits.begin(), logits.end());
    }
  }
  EXPECT_EQ(context.position(), 5);
  EXPECT_THROW(context.forward(1), ContextFullError);
  context.reset();
  const auto again = context.forward(prompt[0]);
  EXPECT_EQ(std::vector<float>(again.begin(), again.end()), first);

  Generator generator(context, tokenizer.get());
  GenerationOptions options;
  options.maxTokens = 10;
  const auto result = generator.generate(std::vector<int32_t>{1, 822, 18755}, options);
  EXPECT_EQ(result.reason, StopReason::ContextFull);
  EXPECT_EQ(result.ids.size(), 3u);
  EXPECT_THROW(generator.generate(std::vector<int32_t>(6, 1), options), std::invalid_argument);
  EXPECT_THROW(InferenceContext(*model, {1, 513}), std::invalid_argument);
}

TEST_F(GeneratorTest, RejectsBadPrompts) {
  InferenceContext context(*model, {1, 0});
  Generator generator(context, tokenizer.get());
  EXPECT_THROW(generator.generate(std::vector<int32_t>{}, {}), std::invalid_argument);
  EXPECT_THROW(generator.generate(std::vector<int32_t>{1, 32000}, {}), std::out_of_range);
  EXPECT_THROW(context.forward(-1), std::out_of_range);
}

TEST_F(GeneratorTest, StopsAtEndOfSequence) {
  // The same model with its EOS id moved to 302, the token greedy decoding
  // produces after the reference prompt.
  const std::vector<int32_t> referencePrompt = {822,   18755, 265,  21566, 29898, 29876, 1125,
                                                13,    1678,  565,  302,   529,   29871, 29906,
                                                29901, 13,    4706, 736,   302};
  const auto path = test::editedTinyLlama("eos-302.gguf", {}, [](GgufWriter& writer) {
    writer.setUInt32("tokenizer.ggml.eos_token_id", 302);
  });
  const auto eosModel = LlamaModel::load(path);
  const auto eosTokenizer = Tokenizer::fromGguf(eosModel->file());
  InferenceContext context(*eosModel, {1, 0});
  GenerationOptions options;
  options.maxTokens = 5;
  const auto result = Generator(context, eosTokenizer.get()).generate(referencePrompt, options);
  EXPECT_EQ(result.reason, StopReason::EndOfSequence);
  EXPECT_TRUE(result.ids.empty());
  // Without a tokenizer the file's EOS id still applies and pieces are empty.
  const auto plain = Generator(context, nullptr).generate(referencePrompt, options);
  EXPECT_EQ(plain.reason, StopReason::EndOfSequence);
  InferenceContext original(*model, {1, 0});
  const auto tokens = Generator(original, nullptr).generate(referencePrompt, options);
  EXPECT_EQ(tokens.ids.size(), 5u);
  EXPECT_TRUE(tokens.text.empty());
}

} // namespace
} // namespace ws::core
