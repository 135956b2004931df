// The shipped built-in model (assets/models/builtin-coder.gguf) against the
// PyTorch reference its training script wrote to assets/models/reference/:
// logits at every prompt position, the 64-token greedy continuation, and the
// top-1 agreement of a Q8_0 conversion (its weights alone, and the file as
// llama.cpp computes it); and that its greedy continuations of
// the README's sample prompts are several lines of Python.
#include "core/generator.h"
#include "core/gguf_convert.h"
#include "core/inference_context.h"
#include "core/llama_model.h"
#include "core/tokenizer.h"
#include "tests/test_paths.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iostream>
#include <regex>
#include <string>
#include <vector>

namespace ws::core {
namespace {

constexpr std::array<const char*, 3> kReferenceNames = {"function", "class", "imports"};
constexpr int kThreads = 2;

struct Reference {
  std::string name;
  std::string prompt;
  std::vector<int32_t> promptIds;
  std::vector<int32_t> greedyIds;
  int vocab = 0;
  std::vector<float> logits; // promptIds.size() x vocab

  std::span<const float> row(size_t pos) const {
    const auto n = static_cast<size_t>(vocab);
    return std::span<const float>(logits).subspan(pos * n, n);
  }
};

std::vector<uint8_t> decodeBase64(const std::string& text) {
  std::vector<uint8_t> out;
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    int v = -1;
    if (c >= 'A' && c <= 'Z') {
      v = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      v = c - 'a' + 26;
    } else if (c >= '0' && c <= '9') {
      v = c - '0' + 52;
    } else if (c == '+') {
      v = 62;
    } else if (c == '/') {
      v = 63;
    } else {
      continue; // '=' padding
    }
    buffer = (buffer << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>((buffer >> bits) & 0xFF));
    }
  }
  return out;
}

Reference loadReference(const std::string& name) {
  const auto path = test::assetsDir() / "models" / "reference" / (name + ".json");
  std::ifstream in(path);
  EXPECT_TRUE(in) << "missing " << path;
  const nlohmann::json doc = nlohmann::json::parse(in);
  Reference ref;
  ref.name = name;
  ref.prompt = doc.at("prompt").get<std::string>();
  ref.promptIds = doc.at("prompt_ids").get<std::vector<int32_t>>();
  ref.greedyIds = doc.at("greedy_ids").get<std::vector<int32_t>>();
  ref.vocab = doc.at("n_vocab").get<int>();
  const std::vector<uint8_t> bytes = decodeBase64(doc.at("logits_f32le_base64").get<std::string>());
  ref.logits.resize(bytes.size() / sizeof(float));
  std::memcpy(ref.logits.data(), bytes.data(), ref.logits.size() * sizeof(float));
  EXPECT_EQ(ref.logits.size(), ref.promptIds.size() * static_cast<size_t>(ref.vocab)) << name;
  return ref;
}

std::vector<Reference> loadReferences() {
  std::vector<Reference> refs;
  for (const char* name : kReferenceNames) {
    refs.push_back(loadReference(name));
  }
  return refs;
}

std::filesystem::path shippedModel() {
  return test::assetsDir() / "models" / "builtin-coder.gguf";
}

// `input` (by default the shipped F16 file) re-encoded as `type` in the test
// output directory. Each test writes its own names: ctest runs tests in
// parallel processes.
std::filesystem::path convertedModel(GgmlType type, const std::string& name,
                                     const std::filesystem::path& input = shippedModel()) {
  ConvertRequest request{input, std::nullopt, type, test::outputDir() / name};
  convertModel(request);
  return request.output;
}

int32_t argmax(std::span<const float> logits) {
  return static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
}

// Logits within 1e-3 x max|logit| of PyTorch's at every prompt position, and
// the same 64-token greedy continuation.
void expectMatchesReference(const std::filesystem::path& modelPath) {
  const auto model = LlamaModel::load(modelPath);
  for (const Reference& ref : loadReferences()) {
    ASSERT_EQ(model->vocabSize(), ref.vocab);
    InferenceContext context(*model, {kThreads, 0});
    std::span<const float> logits;
    for (size_t pos = 0; pos < ref.promptIds.size(); ++pos) {
      logits = context.forward(ref.promptIds[pos]);
      const auto expected = ref.row(pos);
      float maxAbs = 0.0f;
      float maxDiff = 0.0f;
      for (int i = 0; i < ref.vocab; ++i) {
        maxAbs = std::max(maxAbs, std::fabs(expected[i]));
        maxDiff = std::max(maxDiff, std::fabs(logits[static_cast<size_t>(i)] - expected[i]));
      }
      EXPECT_LE(maxDiff, 1e-3f * maxAbs) << ref.name << " position " << pos;
    }
    std::vector<int32_t> greedy;
    for (size_t i = 0; i < ref.greedyIds.size(); ++i) {
      greedy.push_back(argmax(logits));
      logits = context.forward(greedy.back());
    }
    EXPECT_EQ(greedy, ref.greedyIds) << ref.name;
  }
}

