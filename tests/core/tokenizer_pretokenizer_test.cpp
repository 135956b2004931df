#include "core/pretokenizer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using ws::core::findPreTokenizer;
using ws::core::PreTokenizerKind;
using Words = std::vector<std::string>;

Words split(PreTokenizerKind kind, std::string_view text) {
  std::vector<std::string_view> views;
  ws::core::preTokenize(kind, text, views);
  return Words(views.begin(), views.end());
}

TEST(PreTokenizerNames, KnowsLlamaCppNamesAndAliases) {
  EXPECT_EQ(findPreTokenizer("gpt-2")->kind, PreTokenizerKind::Gpt2);
  EXPECT_EQ(findPreTokenizer("qwen2")->kind, PreTokenizerKind::Qwen2);
  EXPECT_EQ(findPreTokenizer("deepseek-r1-qwen")->kind, PreTokenizerKind::Qwen2);
  EXPECT_EQ(findPreTokenizer("deepseek-coder")->kind, PreTokenizerKind::DeepseekCoder);
  EXPECT_EQ(findPreTokenizer("starcoder")->kind, PreTokenizerKind::Starcoder);
  EXPECT_EQ(findPreTokenizer("refact")->kind, PreTokenizerKind::Starcoder);
  EXPECT_EQ(findPreTokenizer("default")->kind, PreTokenizerKind::Default);
  EXPECT_EQ(findPreTokenizer("")->kind, PreTokenizerKind::Default);
  const auto llama3 = findPreTokenizer("llama-bpe");
  ASSERT_TRUE(llama3);
  EXPECT_EQ(llama3->kind, PreTokenizerKind::Llama3);
  EXPECT_TRUE(llama3->ignoreMerges);
  EXPECT_FALSE(findPreTokenizer("dbrx")->ignoreMerges);
  EXPECT_FALSE(findPreTokenizer("qwen2")->ignoreMerges);
  EXPECT_FALSE(findPreTokenizer("no-such-tokenizer"));
}

TEST(PreTokenizerGpt2, WordsNumbersContractionsAndSpaces) {
  const auto k = PreTokenizerKind::Gpt2;
  EXPECT_EQ(split(k, "Hello world"), (Words{"Hello", " world"}));
  EXPECT_EQ(split(k, "I'll see you're"), (Words{"I", "'ll", " see", " you", "'re"}));
  EXPECT_EQ(split(k, "I'LL"), (Words{"I", "'", "LL"})); // case-sensitive
  EXPECT_EQ(split(k, "a   b"), (Words{"a", "  ", " b"}));
  EXPECT_EQ(split(k, "x\n\ny"), (Words{"x", "\n", "\n", "y"}));
  EXPECT_EQ(split(k, "abc123 456"), (Words{"abc", "123", " 456"}));
  EXPECT_EQ(split(k, "f(x) != 2;  "), (Words{"f", "(", "x", ")", " !=", " 2", ";", "  "}));
  EXPECT_EQ(split(k, "\xC3\xA9t\xC3\xA9 \xE4\xB8\xAD\xE6\x96\x87"),
            (Words{"\xC3\xA9t\xC3\xA9", " \xE4\xB8\xAD\xE6\x96\x87"}));
  EXPECT_TRUE(split(k, "").empty());
}

TEST(PreTokenizerLlama3, LetterPrefixDigitTriplesAndLineBreaks) {
  const auto k = PreTokenizerKind::Llama3;
  EXPECT_EQ(split(k, "Hello1234567 world"), (Words{"Hello", "123", "456", "7", " world"}));
  EXPECT_EQ(split(k, "(foo)"), (Words{"(foo", ")"}));
  EXPECT_EQ(split(k, "I'LL"), (Words{"I", "'LL"})); // case-insensitive
  EXPECT_EQ(split(k, "x  \n\n  y"), (Words{"x", "  \n\n", " ", " y"}));
  EXPECT_EQ(split(k, "a;\n\nb"), (Words{"a", ";\n\n", "b"}));
  EXPECT_EQ(split(k, "\tfoo"), (Words{"\tfoo"}));
  EXPECT_EQ(split(k, "x   "), (Words{"x", "   "}));
}

TEST(PreTokenizerQwen2, SingleDigits) {
  EXPECT_EQ(split(PreTokenizerKind::Qwen2, "v12 ok"), (Words{"v", "1", "2", " ok"}));
}

TEST(PreTokenizerDeepseekCoder, SequentialExpressionsKeepTheGaps) {
  const auto k = PreTokenizerKind::DeepseekCoder;
  EXPECT_EQ(split(k, "foo 123\nbar"), (Words{"foo", " ", "1", "2", "3", "\n", "bar"}));
  EXPECT_EQ(split(k, "a.b, c"), (Words{"a", ".", "b", ",", " c"}));
  EXPECT_EQ(split(k, "x + y"), (Words{"x", " +", " y"})); // "+" is a symbol, not \p{P}
}

TEST(PreTokenizerStarcoder, DigitsSplitFirst) {
  EXPECT_EQ(split(PreTokenizerKind::Starcoder, "a 12b"), (Words{"a", " ", "1", "2", "b"}));
}

TEST(PreTokenizerDefault, PunctuationRunsThenGpt2) {
  EXPECT_EQ(split(PreTokenizerKind::Default, "a+=b 1234"),
            (Words{"a", "+=", "b", " ", "123", "4"}));
}

TEST(PreTokenizer, InvalidUtf8BytesAreSymbolsAndNothingIsLost) {
  const std::string text = "ab\xFF"
                           "cd \xC3 e\xE2\x82";
  EXPECT_EQ(split(PreTokenizerKind::Gpt2, "ab\xFF"
                                          "cd"),
            (Words{"ab", "\xFF", "cd"}));
  for (const auto kind :
       {PreTokenizerKind::Default, PreTokenizerKind::Gpt2, PreTokenizerKind::Llama3,
        PreTokenizerKind::Qwen2, PreTokenizerKind::DeepseekCoder, PreTokenizerKind::Starcoder}) {
    std::string joined;
    for (const auto& w : split(kind, text)) {
      EXPECT_FALSE(w.empty());
      joined += w;
    }
    EXPECT_EQ(joined, text);
  }
}

} // namespace
