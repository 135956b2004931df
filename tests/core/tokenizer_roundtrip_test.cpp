// Decoding on the conformance vocabularies: decode(encode(x)) == x, streaming
// decode equals decode, and hostile input (invalid UTF-8, random bytes) keeps
// both properties without crashing.
#include "core/bpe_tokenizer.h"
#include "core/unicode.h"
#include "tests/core/tokenizer_test_support.h"

#include <gtest/gtest.h>

#include <random>

namespace {

using ws::core::StreamingDecoder;
using ws::core::Tokenizer;

const std::vector<std::string> kFamilies = {"gpt-2",     "deepseek-coder", "starcoder",
                                            "llama-bpe", "qwen2",          "llama-spm"};

const std::string kSource = "def add(a, b):\n    \"\"\"Sum two numbers.\"\"\"\n"
                            "    return a + b  # 😀 中文 Ünïcödé\n\n\tprint(add(1, 2))\n";

// Streams ids through a StreamingDecoder; checks each piece it gives out is
// valid UTF-8 when the full text is, and returns the concatenation.
std::string streamed(const Tokenizer& t, const std::vector<int32_t>& ids, bool validText) {
  StreamingDecoder stream(t);
  std::string text;
  for (const int32_t id : ids) {
    const std::string piece = stream.push(id);
    if (validText) {
      EXPECT_TRUE(ws::core::unicode::isValidUtf8(piece)) << "piece after id " << id;
    }
    text += piece;
  }
  return text + stream.flush();
}

TEST(TokenizerRoundTrip, DecodeOfEncodeIsTheTextForEveryFamily) {
  for (const auto& family : kFamilies) {
    const Tokenizer& t = ws::test::conformanceTokenizer(family);
    auto cases = ws::test::readTokenizerCases(family);
    cases.push_back({kSource, {}});
    for (const auto& c : cases) {
      const auto ids = t.encode(c.text);
      EXPECT_EQ(t.decode(ids), c.text) << family;
      EXPECT_EQ(streamed(t, ids, true), c.text) << family;
      // With BOS/EOS added, decode skips them.
      EXPECT_EQ(t.decode(t.encode(c.text, true)), c.text) << family;
    }
  }
}

TEST(TokenizerRoundTrip, StreamingHoldsBackSplitCharacters) {
  const Tokenizer& t = ws::test::conformanceTokenizer("llama-spm");
  // 🦙 has no piece in the Llama 2 vocabulary: four <0xNN> byte tokens.
  const std::string llama = "\xF0\x9F\xA6\x99";
  const auto ids = t.encode(llama);
  ASSERT_EQ(ids.size(), 5u); // "▁" then the four bytes
  StreamingDecoder stream(t);
  EXPECT_EQ(stream.push(ids[0]), ""); // the leading space is removed
  EXPECT_EQ(stream.push(ids[1]), "");
  EXPECT_EQ(stream.push(ids[2]), "");
  EXPECT_EQ(stream.push(ids[3]), "");
  EXPECT_EQ(stream.push(ids[4]), llama);
  EXPECT_EQ(stream.flush(), "");

  // Continuing after a prompt keeps the space of the first piece.
  StreamingDecoder continuation(t, false);
  EXPECT_EQ(continuation.push(t.encode("Hello")[0]), " Hello");
}

TEST(TokenizerRoundTrip, StreamingByteLevelCjkAndFlush) {
  const Tokenizer& t = ws::test::conformanceTokenizer("gpt-2");
  const std::string text = "\xE4\xB8\xAD\xE6\x96\x87 \xF0\x9F\x98\x80"; // 中文 😀
  const auto ids = t.encode(text);
  ASSERT_GT(ids.size(), 3u); // GPT-2 has no token for these characters
  EXPECT_EQ(streamed(t, ids, true), text);
  // An incomplete character is held until flush.
  StreamingDecoder stream(t);
  std::string got;
  for (const int32_t id : t.encode("a\xE4\xB8")) {
    got += stream.push(id);
  }
  EXPECT_EQ(got, "a");
  EXPECT_EQ(stream.flush(), "\xE4\xB8");
}

TEST(TokenizerRoundTrip, ControlTokensStreamToNothing) {
  const Tokenizer& t = ws::test::conformanceTokenizer("qwen2");
  const int32_t imEnd = t.findToken("<|im_end|>");
  ASSERT_GE(imEnd, 0);
  StreamingDecoder stream(t);
  EXPECT_EQ(stream.push(imEnd), "");
  EXPECT_EQ(t.encode("<|im_end|>", false, true), (std::vector<int32_t>{imEnd}));
  const auto plain = t.encode("<|im_end|>");
  EXPECT_GT(plain.size(), 1u);
  EXPECT_EQ(t.decode(plain), "<|im_end|>");
  EXPECT_TRUE(t.isEndOfGeneration(imEnd));
  EXPECT_TRUE(t.isEndOfGeneration(t.eos()));
  EXPECT_TRUE(t.isEndOfGeneration(t.findToken("<|endoftext|>")));
  EXPECT_FALSE(t.isEndOfGeneration(t.findToken("<|im_start|>")));
  EXPECT_FALSE(t.isEndOfGeneration(t.findToken("<think>")));
  // USER_DEFINED tokens are split out even without parseSpecial.
  EXPECT_EQ(t.encode("<think>"), (std::vector<int32_t>{t.findToken("<think>")}));
}

// What decode(encode(text)) gives: text, with each byte the vocabulary has no
// token for replaced by U+FFFD.
std::string expectedRoundTrip(const Tokenizer& t, const std::string& text) {
  std::string expected;
  for (const char ch : text) {
    const auto byte = static_cast<uint8_t>(ch);
    std::string name;
    if (t.vocab().model == "llama") {
      char buffer[8];
      std::snprintf(buffer, sizeof buffer, "<0x%02X>", byte);
      name = buffer;
    } else {
      ws::core::unicode::appendUtf8(name, ws::core::byteToByteLevelCodepoint(byte));
    }
    const int32_t id = t.findToken(name);
    const bool known = id >= 0 && (t.tokenType(id) == ws::core::TokenType::Normal ||
                                   t.tokenType(id) == ws::core::TokenType::Byte);
    expected += known ? std::string(1, ch) : std::string("\xEF\xBF\xBD");
  }
  return expected;
}

TEST(TokenizerHostileInput, InvalidUtf8RoundTripsAsRawBytes) {
  const std::vector<std::string> hostile = {"\xFF",
                                            "\xC3",
                                            "abc\x80\x80xyz",
                                            "\xED\xA0\x80 surrogate",
                                            "\xF4\x90\x80\x80",
                                            "\xE2\x82 \xE2",
                                            std::string("nul\0byte", 8),
                                            "\xC0\xAF overlong"};
  for (const auto& family : kFamilies) {
    const Tokenizer& t = ws::test::conformanceTokenizer(family);
    for (const auto& text : hostile) {
      const auto ids = t.encode(text, true, true);
      EXPECT_EQ(t.decode(ids), expectedRoundTrip(t, text)) << family;
      EXPECT_EQ(streamed(t, ids, false), expectedRoundTrip(t, text)) << family;
    }
  }
}

TEST(TokenizerHostileInput, RandomBytesNeverCrashAndRoundTrip) {
  std::mt19937 rng(1234);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> length(0, 48);
  for (const auto& family : kFamilies) {
    const Tokenizer& t = ws::test::conformanceTokenizer(family);
    for (int i = 0; i < 60; ++i) {
      std::string text(static_cast<size_t>(length(rng)), '\0');
      for (char& ch : text) {
        ch = static_cast<char>(byte(rng));
      }
      const auto ids = t.encode(text, false, true);
      for (const int32_t id : ids) {
        ASSERT_LT(static_cast<size_t>(id), t.vocabSize());
      }
      EXPECT_EQ(t.decode(ids), expectedRoundTrip(t, text)) << family << " sample " << i;
    }
  }
}

// The shared reference model's prompt ids (from llama.cpp) decode to a
// Python function that encodes back to the same ids.
TEST(TokenizerRoundTrip, ReferenceModelPromptReEncodes) {
  const auto json = ws::test::readWholeFile(ws::test::testdataDir() / "models" /
                                            "tiny-random-llama.reference.json");
  const size_t key = json.find("\"ids\"");
  ASSERT_NE(key, std::string::npos);
  const size_t open = json.find('[', key);
  const size_t close = json.find(']', open);
  std::vector<int32_t> ids;
  std::istringstream list(json.substr(open + 1, close - open - 1));
  for (std::string item; std::getline(list, item, ',');) {
    ids.push_back(std::stoi(item));
  }
  ASSERT_GT(ids.size(), 5u);
  const auto file =
      ws::core::GgufFile::open(ws::test::testdataDir() / "models" / "tiny-random-llama-f32.gguf");
  const auto t = Tokenizer::fromGguf(file);
  const std::string text = t->decode(ids);
  EXPECT_NE(text.find("def "), std::string::npos) << text;
  EXPECT_EQ(t->encode(text, ids.front() == t->bos()), ids) << text;
}

} // namespace