TEST(BuiltinModel, ShippedFileIsASmallLlamaF16Model) {
  ASSERT_TRUE(std::filesystem::exists(shippedModel()));
  EXPECT_LT(std::filesystem::file_size(shippedModel()), 20u * 1000 * 1000);
  const auto model = LlamaModel::load(shippedModel());
  EXPECT_EQ(model->file().getString("general.architecture"), "llama");
  EXPECT_EQ(model->file().getUInt("general.file_type"), 1u);
  EXPECT_EQ(model->tokenEmbedding().type, GgmlType::F16);
}

TEST(BuiltinModel, TokenizerReproducesReferencePromptIds) {
  const auto model = LlamaModel::load(shippedModel());
  const auto tokenizer = Tokenizer::fromGguf(model->file());
  for (const Reference& ref : loadReferences()) {
    EXPECT_EQ(tokenizer->encode(ref.prompt, true, false), ref.promptIds) << ref.name;
  }
}

TEST(BuiltinModel, F16MatchesPyTorchReference) {
  expectMatchesReference(shippedModel());
}

TEST(BuiltinModel, LosslessF32ConversionMatchesPyTorchReference) {
  expectMatchesReference(convertedModel(GgmlType::F32, "builtin-coder-f32.gguf"));
}

// The top token of a row of logits, its runner-up and the gap between them.
struct TopTwo {
  int32_t first = 0;
  int32_t second = 0;
  float margin = 0.0f;
};

TopTwo topTwo(std::span<const float> logits) {
  TopTwo top;
  top.first = argmax(logits);
  float secondLogit = -INFINITY;
  for (size_t i = 0; i < logits.size(); ++i) {
    if (static_cast<int32_t>(i) != top.first && logits[i] > secondLogit) {
      secondLogit = logits[i];
      top.second = static_cast<int32_t>(i);
    }
  }
  top.margin = logits[static_cast<size_t>(top.first)] - secondLogit;
  return top;
}

// Top-1 tokens of `model` against PyTorch at every prompt position and along
// the greedy continuation fed as PyTorch chose it (each position's reference
// top-1 is the next greedy token). Misses are compared with the F16 file,
// which F16MatchesPyTorchReference holds to PyTorch's logits: a near-tie is a
// miss that picks the F16 runner-up while the F16 top two are closer than
// `nearTie`.
struct TopOneAgreement {
  int agree = 0;
  int nearTies = 0;
  int total = 0;
  std::vector<std::string> otherMisses;
};

TopOneAgreement measureTopOneAgreement(const LlamaModel& model, float nearTie) {
  const auto f16 = LlamaModel::load(shippedModel());
  TopOneAgreement result;
  for (const Reference& ref : loadReferences()) {
    InferenceContext f16Context(*f16, {kThreads, 0});
    InferenceContext context(model, {kThreads, 0});
    const size_t promptLength = ref.promptIds.size();
    std::vector<int32_t> fed = ref.promptIds;
    fed.insert(fed.end(), ref.greedyIds.begin(), ref.greedyIds.end() - 1);
    for (size_t pos = 0; pos < fed.size(); ++pos) {
      const TopTwo f16Top = topTwo(f16Context.forward(fed[pos]));
      const int32_t top = argmax(context.forward(fed[pos]));
      const int32_t expected =
          pos < promptLength ? argmax(ref.row(pos)) : ref.greedyIds[pos - promptLength + 1];
      ++result.total;
      if (top == expected) {
        ++result.agree;
      } else if (f16Top.first == expected && top == f16Top.second && f16Top.margin < nearTie) {
        ++result.nearTies;
      } else {
        result.otherMisses.push_back(
            ref.name + " position " + std::to_string(pos) + ": picks " + std::to_string(top) +
            ", reference " + std::to_string(expected) + " (F16 runner-up " +
            std::to_string(f16Top.second) + ", gap " + std::to_string(f16Top.margin) + ")");
      }
    }
  }
  return result;
}

void printAgreement(const char* what, const TopOneAgreement& a) {
  std::cout << what << " top-1 agreement with PyTorch: " << a.agree << " of " << a.total
            << " positions (" << 100.0 * a.agree / a.total << " %); " << a.nearTies
            << " near-ties won by the runner-up\n";
}

