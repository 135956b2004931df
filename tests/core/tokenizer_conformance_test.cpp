// llama.cpp's tokenizer test vectors (../shared/testdata/tokenizers): every
// string of every family must encode to exactly the expected ids (no BOS/EOS,
// special tokens not parsed). Each test lists every mismatching string.
#include "tests/core/tokenizer_test_support.h"

#include <gtest/gtest.h>

#include <sstream>

namespace {

std::string escaped(const std::string& text) {
  std::ostringstream out;
  for (const char ch : text) {
    const auto byte = static_cast<unsigned char>(ch);
    if (byte == '\n') {
      out << "\\n";
    } else if (byte == '\t') {
      out << "\\t";
    } else {
      out << ch;
    }
  }
  return out.str();
}

std::string joined(const std::vector<int32_t>& ids) {
  std::ostringstream out;
  for (size_t i = 0; i < ids.size(); ++i) {
    out << (i ? " " : "") << ids[i];
  }
  return out.str();
}

void expectConformance(const std::string& name) {
  const auto cases = ws::test::readTokenizerCases(name);
  ASSERT_GE(cases.size(), 40u) << "too few vectors read for " << name;
  const auto& tokenizer = ws::test::conformanceTokenizer(name);
  size_t mismatches = 0;
  for (const auto& c : cases) {
    const auto ids = tokenizer.encode(c.text);
    if (ids != c.ids) {
      ++mismatches;
      ADD_FAILURE() << name << ": \"" << escaped(c.text) << "\"\n  expected " << joined(c.ids)
                    << "\n  got      " << joined(ids);
    }
  }
  EXPECT_EQ(mismatches, 0u) << "of " << cases.size() << " strings";
}

TEST(TokenizerConformance, Gpt2) {
  expectConformance("gpt-2");
}
TEST(TokenizerConformance, DeepseekCoder) {
  expectConformance("deepseek-coder");
}
TEST(TokenizerConformance, Starcoder) {
  expectConformance("starcoder");
}
TEST(TokenizerConformance, LlamaBpe) {
  expectConformance("llama-bpe");
}
TEST(TokenizerConformance, Qwen2) {
  expectConformance("qwen2");
}
TEST(TokenizerConformance, LlamaSpm) {
  expectConformance("llama-spm");
}

} // namespace
