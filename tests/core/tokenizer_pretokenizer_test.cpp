#include "core/pretokenizer.h"

#include <gtest/gtest.h>

#include <random>
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

const std::vector<PreTokenizerKind> kAllKinds = {
    PreTokenizerKind::Default,   PreTokenizerKind::Gpt2,          PreTokenizerKind::Llama3,
    PreTokenizerKind::Qwen2,     PreTokenizerKind::DeepseekCoder, PreTokenizerKind::Starcoder,
    PreTokenizerKind::Falcon,    PreTokenizerKind::DeepseekLlm,   PreTokenizerKind::DeepseekV3,
    PreTokenizerKind::Gpt4o,     PreTokenizerKind::Tekken,        PreTokenizerKind::Qwen35,
    PreTokenizerKind::SeedCoder, PreTokenizerKind::Bloom,         PreTokenizerKind::Viking,
    PreTokenizerKind::Superbpe,  PreTokenizerKind::KimiK2,        PreTokenizerKind::Spark25,
    PreTokenizerKind::Jais2,     PreTokenizerKind::MiniCpm5,      PreTokenizerKind::Ufakzeka,
    PreTokenizerKind::Laguna,    PreTokenizerKind::ExaoneMoe,     PreTokenizerKind::Youtu,
    PreTokenizerKind::Chameleon,
};

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
  EXPECT_TRUE(llama3->addBos);
  EXPECT_FALSE(findPreTokenizer("dbrx")->ignoreMerges);
  EXPECT_FALSE(findPreTokenizer("qwen2")->ignoreMerges);
  EXPECT_FALSE(findPreTokenizer("qwen2")->addBos);
  EXPECT_FALSE(findPreTokenizer("no-such-tokenizer"));
}

