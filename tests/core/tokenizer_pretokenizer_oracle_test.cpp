// The hand-coded pre-tokenizers against the expressions they stand for, run
// the way llama.cpp runs them (unicode_regex_split): with std::regex over text
// in which every character above U+007F is replaced by one byte for its
// category, when the expression uses \p{..}; else with std::wregex over the
// code points, non-ASCII whitespace replaced by U+000B. Expressions apply in
// sequence to the pieces of the previous one, text between matches stays a
// piece. The expressions are those of llama.cpp's llama-vocab.cpp; where
// llama.cpp runs hand-written code instead (GPT-2), the expression that code
// states. Random strings over characters chosen to exercise every class.
#include "core/pretokenizer.h"
#include "core/unicode.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <regex>
#include <string>
#include <vector>

namespace {

using ws::core::PreTokenizerKind;
namespace unicode = ws::core::unicode;

enum class Mode { Collapsed, Wide };

struct Expression {
  Mode mode;
  std::wstring text; // the expression (ASCII only when Collapsed)
};

std::vector<uint32_t> codepoints(const std::string& text) {
  std::vector<uint32_t> cps;
  for (size_t pos = 0; pos < text.size();) {
    const auto u = unicode::decodeUtf8(text, pos);
    cps.push_back(u.valid ? u.cp : 0xFFFD);
    pos += u.length;
  }
  return cps;
}

// One byte per category, as llama.cpp's collapsed text has it.
char categoryByte(uint32_t cp) {
  if (cp < 0x80) {
    return static_cast<char>(cp);
  }
  const uint8_t flags = unicode::codepointFlags(cp);
  if (flags & unicode::kWhitespace) {
    return '\x0B';
  }
  if (flags & unicode::kNumber) {
    return '\xD1';
  }
  if (flags & unicode::kLetter) {
    return '\xD2';
  }
  if (flags & unicode::kPunctuation) {
    return '\xD3';
  }
  if (flags & unicode::kMark) {
    return '\xD4';
  }
  if (flags & unicode::kSymbol) {
    return '\xD5';
  }
  return '\xD0';
}

// \p{..} becomes its byte plus its ASCII members (llama.cpp's lists: \p{S}
// has no '~'), in brackets unless already inside a class.
std::string collapsedExpression(const std::wstring& expression) {
  const std::vector<std::pair<std::string, std::string>> classes = {
      {"\\p{N}", "\xD1"
                 "0-9"},
      {"\\p{L}", "\xD2"
                 "A-Za-z"},
      {"\\p{P}", "\xD3"
                 "!-#%-*,-/:-;?-@\\[-\\]_\\{\\}"},
      {"\\p{Lu}", "\xD2"
                  "A-Za-z"},
      {"\\p{Ll}", "\xD2"
                  "A-Za-z"},
      {"\\p{Lt}", "\xD2"
                  "A-Za-z"},
      {"\\p{Lm}", "\xD2"
                  "A-Za-z"},
      {"\\p{Lo}", "\xD2"
                  "A-Za-z"},
      {"\\p{M}", "\xD4"},
      {"\\p{S}", "\xD5"
                 "\\$\\+<->\\^`\\|"},
  };
  const std::string ascii(expression.begin(), expression.end());
  std::string out;
  bool inside = false;
  for (size_t i = 0; i < ascii.size(); ++i) {
    if (ascii[i] == '\\' && i + 1 < ascii.size() && ascii[i + 1] != 'p') {
      out += ascii.substr(i, 2);
      ++i;
      continue;
    }
    if (ascii[i] == '[') {
      inside = true;
    } else if (ascii[i] == ']') {
      inside = false;
    }
    bool replaced = false;
    for (const auto& [name, members] : classes) {
      if (ascii.compare(i, name.size(), name) == 0) {
        out += inside ? members : "[" + members + "]";
        i += name.size() - 1;
        replaced = true;
        break;
      }
    }
    if (!replaced) {
      out += ascii[i];
    }
  }
  return out;
}

template <typename Char>
std::vector<size_t> splitPieces(const std::basic_string<Char>& text,
                                const std::basic_regex<Char>& re,
                                const std::vector<size_t>& pieces) {
  std::vector<size_t> out;
  size_t start = 0;
  for (const size_t length : pieces) {
    const Char* first = text.data() + start;
    size_t done = 0;
    for (std::regex_iterator<const Char*> it(first, first + length, re), stop; it != stop; ++it) {
      const auto position = static_cast<size_t>(it->position());
      if (position > done) {
        out.push_back(position - done);
      }
      out.push_back(static_cast<size_t>(it->length()));
      done = position + static_cast<size_t>(it->length());
    }
    if (done < length) {
      out.push_back(length - done);
    }
    start += length;
  }
  return out;
}

std::vector<std::string> oracleSplit(const std::vector<Expression>& expressions,
                                     const std::string& text) {
  const auto cps = codepoints(text);
  std::string narrow;
  std::wstring wide;
  for (const uint32_t cp : cps) {
    narrow += categoryByte(cp);
    const bool space = cp >= 0x80 && (unicode::codepointFlags(cp) & unicode::kWhitespace);
    wide += static_cast<wchar_t>(space ? 0x0B : cp);
  }
  std::vector<size_t> pieces = {cps.size()};
  for (const auto& e : expressions) {
    if (e.mode == Mode::Collapsed) {
      pieces = splitPieces(narrow, std::regex(collapsedExpression(e.text)), pieces);
    } else {
      pieces = splitPieces(wide, std::wregex(e.text), pieces);
    }
  }
  // Byte ranges of the pieces; empty ones (matches of a lookahead) hold no text.
  std::vector<size_t> offsets;
  for (size_t pos = 0; pos < text.size();) {
    offsets.push_back(pos);
    pos += unicode::decodeUtf8(text, pos).length;
  }
  offsets.push_back(text.size());
  std::vector<std::string> words;
  size_t at = 0;
  for (const size_t length : pieces) {
    if (length > 0) {
      words.push_back(text.substr(offsets[at], offsets[at + length] - offsets[at]));
    }
    at += length;
  }
  return words;
}

// Pieces as code points in hex, so that invisible characters show.
std::string shown(const std::vector<std::string>& words) {
  std::string out;
  char hex[16];
  for (const auto& w : words) {
    out += "[";
    for (const uint32_t cp : codepoints(w)) {
      std::snprintf(hex, sizeof hex, out.back() == '[' ? "%X" : " %X", cp);
      out += hex;
    }
    out += "]";
  }
  return out;
}

std::vector<std::string> handCodedSplit(PreTokenizerKind kind, const std::string& text) {
  std::vector<std::string_view> views;
  ws::core::preTokenize(kind, text, views);
  return {views.begin(), views.end()};
}

// Characters the random strings are made of: ASCII of every class, cased and
// uncased letters outside ASCII, marks, numbers, CJK, whitespace, symbols,
// format and unassigned characters, and an invalid byte.
const std::vector<std::string>& alphabet() {
  static const std::vector<std::string> chars = {
      "a",
      "b",
      "s",
      "t",
      "l",
      "e",
      "d",
      "r",
      "v",
      "m",
      "S",
      "T",
      "L",
      "E",
      "D",
      "R",
      "M",
      "A",
      "Z",
      "x",
      "X",
      "1",
      "2",
      "3",
      "0",
      "9",
      " ",
      " ",
      " ",
      "\t",
      "\n",
      "\n",
      "\r",
      "\x0B",
      "'",
      "'",
      ".",
      ",",
      "!",
      "?",
      "(",
      ")",
      "|",
      "/",
      "_",
      "-",
      "~",
      "$",
      "+",
      "=",
      "^",
      "`",
      "@",
      "#",
      "\"",
      "{",
      "}",
      "[",
      "]",
      "\\",
      ":",
      ";",
      "<",
      ">",
      "*",
      "&",
      "%",
      "\xC3\xA9",         // é (Ll)
      "\xC3\x89",         // É (Lu)
      "\xC7\x85",         // ǅ (Lt)
      "\xCA\xB0",         // ʰ (Lm)
      "\xC2\xB5",         // µ
      "\xC5\xBF",         // ſ
      "\xCC\x81",         // combining acute (Mn)
      "\xE0\xA4\xBF",     // Devanagari vowel sign i (Mc)
      "\xD9\xA3",         // Arabic-Indic three (Nd)
      "\xC2\xBD",         // ½ (No)
      "\xE2\x85\xAB",     // Ⅻ (Nl)
      "\xEF\xBC\x93",     // fullwidth 3
      "\xE4\xB8\xAD",     // 中
      "\xE9\xBE\xA5",     // 龥 (U+9FA5)
      "\xE9\xBF\xBF",     // U+9FFF
      "\xE3\x81\x82",     // あ
      "\xE3\x82\xA2",     // ア
      "\xED\x95\x9C",     // 한
      "\xE0\xA0\x80",     // U+0800
      "\xE2\x84\xA6",     // Ω ohm sign
      "\xE2\x84\xAA",     // Kelvin sign
      "\xEF\xBD\x93",     // fullwidth s
      "\xEF\xBC\x81",     // ！
      "\xE2\x80\xA6",     // …
      "\xE3\x80\x82",     // 。
      "\xEF\xBC\x8C",     // ，
      "\xE3\x80\x81",     // 、
      "\xE0\xA5\xA4",     // ।
      "\xE2\x80\x9C",     // “
      "\xC2\xAB",         // «
      "\xE2\x82\xAC",     // €
      "\xC2\xA0",         // no-break space
      "\xE3\x80\x80",     // ideographic space
      "\xE2\x80\xA8",     // line separator
      "\xC2\x85",         // next line
      "\xE2\x80\x8B",     // zero width space (Cf)
      "\xCD\xB8",         // unassigned U+0378
      "\xF0\x9F\x98\x80", // 😀
      "\xF0\xA0\x80\x80", // U+20000 (Han, Lo)
      "\xFF",             // invalid
  };
  return chars;
}

void expectSameAsOracle(PreTokenizerKind kind, const std::vector<Expression>& expressions,
                        const std::vector<std::string>& fixed) {
  std::vector<std::string> texts = fixed;
  std::mt19937 rng(1234);
  const auto& chars = alphabet();
  std::uniform_int_distribution<size_t> pick(0, chars.size() - 1);
  std::uniform_int_distribution<size_t> length(1, 24);
  for (int n = 0; n < 800; ++n) {
    std::string text;
    for (size_t k = length(rng); k > 0; --k) {
      text += chars[pick(rng)];
    }
    texts.push_back(text);
  }
  int failures = 0;
  for (const auto& text : texts) {
    const auto expected = oracleSplit(expressions, text);
    const auto actual = handCodedSplit(kind, text);
    if (actual != expected && ++failures <= 5) {
      ADD_FAILURE() << "text [" << text << "]\n expected " << shown(expected) << "\n got      "
                    << shown(actual);
    }
  }
  EXPECT_EQ(failures, 0);
}

const std::vector<std::string> kFixed = {
    "Hello World, it's 1234567 o'clock!\n\n  x = f(a)  # note\r\n\tEnd   ",
    "HTTPServer getHTTPResponse I'M DON'T isn't",
    "\xC3\x89"
    "COLE \xC3\xA9"
    "cole caf\xC3\xA9 cafe\xCC\x81 \xE4\xB8\xAD\xE6\x96\x87\xE3\x81\x82",
    "   \n\n   a   ",
    "1234567 12345678 123 12 1 \xD9\xA3\xD9\xA3\xD9\xA3\xD9\xA3",
};

Expression collapsed(const std::wstring& text) {
  return {Mode::Collapsed, text};
}
Expression wide(const std::wstring& text) {
  return {Mode::Wide, text};
}

// llama.cpp runs this one as hand-written code that also takes \s+ at the end.
const std::wstring kGpt2 =
    LR"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
const std::wstring kContractions = LR"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD]))";

TEST(PreTokenizerOracle, Default) {
  expectSameAsOracle(PreTokenizerKind::Default,
                     {collapsed(LR"([\p{P}\$\+<=>\^~\|]+)"), collapsed(kGpt2),
                      collapsed(LR"(\p{N}+)"), wide(L"[0-9][0-9][0-9]")},
                     kFixed);
}

TEST(PreTokenizerOracle, Gpt2) {
  expectSameAsOracle(PreTokenizerKind::Gpt2, {collapsed(kGpt2)}, kFixed);
}

TEST(PreTokenizerOracle, Llama3) {
  expectSameAsOracle(
      PreTokenizerKind::Llama3,
      {collapsed(
          kContractions +
          LR"(|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)")},
      kFixed);
}

TEST(PreTokenizerOracle, Qwen2) {
  expectSameAsOracle(
      PreTokenizerKind::Qwen2,
      {collapsed(
          kContractions +
          LR"(|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)")},
      kFixed);
}

TEST(PreTokenizerOracle, BailingMoeIsQwen2) {
  // bailingmoe's own expression, which findPreTokenizer maps to Qwen2.
  expectSameAsOracle(
      PreTokenizerKind::Qwen2,
      {collapsed(
          LR"('(?:[sSdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+)")},
      kFixed);
}

TEST(PreTokenizerOracle, DeepseekCoder) {
  expectSameAsOracle(PreTokenizerKind::DeepseekCoder,
                     {wide(L"[\r\n]"), collapsed(LR"(\s?\p{L}+)"), collapsed(LR"(\s?\p{P}+)"),
                      wide(L"[\u4E00-\u9FA5\u0800-\u4E00\uAC00-\uD7FF]+"), collapsed(LR"(\p{N})")},
                     kFixed);
}

TEST(PreTokenizerOracle, Starcoder) {
  expectSameAsOracle(PreTokenizerKind::Starcoder, {collapsed(LR"(\p{N})"), collapsed(kGpt2)},
                     kFixed);
}

TEST(PreTokenizerOracle, Falcon) {
  expectSameAsOracle(
      PreTokenizerKind::Falcon,
      {collapsed(LR"([\p{P}\$\+<=>\^~\|`]+)"), collapsed(kGpt2), wide(L"[0-9][0-9][0-9]")}, kFixed);
}

TEST(PreTokenizerOracle, DeepseekLlm) {
  const std::wstring letters =
      L"\\s?[A-Za-z\u00B5\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u01BA\u01BC-\u01BF\u01C4-\u0293"
      L"\u0295-\u02AF\u0370-\u0373\u0376\u0377\u037B-\u037D\u037F\u0386\u0388-\u038A\u038C"
      L"\u038E-\u03A1\u03A3-\u03F5\u03F7-\u0481\u048A-\u052F\u0531-\u0556\u10A0-\u10C5"
      L"\u13A0-\u13F5\u13F8-\u13FD\u1C90-\u1CBA\u1CBD-\u1CBF\u1D00-\u1D2B\u1D6B-\u1D77"
      L"\u1D79-\u1D9A\u1E00-\u1F15\u1F18-\u1F1D\u1F20-\u1F45\u1F48-\u1F4D\u1F50-\u1F57\u1F59"
      L"\u1F5B\u1F5D\u1F5F-\u1F7D\u1F80-\u1FB4\u1FB6-\u1FBC\u1FBE\u1FC2-\u1FC4\u1FC6-\u1FCC"
      L"\u1FD0-\u1FD3\u1FD6-\u1FDB\u1FE0-\u1FEC\u1FF2-\u1FF4\u1FF6-\u1FFC\u2102\u2107"
      L"\u210A-\u2113\u2115\u2119-\u211D\u2124\u2126\u2128\u212A-\u212D\u212F-\u2134\u2139"
      L"\u213C-\u213F\u2145-\u2149\u214E\u2183\u2184\u2C00-\u2C7B\u2C7E-\u2CE4\u2CEB-\u2CEE"
      L"\u2CF2\u2CF3\uA640-\uA66D\uA680-\uA69B\uA722-\uA76F\uA771-\uA787\uA78B-\uA78E"
      L"\uAB70-\uABBF\uFB00-\uFB06\uFB13-\uFB17\uFF21-\uFF3A\uFF41-\uFF5A\U00010400-\U0001044F"
      L"\U000104B0-\U000104D3\U000104D8-\U000104FB\U00010C80-\U00010CB2\U00010CC0-\U00010CF2"
      L"\U000118A0-\U000118DF\U0001E900-\U0001E943]+";
  expectSameAsOracle(PreTokenizerKind::DeepseekLlm,
                     {wide(L"[\r\n]"), wide(letters),
                      wide(L"\\s?[!-/:-~\uFF01-\uFF0F\uFF1A-\uFF5E\u2018-\u201F\u3000-\u3002]+"),
                      wide(L"\\s+$"), wide(L"[\u4E00-\u9FA5\u0800-\u4E00\uAC00-\uD7FF]+"),
                      collapsed(LR"(\p{N}+)")},
                     kFixed);
}

TEST(PreTokenizerOracle, DeepseekV3) {
  expectSameAsOracle(
      PreTokenizerKind::DeepseekV3,
      {collapsed(LR"(\p{N}{1,3})"), wide(L"[\u4E00-\u9FA5\u3040-\u309F\u30A0-\u30FF]+"),
       collapsed(
           LR"re([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)re")},
      kFixed);
}

TEST(PreTokenizerOracle, Gpt4o) {
  expectSameAsOracle(
      PreTokenizerKind::Gpt4o,
      {collapsed(
          LR"([^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))*((?=[\p{L}])([^A-Z]))+)" + kContractions +
          LR"(?|[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))+((?=[\p{L}])([^A-Z]))*)" + kContractions +
          LR"(?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)")},
      kFixed);
}

TEST(PreTokenizerOracle, Tekken) {
  expectSameAsOracle(
      PreTokenizerKind::Tekken,
      {collapsed(
          LR"([^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))*((?=[\p{L}])([^A-Z]))+|[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))+((?=[\p{L}])([^A-Z]))*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)")},
      kFixed);
}

TEST(PreTokenizerOracle, Qwen35) {
  expectSameAsOracle(
      PreTokenizerKind::Qwen35,
      {collapsed(
          kContractions +
          LR"(|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)")},
      kFixed);
}

TEST(PreTokenizerOracle, SeedCoder) {
  expectSameAsOracle(
      PreTokenizerKind::SeedCoder,
      {collapsed(
          kContractions +
          LR"(|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1}| ?[^\s\p{L}\p{N}\r\n]+|\s*[\r\n]+|\s+(?!\S)|\s+)")},
      kFixed);
}

const std::wstring kBloom = L" ?[^(\\s|.,!?\u2026\u3002\uFF0C\u3001\u0964\u06D4\u060C)]+";

TEST(PreTokenizerOracle, Bloom) {
  expectSameAsOracle(PreTokenizerKind::Bloom, {wide(kBloom)}, kFixed);
}

TEST(PreTokenizerOracle, Viking) {
  expectSameAsOracle(PreTokenizerKind::Viking, {wide(kBloom), collapsed(LR"(\p{N})")}, kFixed);
}

TEST(PreTokenizerOracle, Superbpe) {
  expectSameAsOracle(PreTokenizerKind::Superbpe,
                     {collapsed(LR"(\p{N}+)"), wide(LR"((?=(\d{3})+(?!\d)))")}, kFixed);
}

TEST(PreTokenizerOracle, Spark25) {
  expectSameAsOracle(
      PreTokenizerKind::Spark25,
      {collapsed(LR"(\p{N}{1,3})"), wide(L"[\u4E00-\u9FA5\u3040-\u309F\u30A0-\u30FF]+"),
       collapsed(
           LR"re([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+|[\r\n]|\s+(?!\S)|\s+)re"),
       collapsed(LR"(\p{N})")},
      kFixed);
}

TEST(PreTokenizerOracle, Jais2) {
  std::vector<std::string> fixed = kFixed;
  for (const size_t n : {3, 4, 5, 7, 8, 9, 16, 17, 40, 64, 65, 300, 600}) {
    fixed.push_back("a" + std::string(n, ' ') + "b");
    fixed.push_back("a" + std::string(n, ' '));
  }
  expectSameAsOracle(
      PreTokenizerKind::Jais2,
      {collapsed(
          kContractions +
          LR"(|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s{512}(?!\S)|\s{256}(?!\S)|\s{128}(?!\S)|\s{64}(?!\S)|\s{32}(?!\S)|\s{16}(?!\S)|\s{8}(?!\S)|\s{4}(?!\S)|\s{1,2}(?!\S)|\s{1})")},
      fixed);
}

TEST(PreTokenizerOracle, MiniCpm5) {
  expectSameAsOracle(
      PreTokenizerKind::MiniCpm5,
      {collapsed(LR"(\p{N}{1,3})"),
       collapsed(
           kContractions +
           LR"(|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}+| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)")},
      kFixed);
}

TEST(PreTokenizerOracle, Ufakzeka) {
  expectSameAsOracle(
      PreTokenizerKind::Ufakzeka,
      {collapsed(
          LR"([^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)")},
      kFixed);
}

TEST(PreTokenizerOracle, Laguna) {
  expectSameAsOracle(
      PreTokenizerKind::Laguna,
      {wide(L"[^\\n]+|[\\n]+"),
       collapsed(
           kContractions +
           LR"(|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)")},
      kFixed);
}

TEST(PreTokenizerOracle, ExaoneMoe) {
  expectSameAsOracle(
      PreTokenizerKind::ExaoneMoe,
      {collapsed(
          kContractions +
          LR"(|[^\r\n\p{L}\p{N}]?(?:\p{L}\p{M}*(?: \p{L}\p{M}*)*)+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]?|\s*[\r\n]|\s+(?!\S)|\s+)")},
      kFixed);
}

TEST(PreTokenizerOracle, Youtu) {
  expectSameAsOracle(
      PreTokenizerKind::Youtu,
      {wide(L"[\uAC00-\uD7A3\u3131-\u318E]+|[\uFF01\u2026\u201C\u201D\u2018\u2019\u2014\uFF1A"
            L"\uFF1B\uFF0C\u3001-\u303F\uFE30-\uFE4F]+|[\u3105-\u312F]+|[\u4E00-\u9FA5\u3040-"
            L"\u309F\u30A0-\u30FF]+"),
       collapsed(
           LR"([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+)" +
           kContractions +
           LR"(?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*)" +
           kContractions + LR"(?|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)")},
      kFixed);
}

TEST(PreTokenizerOracle, Chameleon) {
  std::vector<std::string> fixed = kFixed;
  fixed.push_back("<sentinel:12><sentinel:>x IMGIMGABZ IMGIMGABCDEZ IMGIMGZ IMGIMGIIIIZ");
  fixed.push_back("a\t\tb    c  d   e     f\n\ng");
  expectSameAsOracle(PreTokenizerKind::Chameleon,
                     {wide(L"<sentinel:[0-9]+>"), wide(L"(IMGIMG)((A|B|C|D|E|F|G|H|I){1,4})Z"),
                      wide(L"([\t\n]|    |  )"), collapsed(LR"(\p{N})"),
                      collapsed(LR"([\p{P}!-/:-@\[-`{-~])"), collapsed(kGpt2)},
                     fixed);
}

} // namespace