// The Q8_0 export's weights, dequantised to F32 and computed in F32: what
// quantising the model's weights to 8 bits costs, on its own.
TEST(BuiltinModel, Q8_0WeightsAgreeOnTopTokenAtLeast99Percent) {
  const auto q8 = convertedModel(GgmlType::Q8_0, "builtin-coder-q8_0-for-f32.gguf");
  const auto model =
      LlamaModel::load(convertedModel(GgmlType::F32, "builtin-coder-q8_0-dequantised.gguf", q8));
  ASSERT_EQ(model->tokenEmbedding().type, GgmlType::F32);
  const TopOneAgreement a = measureTopOneAgreement(*model, 0.0f);
  printAgreement("Q8_0 weights in F32 arithmetic:", a);
  RecordProperty("q8_0_weights_top1_agreement",
                 std::to_string(a.agree) + "/" + std::to_string(a.total));
  EXPECT_GE(100 * a.agree, 99 * a.total);
}

// The Q8_0 file as llama.cpp computes it: each matrix product's input is
// quantised to 8 bits as well. On this model that moves the gap between the
// top two logits by up to 0.16 (median 0.024; measured 2026-12-01), and the
// file picks the runner-up at 4 of 252 positions whose top two are 0.018 to
// 0.052 apart. Where the top two are kNearTie or more apart it must pick the
// reference's token, as ../shared/testdata/models/README.md asks of llama.cpp's
// own quantised files.
constexpr float kNearTie = 0.25f;

TEST(BuiltinModel, Q8_0FileAgreesOnTopTokenExceptAtNearTies) {
  const auto q8 = LlamaModel::load(convertedModel(GgmlType::Q8_0, "builtin-coder-q8_0.gguf"));
  ASSERT_EQ(q8->tokenEmbedding().type, GgmlType::Q8_0);
  const TopOneAgreement a = measureTopOneAgreement(*q8, kNearTie);
  printAgreement("Q8_0 file in llama.cpp's arithmetic:", a);
  RecordProperty("q8_0_top1_agreement", std::to_string(a.agree) + "/" + std::to_string(a.total));
  for (const std::string& miss : a.otherMisses) {
    ADD_FAILURE() << miss;
  }
}

// The first `count` non-blank lines of `text`.
std::vector<std::string> nonBlankLines(const std::string& text, size_t count) {
  std::vector<std::string> lines;
  size_t begin = 0;
  while (lines.size() < count && begin < text.size()) {
    const size_t end = std::min(text.find('\n', begin), text.size());
    const std::string line = text.substr(begin, end - begin);
    if (line.find_first_not_of(" \t") != std::string::npos) {
      lines.push_back(line);
    }
    begin = end + 1;
  }
  return lines;
}

// The prompts of assets/models/README.md's samples: the first line of each
// greedy continuation must be a Python statement of that kind, and the sample
// must go on for several lines without repeating one. (The model trained
// without prompt-like rows continued `def ` with an e-mail module's private
// name and a list of RFC numbers, and `import ` with `import .compile`; the
// model trained for 2900 steps on the standard library alone repeated
// `import sys` from its first line on.)
TEST(BuiltinModel, GreedySamplesAreSeveralLinesOfPython) {
  const auto model = LlamaModel::load(shippedModel());
  const auto tokenizer = Tokenizer::fromGguf(model->file());
  InferenceContext context(*model, {kThreads, 0});
  Generator generator(context, tokenizer.get());
  GenerationOptions options;
  options.maxTokens = 64;
  const std::string name = R"([A-Za-z_]\w*)";
  const std::string dotted = name + R"((\.\w+)*)";
  const std::vector<std::pair<std::string, std::regex>> cases = {
      {"def ", std::regex("def " + name + R"(\(.*\)( -> .+)?:)")},
      {"class ", std::regex("class " + name + R"((\(.*\))?:)")},
      {"import ", std::regex("import " + dotted + "( as " + name + ")?(, " + dotted + ")*")},
  };
  constexpr size_t kSeveralLines = 4;
  for (const auto& [prompt, firstLine] : cases) {
    const auto ids = tokenizer->encode(prompt, true, false);
    const std::string text = prompt + generator.generate(ids, options).text;
    const auto lines = nonBlankLines(text, kSeveralLines);
    EXPECT_EQ(lines.size(), kSeveralLines) << "greedy sample:\n" << text;
    EXPECT_TRUE(std::regex_match(lines.at(0), firstLine)) << "greedy sample:\n" << text;
    EXPECT_TRUE(std::adjacent_find(lines.begin(), lines.end()) == lines.end())
        << "a line repeats within the first " << kSeveralLines << ":\n"
        << text;
  }
}

} // namespace
} // namespace ws::core