TEST(PreTokenizerNames, FamiliesAddedForIssue16) {
  const std::vector<std::pair<std::string_view, PreTokenizerKind>> names = {
      {"gpt-4o", PreTokenizerKind::Gpt4o},
      {"llama4", PreTokenizerKind::Gpt4o},
      {"minimax-m2", PreTokenizerKind::Gpt4o},
      {"deepseek-v3", PreTokenizerKind::DeepseekV3},
      {"hunyuan-dense", PreTokenizerKind::DeepseekV3},
      {"deepseek-llm", PreTokenizerKind::DeepseekLlm},
      {"falcon", PreTokenizerKind::Falcon},
      {"tekken", PreTokenizerKind::Tekken},
      {"chatglm-bpe", PreTokenizerKind::Llama3},
      {"glm4", PreTokenizerKind::Llama3},
      {"command-r", PreTokenizerKind::Starcoder},
      {"smollm", PreTokenizerKind::Starcoder},
      {"codeshell", PreTokenizerKind::Starcoder},
      {"exaone", PreTokenizerKind::Starcoder},
      {"minerva-7b", PreTokenizerKind::Starcoder},
      {"olmo", PreTokenizerKind::Gpt2},
      {"jais", PreTokenizerKind::Gpt2},
      {"trillion", PreTokenizerKind::Gpt2},
      {"poro-chat", PreTokenizerKind::Bloom},
      {"bloom", PreTokenizerKind::Bloom},
      {"gpt3-finnish", PreTokenizerKind::Bloom},
      {"viking", PreTokenizerKind::Viking},
      {"qwen35", PreTokenizerKind::Qwen35},
      {"seed-coder", PreTokenizerKind::SeedCoder},
      {"hunyuan", PreTokenizerKind::Qwen2},
      {"bailingmoe", PreTokenizerKind::Qwen2},
      {"grok-2", PreTokenizerKind::Qwen2},
      {"superbpe", PreTokenizerKind::Superbpe},
      {"kimi-k2", PreTokenizerKind::KimiK2},
      {"pixtral", PreTokenizerKind::Llama3},
      {"spark2_5", PreTokenizerKind::Spark25},
      {"jais-2", PreTokenizerKind::Jais2},
      {"minicpm5", PreTokenizerKind::MiniCpm5},
      {"ufakzeka", PreTokenizerKind::Ufakzeka},
      {"laguna", PreTokenizerKind::Laguna},
      {"exaone-moe", PreTokenizerKind::ExaoneMoe},
      {"youtu", PreTokenizerKind::Youtu},
      {"chameleon", PreTokenizerKind::Chameleon},
  };
  for (const auto& [name, kind] : names) {
    const auto spec = findPreTokenizer(name);
    ASSERT_TRUE(spec) << name;
    EXPECT_EQ(spec->kind, kind) << name;
  }
  // llama.cpp sets ignore_merges and add_bos for tekken, neither for gpt-4o or GLM-4.
  EXPECT_TRUE(findPreTokenizer("tekken")->ignoreMerges);
  EXPECT_TRUE(findPreTokenizer("tekken")->addBos);
  EXPECT_FALSE(findPreTokenizer("gpt-4o")->ignoreMerges);
  EXPECT_FALSE(findPreTokenizer("gpt-4o")->addBos);
  EXPECT_FALSE(findPreTokenizer("glm4")->ignoreMerges);
  EXPECT_TRUE(findPreTokenizer("minicpm5")->ignoreMerges);
  EXPECT_FALSE(findPreTokenizer("minicpm5")->addBos);
  EXPECT_TRUE(findPreTokenizer("youtu")->ignoreMerges);
  EXPECT_FALSE(findPreTokenizer("youtu")->addBos);
  EXPECT_FALSE(findPreTokenizer("chameleon")->ignoreMerges);
  EXPECT_TRUE(findPreTokenizer("chameleon")->addBos);
  // Names are exact: no case folding, no trimming.
  EXPECT_FALSE(findPreTokenizer("GPT-4O"));
  EXPECT_FALSE(findPreTokenizer("gpt-4o "));
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

TEST(PreTokenizerDeepseekCoder, SpacesInsideTheCjkRangesAreNotCjk) {
  // U+3000 lies in the range U+0800..U+4E00, but llama.cpp reads non-ASCII
  // whitespace as U+000B there: "\u3000文" is a gap and a CJK run, not one run.
  EXPECT_EQ(split(PreTokenizerKind::DeepseekCoder, "中\u3000文"), (Words{"中", "\u3000", "文"}));
}

TEST(PreTokenizerStarcoder, DigitsSplitFirst) {
  EXPECT_EQ(split(PreTokenizerKind::Starcoder, "a 12b"), (Words{"a", " ", "1", "2", "b"}));
}

TEST(PreTokenizerDefault, PunctuationRunsThenGpt2) {
  EXPECT_EQ(split(PreTokenizerKind::Default, "a+=b 1234"),
            (Words{"a", "+=", "b", " ", "123", "4"}));
}

// The expected words below follow from reading each expression (llama.cpp's
// llama-vocab.cpp); where a model's own tokenizer (Hugging Face) would split
// otherwise, the test says so and keeps llama.cpp's answer.

TEST(PreTokenizerGpt4o, CaseChangesContractionsDigitTriplesAndSlashes) {
  const auto k = PreTokenizerKind::Gpt4o;
  EXPECT_EQ(split(k, "Hello World"), (Words{"Hello", " World"}));
  EXPECT_EQ(split(k, "HelloWorld getHTTPResponse"),
            (Words{"Hello", "World", " get", "HTTPResponse"}));
  // Contractions stay with their word, in any case.
  EXPECT_EQ(split(k, "I'M DON'T isn't"), (Words{"I'M", " DON'T", " isn't"}));
  EXPECT_EQ(split(k, "x1234567"), (Words{"x", "123", "456", "7"}));
  EXPECT_EQ(split(k, "foo(bar);\n"), (Words{"foo", "(bar", ");\n"}));
  EXPECT_EQ(split(k, "a/b // c\n//"), (Words{"a", "/b", " //", " c", "\n", "//"}));
  EXPECT_EQ(split(k, "x/\n/y"), (Words{"x", "/\n/", "y"}));
  EXPECT_EQ(split(k, "x  \n\n  y"), (Words{"x", "  \n\n", " ", " y"}));
  EXPECT_EQ(split(k, "hi \xF0\x9F\x98\x80\xF0\x9F\x98\x80!"),
            (Words{"hi", " \xF0\x9F\x98\x80\xF0\x9F\x98\x80!"}));
  EXPECT_EQ(split(k, "Ünïcödé 中文abc"), (Words{"Ünïcödé", " 中文abc"}));
}

TEST(PreTokenizerGpt4o, LettersOutsideAsciiAreBothCasesAndMarksAreNotLetters) {
  const auto k = PreTokenizerKind::Gpt4o;
  // Hugging Face keeps "ÉCOLE" whole (all \p{Lu}); llama.cpp's [^a-z] / [^A-Z]
  // count É as "lower" too, so [Upper]*[Lower]+ ends after it.
  EXPECT_EQ(split(k, "ÉCOLE"), (Words{"É", "COLE"}));
  // A combining mark is no letter for llama.cpp (Hugging Face: one word).
  EXPECT_EQ(split(k, "cafe\xCC\x81s"), (Words{"cafe", "\xCC\x81s"}));
}

TEST(PreTokenizerTekken, CaseChangesSingleDigitsNoContractions) {
  const auto k = PreTokenizerKind::Tekken;
  EXPECT_EQ(split(k, "HelloWorld 1234"), (Words{"Hello", "World", " ", "1", "2", "3", "4"}));
  EXPECT_EQ(split(k, "I'm"), (Words{"I", "'m"}));
  EXPECT_EQ(split(k, "x/\n/y"), (Words{"x", "/\n/", "y"}));
  EXPECT_EQ(split(k, "ALL_CAPS"), (Words{"ALL", "_CAPS"}));
}

TEST(PreTokenizerDeepseekV3, DigitTriplesCjkRunsAndPunctuatedWords) {
  const auto k = PreTokenizerKind::DeepseekV3;
  EXPECT_EQ(split(k, "Hello, world!"), (Words{"Hello", ",", " world", "!"}));
  EXPECT_EQ(split(k, "v1234567"), (Words{"v", "123", "456", "7"}));
  EXPECT_EQ(split(k, "中文abc日本語です"), (Words{"中文", "abc", "日本語です"}));
  // An ASCII punctuation character takes the ASCII letters after it.
  EXPECT_EQ(split(k, ".NET __init__"), (Words{".NET", " __", "init", "__"}));
  EXPECT_EQ(split(k, "a\n\nb  c"), (Words{"a", "\n\n", "b", " ", " c"}));
  EXPECT_EQ(split(k, "e\xCC\x81t\xC3\xA9"), (Words{"e\xCC\x81t\xC3\xA9"})); // marks join
}

TEST(PreTokenizerDeepseekV3, TildeIsNeitherPunctuationNorSymbolForLlamaCpp) {
  // Hugging Face: "a", " ~=", " b". llama.cpp's \p{S} leaves '~' out.
  EXPECT_EQ(split(PreTokenizerKind::DeepseekV3, "a ~= b"), (Words{"a", " ", "~", "=", " b"}));
}

TEST(PreTokenizerDeepseekLlm, ListedLettersPunctuationTrailingSpaceCjkNumbers) {
  const auto k = PreTokenizerKind::DeepseekLlm;
  EXPECT_EQ(split(k, "Hello, world!\n"), (Words{"Hello", ",", " world", "!", "\n"}));
  EXPECT_EQ(split(k, "x  = 1234;"), (Words{"x", " ", " =", " ", "1234", ";"}));
  EXPECT_EQ(split(k, "\xF0\x9F\x98\x80  "), (Words{"\xF0\x9F\x98\x80", "  "}));
  EXPECT_EQ(split(k, "中文 text"), (Words{"中文", " text"}));
  // The punctuation class !-/:-~ holds the ASCII letters too, so it cuts again
  // the words that hold other letters.
  EXPECT_EQ(split(k, "naïve ǅemal"), (Words{"na", "ï", "ve", " ǅ", "emal"}));
  // Kana lie in the range U+0800..U+4E00 of the CJK expression.
  EXPECT_EQ(split(k, "です。"), (Words{"です", "。"}));
}

TEST(PreTokenizerFalcon, PunctuationRunsWithBacktickThenGpt2ThenTriples) {
  const auto k = PreTokenizerKind::Falcon;
  EXPECT_EQ(split(k, "a+=b 1234"), (Words{"a", "+=", "b", " ", "123", "4"}));
  EXPECT_EQ(split(k, " `x`"), (Words{" ", "`", "x", "`"}));
  EXPECT_EQ(split(PreTokenizerKind::Default, " `x`"), (Words{" `", "x", "`"}));
  EXPECT_EQ(split(k, "1234567"), (Words{"123", "456", "7"}));
}

TEST(PreTokenizerBloom, WordsUntilSpaceOrSentencePunctuation) {
  const auto k = PreTokenizerKind::Bloom;
  EXPECT_EQ(split(k, "Hello world. How are you?"),
            (Words{"Hello", " world", ".", " How", " are", " you", "?"}));
  EXPECT_EQ(split(k, "f(x)|y"), (Words{"f", "(", "x", ")|", "y"}));
  EXPECT_EQ(split(k, "a  b\n\nc"), (Words{"a", " ", " b", "\n\n", "c"}));
  EXPECT_EQ(split(k, "1,234"), (Words{"1", ",", "234"}));
  EXPECT_EQ(split(PreTokenizerKind::Viking, "1,234"), (Words{"1", ",", "2", "3", "4"}));
}

TEST(PreTokenizerQwen35, MarksBelongToWords) {
  EXPECT_EQ(split(PreTokenizerKind::Qwen35, "cafe\xCC\x81 v12"),
            (Words{"cafe\xCC\x81", " v", "1", "2"}));
  EXPECT_EQ(split(PreTokenizerKind::Qwen2, "cafe\xCC\x81 v12"),
            (Words{"cafe", "\xCC\x81", " v", "1", "2"}));
}

TEST(PreTokenizerSeedCoder, NoLineBreaksAfterSymbols) {
  EXPECT_EQ(split(PreTokenizerKind::SeedCoder, "a;\n\nb"), (Words{"a", ";", "\n\n", "b"}));
  EXPECT_EQ(split(PreTokenizerKind::Qwen2, "a;\n\nb"), (Words{"a", ";\n\n", "b"}));
}

TEST(PreTokenizerSuperbpe, OnlyNumbersSplitInTriplesFromTheRight) {
  const auto k = PreTokenizerKind::Superbpe;
  EXPECT_EQ(split(k, "I have 1234567 apples"), (Words{"I have ", "1", "234", "567", " apples"}));
  EXPECT_EQ(split(k, "12345"), (Words{"12", "345"}));
  EXPECT_EQ(split(k, "123"), (Words{"123"}));
}

TEST(PreTokenizerKimiK2, HanRunsApartFromOtherLetters) {
  const auto k = PreTokenizerKind::KimiK2;
  EXPECT_EQ(split(k, "Hello世界World"), (Words{"Hello", "世界", "World"}));
  EXPECT_EQ(split(k, "I'M don't"), (Words{"I'M", " don't"}));
  EXPECT_EQ(split(k, " 世界 1234567"), (Words{" ", "世界", " ", "123", "456", "7"}));
  EXPECT_EQ(split(k, "日本語です"), (Words{"日本語", "です"}));
}

TEST(PreTokenizerSpark25, LineBreaksAloneAndSingleDigits) {
  const auto k = PreTokenizerKind::Spark25;
  EXPECT_EQ(split(k, "a;\n\n  b 123"),
            (Words{"a", ";", "\n", "\n", " ", " b", " ", "1", "2", "3"}));
  EXPECT_EQ(split(k, "x  \n\ny"), (Words{"x", "  \n", "\n", "y"}));
}

TEST(PreTokenizerJais2, SpaceRunsInPowersOfTwo) {
  const auto k = PreTokenizerKind::Jais2;
  // 11 spaces then a word: 8, 2, then " b" (the last space goes with the word).
  EXPECT_EQ(split(k, "a           b"), (Words{"a", "        ", "  ", " b"}));
  EXPECT_EQ(split(k, "a     "), (Words{"a", "    ", " "}));
  EXPECT_EQ(split(k, "x  \n y"), (Words{"x", "  \n", " y"}));
}

TEST(PreTokenizerMiniCpm5, DigitTriplesThenLlama3) {
  EXPECT_EQ(split(PreTokenizerKind::MiniCpm5, "v1234567 I'm"),
            (Words{"v", "123", "456", "7", " I", "'m"}));
}

TEST(PreTokenizerUfakzeka, ApostropheSuffixesStayAttached) {
  EXPECT_EQ(split(PreTokenizerKind::Ufakzeka, "Ankara'da it's"),
            (Words{"Ankara", "'da", " it", "'s"}));
  EXPECT_EQ(split(PreTokenizerKind::Qwen2, "Ankara'da it's"),
            (Words{"Ankara", "'d", "a", " it", "'s"}));
}

TEST(PreTokenizerLaguna, LinesFirstThenQwen2) {
  EXPECT_EQ(split(PreTokenizerKind::Laguna, "a \n\n b"), (Words{"a", " ", "\n\n", " b"}));
  EXPECT_EQ(split(PreTokenizerKind::Qwen2, "a \n\n b"), (Words{"a", " \n\n", " b"}));
}

TEST(PreTokenizerExaoneMoe, WordsRunOverSingleSpaces) {
  const auto k = PreTokenizerKind::ExaoneMoe;
  EXPECT_EQ(split(k, "Hello big world, ok"), (Words{"Hello big world", ",", " ok"}));
  EXPECT_EQ(split(k, "a  b 12;\n\n"), (Words{"a", " ", " b", " ", "1", "2", ";\n", "\n"}));
}

TEST(PreTokenizerYoutu, ScriptRunsThenWordsWithMarksAndContractions) {
  const auto k = PreTokenizerKind::Youtu;
  EXPECT_EQ(split(k, "한국어，中文ㄅㄆ Hello's x1"),
            (Words{"한국어", "，", "中文", "ㄅㄆ", " Hello's", " x", "1"}));
  EXPECT_EQ(split(k, "cafe\xCC\x81//\n"), (Words{"cafe\xCC\x81", "//\n"}));
}

TEST(PreTokenizerChameleon, SentinelsImageCodesSpacePairsAndSingleSymbols) {
  const auto k = PreTokenizerKind::Chameleon;
  // The later expressions cut a sentinel again (as special tokens, those are
  // parsed before pre-tokenization); an image code stays whole.
  EXPECT_EQ(split(k, "<sentinel:12>IMGIMGABZ"),
            (Words{"<", "sentinel", ":", "1", "2", ">", "IMGIMGABZ"}));
  EXPECT_EQ(split(k, "a     b"), (Words{"a", "    ", " b"}));
  EXPECT_EQ(split(k, "f(x)=12;"), (Words{"f", "(", "x", ")", "=", "1", "2", ";"}));
}

TEST(PreTokenizer, InvalidUtf8BytesAreSymbolsAndNothingIsLost) {
  const std::string text = "ab\xFF"
                           "cd \xC3 e\xE2\x82";
  EXPECT_EQ(split(PreTokenizerKind::Gpt2, "ab\xFF"
                                          "cd"),
            (Words{"ab", "\xFF", "cd"}));
  for (const auto kind : kAllKinds) {
    std::string joined;
    for (const auto& w : split(kind, text)) {
      EXPECT_FALSE(w.empty());
      joined += w;
    }
    EXPECT_EQ(joined, text);
  }
}

TEST(PreTokenizer, RandomBytesAndLongRunsLoseNothing) {
  // Hostile text: random bytes, then long runs of one class (each expression
  // must stay linear in them; a quadratic one would not finish).
  std::mt19937 rng(16);
  std::uniform_int_distribution<int> byte(0, 255);
  std::vector<std::string> texts;
  for (int n = 0; n < 100; ++n) {
    std::string text(1 + n, '\0');
    for (char& b : text) {
      b = static_cast<char>(byte(rng));
    }
    texts.push_back(text);
  }
  const size_t longRun = size_t{1} << 17;
  texts.push_back(std::string(longRun, ' ') + "x");
  texts.push_back("x" + std::string(longRun, ' '));
  texts.push_back(std::string(longRun, '1') + "a");
  texts.push_back(std::string(longRun, 'A') + ".");
  std::string alternating;
  for (size_t k = 0; k < longRun; ++k) {
    alternating += (k % 2 == 0) ? " 1" : "\t";
  }
  texts.push_back(alternating + "  ");
  for (const auto kind : kAllKinds) {
    for (const auto& text : texts) {
      std::vector<std::string_view> words;
      ws::core::preTokenize(kind, text, words);
      size_t at = 0;
      for (const auto w : words) {
        ASSERT_FALSE(w.empty());
        ASSERT_EQ(w.data(), text.data() + at); // in order, no gaps, no overlaps
        at += w.size();
      }
      EXPECT_EQ(at, text.size());
    }
  }
}

} // namespace
