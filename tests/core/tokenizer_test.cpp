// Tokenizer behaviour on small hand-made vocabularies, where every expected
// id follows from the rules by hand, and the GGUF loading.
#include "core/bpe_tokenizer.h"
#include "core/format_error.h"
#include "core/gguf.h"
#include "core/gguf_writer.h"
#include "core/tokenizer.h"
#include "core/unicode.h"
#include "tests/test_paths.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <stdexcept>

namespace {

using ws::core::Tokenizer;
using ws::core::TokenizerVocab;
using ws::core::TokenType;
using Ids = std::vector<int32_t>;

std::string byteLevel(std::string_view bytes) {
  std::string text;
  for (const char b : bytes) {
    ws::core::unicode::appendUtf8(text,
                                  ws::core::byteToByteLevelCodepoint(static_cast<uint8_t>(b)));
  }
  return text;
}

// Ids 0..255 are the bytes; the extra tokens (byte-level text) follow.
TokenizerVocab byteLevelVocab(const std::vector<std::string>& extra,
                              const std::vector<std::string>& merges) {
  TokenizerVocab v;
  v.model = "gpt2";
  v.pre = "gpt-2";
  for (int b = 0; b < 256; ++b) {
    v.tokens.push_back(byteLevel(std::string(1, static_cast<char>(b))));
  }
  for (const auto& t : extra) {
    v.tokens.push_back(t);
  }
  v.tokenTypes.assign(v.tokens.size(), static_cast<int32_t>(TokenType::Normal));
  v.merges = merges;
  return v;
}

TEST(ByteLevelMapping, PrintableBytesStayAndOthersShift) {
  EXPECT_EQ(ws::core::byteToByteLevelCodepoint('a'), static_cast<uint32_t>('a'));
  EXPECT_EQ(ws::core::byteToByteLevelCodepoint(' '), 0x120u);  // 'Ġ'
  EXPECT_EQ(ws::core::byteToByteLevelCodepoint('\n'), 0x10Au); // 'Ċ'
  for (int b = 0; b < 256; ++b) {
    EXPECT_EQ(ws::core::byteLevelCodepointToByte(
                  ws::core::byteToByteLevelCodepoint(static_cast<uint8_t>(b))),
              b);
  }
  EXPECT_EQ(ws::core::decodeByteLevel("\xC4\xA0world\xC4\x8A"), " world\n");
}

TEST(BpeTokenizer, MergesApplyByRankNotByPosition) {
  // "abc": with "b c" ranked first, "a b" can no longer apply.
  auto first = Tokenizer::create(byteLevelVocab({"ab", "bc", "abc"}, {"b c", "a b", "ab c"}));
  EXPECT_EQ(first->encode("abc"), (Ids{'a', 257}));
  auto second = Tokenizer::create(byteLevelVocab({"ab", "bc", "abc"}, {"a b", "b c", "ab c"}));
  EXPECT_EQ(second->encode("abc"), (Ids{258}));
  // Equal ranks resolve leftmost first: "aaa" -> "aa" "a".
  auto repeat = Tokenizer::create(byteLevelVocab({"aa"}, {"a a"}));
  EXPECT_EQ(repeat->encode("aaa"), (Ids{256, 'a'}));
  EXPECT_EQ(repeat->encode("aaaa"), (Ids{256, 256}));
}

TEST(BpeTokenizer, MergesStayInsideWordsAndSpacesAreBytes) {
  auto t =
      Tokenizer::create(byteLevelVocab({byteLevel(" a"), "ab", byteLevel(" ab")},
                                       {byteLevel(" ") + " a", "a b", byteLevel(" a") + " b"}));
  // "ab ab" -> words "ab", " ab".
  EXPECT_EQ(t->encode("ab ab"), (Ids{257, 258}));
  EXPECT_EQ(t->tokenToPiece(258), " ab");
  EXPECT_EQ(t->decode(Ids{257, 258}), "ab ab");
}

TEST(BpeTokenizer, IgnoreMergesEmitsWholeWordTokens) {
  // The merges alone would give "ab" "c"; Llama 3 takes the word "abc" whole.
  auto v = byteLevelVocab({"ab", "abc"}, {"a b"});
  v.pre = "llama-bpe";
  EXPECT_EQ(Tokenizer::create(v)->encode("abc"), (Ids{257}));
  v.pre = "dbrx"; // same expression, no ignore_merges
  EXPECT_EQ(Tokenizer::create(v)->encode("abc"), (Ids{256, 'c'}));
}

TEST(BpeTokenizer, WordsComeFromTheNamedPreTokenizer) {
  // GPT-2 cuts "don't" into "don" "'t"; gpt-4o keeps the contraction in the word.
  auto v = byteLevelVocab({"do", "don", "'t", "don't"}, {"d o", "do n", "' t", "don 't"});
  EXPECT_EQ(Tokenizer::create(v)->encode("don't"), (Ids{257, 258}));
  v.pre = "gpt-4o";
  EXPECT_EQ(Tokenizer::create(v)->encode("don't"), (Ids{259}));
}

TEST(BpeTokenizer, SpecialTokensControlOnlyWhenParsedUserDefinedAlways) {
  auto v = byteLevelVocab({"<|end|>", "<tool>"}, {});
  v.tokenTypes[256] = static_cast<int32_t>(TokenType::Control);
  v.tokenTypes[257] = static_cast<int32_t>(TokenType::UserDefined);
  v.eos = 256;
  auto t = Tokenizer::create(v);
  EXPECT_EQ(t->encode("a<|end|>", false, true), (Ids{'a', 256}));
  const Ids plain = t->encode("a<|end|>");
  EXPECT_EQ(std::count(plain.begin(), plain.end(), 256), 0);
  EXPECT_EQ(t->decode(plain), "a<|end|>");
  EXPECT_EQ(t->encode("x<tool>y"), (Ids{'x', 257, 'y'}));
  EXPECT_TRUE(t->isControl(256));
  EXPECT_FALSE(t->isControl(257));
  // Control tokens are dropped by decode unless asked for.
  EXPECT_EQ(t->decode(Ids{'a', 256}), "a");
  EXPECT_EQ(t->decode(Ids{'a', 256}, true), "a<|end|>");
  EXPECT_EQ(t->tokenToPiece(256), "<|end|>");
}

TEST(BpeTokenizer, AddSpecialFollowsTheVocabulary) {
  auto v = byteLevelVocab({"<s>", "</s>"}, {});
  v.bos = 256;
  v.eos = 257;
  v.addBos = true;
  v.addEos = true;
  auto t = Tokenizer::create(v);
  EXPECT_EQ(t->encode("a", true), (Ids{256, 'a', 257}));
  EXPECT_EQ(t->encode("", true), (Ids{256, 257}));
  EXPECT_EQ(t->encode("a"), (Ids{'a'}));
  EXPECT_EQ(t->bos(), 256);
  EXPECT_EQ(t->eos(), 257);
  EXPECT_EQ(t->vocabSize(), 258u);
}

// A SentencePiece vocabulary: <unk>, <s>, </s>, then the pieces with scores.
TokenizerVocab sentencePieceVocab(const std::vector<std::pair<std::string, float>>& pieces,
                                  bool byteFallback) {
  TokenizerVocab v;
  v.model = "llama";
  v.tokens = {"<unk>", "<s>", "</s>"};
  v.tokenTypes = {static_cast<int32_t>(TokenType::Unknown),
                  static_cast<int32_t>(TokenType::Control),
                  static_cast<int32_t>(TokenType::Control)};
  v.scores = {0, 0, 0};
  if (byteFallback) {
    for (int b = 0; b < 256; ++b) {
      char name[8];
      std::snprintf(name, sizeof name, "<0x%02X>", b);
      v.tokens.push_back(name);
      v.tokenTypes.push_back(static_cast<int32_t>(TokenType::Byte));
      v.scores.push_back(0);
    }
  }
  for (const auto& [text, score] : pieces) {
    v.tokens.push_back(text);
    v.tokenTypes.push_back(static_cast<int32_t>(TokenType::Normal));
    v.scores.push_back(score);
  }
  v.unk = 0;
  v.bos = 1;
  v.eos = 2;
  v.addBos = true;
  v.addSpacePrefix = true;
  return v;
}

TEST(SpmTokenizer, HighestScoringMergeWins) {
  const std::string sp = "\xE2\x96\x81";
  // ids: 3 ▁, 4 a, 5 b, 6 c, 7 ab, 8 bc, 9 ▁a
  auto t = Tokenizer::create(sentencePieceVocab(
      {{sp, -1}, {"a", -1}, {"b", -1}, {"c", -1}, {"ab", -5}, {"bc", -2}, {sp + "a", -3}}, false));
  // "▁abc": bc (-2) first, then ▁a (-3); "ab" is no longer possible.
  EXPECT_EQ(t->encode("abc"), (Ids{9, 8}));
  EXPECT_EQ(t->encode("abc", true), (Ids{1, 9, 8}));
  EXPECT_EQ(t->decode(Ids{9, 8}), "abc");
  EXPECT_EQ(t->decode(Ids{1, 9, 8}), "abc");
  EXPECT_EQ(t->tokenToPiece(9), " a");
  // Unknown characters without byte fallback become <unk>.
  EXPECT_EQ(t->encode("a\xC3\xA9"), (Ids{9, 0}));
}

TEST(SpmTokenizer, ByteFallbackAndSpacePrefix) {
  const std::string sp = "\xE2\x96\x81";
  auto v = sentencePieceVocab({{sp, -1}, {"x", -1}, {sp + "x", -2}}, true);
  auto t = Tokenizer::create(v);
  const int32_t spaceX = 261;
  EXPECT_EQ(t->findToken(sp + "x"), spaceX);
  // é has no piece: its two bytes fall back to <0xC3> <0xA9> (ids 3 + byte).
  EXPECT_EQ(t->encode("x\xC3\xA9"), (Ids{spaceX, 3 + 0xC3, 3 + 0xA9}));
  EXPECT_EQ(t->tokenToPiece(3 + 0x0A), "\n");
  EXPECT_EQ(t->decode(t->encode("x\xC3\xA9 x")), "x\xC3\xA9 x");
  v.addSpacePrefix = false;
  auto noPrefix = Tokenizer::create(v);
  EXPECT_EQ(noPrefix->encode("x"), (Ids{260}));
  EXPECT_EQ(noPrefix->decode(Ids{spaceX}), " x");
}

TEST(TokenizerCreate, RejectsUnusableVocabularies) {
  auto v = byteLevelVocab({}, {});
  auto expectInvalid = [](TokenizerVocab bad, const std::string& fragment) {
    try {
      Tokenizer::create(std::move(bad));
      ADD_FAILURE() << "accepted a vocabulary that should fail with: " << fragment;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  auto bad = v;
  bad.model = "bert";
  expectInvalid(bad, "unsupported tokenizer model 'bert'");
  bad = v;
  bad.pre = "no-such-pre";
  expectInvalid(bad, "unknown pre-tokenizer");
  bad = v;
  bad.merges = {"abc"};
  expectInvalid(bad, "merge 0");
  bad = v;
  bad.scores = {1.0f};
  expectInvalid(bad, "scores");
  bad = v;
  bad.scores.assign(bad.tokens.size(), 0.0f);
  bad.scores[3] = std::nanf("");
  expectInvalid(bad, "score of token 3");
  bad = v;
  bad.bos = 9999;
  expectInvalid(bad, "BOS token id 9999");
  bad = v;
  bad.tokens.clear();
  bad.tokenTypes.clear();
  expectInvalid(bad, "empty");
}

TEST(Tokenizer, OutOfRangeIdsThrow) {
  auto t = Tokenizer::create(byteLevelVocab({}, {}));
  EXPECT_THROW(t->tokenToPiece(256), std::out_of_range);
  EXPECT_THROW(t->tokenToPiece(-1), std::out_of_range);
  EXPECT_THROW(t->decode(Ids{1, 300}), std::out_of_range);
  ws::core::StreamingDecoder stream(*t);
  EXPECT_THROW(stream.push(1000), std::out_of_range);
}

std::filesystem::path writeVocabGguf(const std::string& name,
                                     const std::function<void(ws::core::GgufWriter&)>& fill) {
  ws::core::GgufWriter w;
  w.setString("general.architecture", "llama");
  fill(w);
  const auto path = ws::test::outputDir() / name;
  w.write(path);
  return path;
}

TEST(VocabFromGguf, ReadsKeysAndAppliesSentencePieceDefaults) {
  const auto path = writeVocabGguf("tok_spm_defaults.gguf", [](ws::core::GgufWriter& w) {
    w.setString("tokenizer.ggml.model", "llama");
    w.setStringArray("tokenizer.ggml.tokens", {"<unk>", "<s>", "</s>", "\xE2\x96\x81x"});
    w.setFloat32Array("tokenizer.ggml.scores", {0, 0, 0, -1});
    w.setInt32Array("tokenizer.ggml.token_type", {2, 3, 3, 1});
  });
  const auto file = ws::core::GgufFile::open(path);
  const TokenizerVocab v = ws::core::vocabFromGguf(file);
  EXPECT_EQ(v.model, "llama");
  EXPECT_EQ(v.tokens.size(), 4u);
  EXPECT_EQ(v.unk, 0);
  EXPECT_EQ(v.bos, 1);
  EXPECT_EQ(v.eos, 2);
  EXPECT_EQ(v.pad, -1);
  EXPECT_TRUE(v.addBos);
  EXPECT_FALSE(v.addEos);
  EXPECT_TRUE(v.addSpacePrefix);
  const auto t = Tokenizer::fromGguf(file);
  EXPECT_EQ(t->encode("x", true), (Ids{1, 3}));
}

TEST(VocabFromGguf, AddBosDefaultsFollowLlamaCppPerPreTokenizer) {
  auto addBos = [](const std::string& pre) {
    const auto path = writeVocabGguf("tok_bos_" + pre + ".gguf", [&](ws::core::GgufWriter& w) {
      w.setString("tokenizer.ggml.model", "gpt2");
      w.setString("tokenizer.ggml.pre", pre);
      w.setStringArray("tokenizer.ggml.tokens", {"a", "b"});
    });
    return ws::core::vocabFromGguf(ws::core::GgufFile::open(path)).addBos;
  };
  EXPECT_TRUE(addBos("llama-bpe"));
  EXPECT_TRUE(addBos("tekken"));
  EXPECT_FALSE(addBos("gpt-4o"));
  EXPECT_FALSE(addBos("glm4"));
  EXPECT_FALSE(addBos("qwen2"));
}

TEST(VocabFromGguf, BadMetadataIsAFormatErrorNamingTheFile) {
  auto expectFormatError = [](const std::string& name, const std::string& fragment,
                              const std::function<void(ws::core::GgufWriter&)>& fill) {
    const auto path = writeVocabGguf(name, fill);
    try {
      const auto file = ws::core::GgufFile::open(path);
      Tokenizer::fromGguf(file);
      ADD_FAILURE() << name << " was accepted";
    } catch (const ws::core::FormatError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(name), std::string::npos) << what;
      EXPECT_NE(what.find(fragment), std::string::npos) << what;
      EXPECT_EQ(what.find('\n'), std::string::npos) << what; // one line
    }
  };
  expectFormatError("tok_none.gguf", "no tokenizer", [](auto&) {});
  expectFormatError("tok_bert.gguf", "unsupported tokenizer.ggml.model 'bert'", [](auto& w) {
    w.setString("tokenizer.ggml.model", "bert");
    w.setStringArray("tokenizer.ggml.tokens", {"a"});
  });
  expectFormatError("tok_types.gguf", "token_type has 1 entries", [](auto& w) {
    w.setString("tokenizer.ggml.model", "llama");
    w.setStringArray("tokenizer.ggml.tokens", {"a", "b"});
    w.setInt32Array("tokenizer.ggml.token_type", {1});
  });
  expectFormatError("tok_bos.gguf", "bos_token_id = 7", [](auto& w) {
    w.setString("tokenizer.ggml.model", "gpt2");
    w.setStringArray("tokenizer.ggml.tokens", {"a", "b"});
    w.setUInt32("tokenizer.ggml.bos_token_id", 7);
  });
  expectFormatError("tok_pre.gguf", "unknown pre-tokenizer tokenizer.ggml.pre = 'martian'",
                    [](auto& w) {
                      w.setString("tokenizer.ggml.model", "gpt2");
                      w.setString("tokenizer.ggml.pre", "martian");
                      w.setStringArray("tokenizer.ggml.tokens", {"a", "b"});
                    });
}

} // namespace
