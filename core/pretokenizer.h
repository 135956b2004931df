#pragma once
// Pre-tokenizers of byte-level BPE models: they cut text into words that BPE
// then merges within. Each variant reproduces the regular expressions that
// llama.cpp (llama-vocab.cpp) uses for a tokenizer.ggml.pre name, hand-coded
// over Unicode character classes (core/unicode.h) instead of a regex engine.
// Several expressions apply in sequence: each one splits the pieces of the
// previous one, and text between its matches stays a piece of its own.
//
// Where llama.cpp's way of running an expression gives another answer than a
// Unicode regex engine would (Hugging Face tokenizers), llama.cpp's answer is
// the one reproduced, so that a GGUF file tokenizes as it does in llama.cpp:
//   - Expressions it has no hand-written code for run over text in which each
//     character above U+007F stands for its major category. \p{Lu}, \p{Ll},
//     ... all mean \p{L} there, which is why llama.cpp writes the case-aware
//     words of gpt-4o and tekken with [^a-z] ("upper") and [^A-Z] ("lower"):
//     a letter outside ASCII counts as both.
//   - In those expressions, \p{S} does not match '~' (its ASCII symbol list
//     leaves it out); this matters for deepseek-v3.
//   - Invalid UTF-8 bytes each count as U+FFFD, a symbol.
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace ws::core {

enum class PreTokenizerKind {
  // llama.cpp "default": [\p{P}\$\+<=>\^~\|]+, then GPT-2, \p{N}+, [0-9][0-9][0-9]
  Default,
  // 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
  Gpt2,
  // (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
  //  ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
  Llama3,
  // As Llama3 with \p{N} (single digits) for \p{N}{1,3}.
  Qwen2,
  // [\r\n], then \s?\p{L}+, \s?\p{P}+, [一-龥ࠀ-一가-퟿]+, \p{N}
  DeepseekCoder,
  // \p{N}, then GPT-2
  Starcoder,
  // [\p{P}\$\+<=>\^~\|`]+, then GPT-2, then [0-9][0-9][0-9]
  Falcon,
  // [\r\n], then \s?[cased letters of DeepSeek's list]+, \s?[!-/:-~！-／：-～‘-‟　-。]+,
  // \s+$, [一-龥ࠀ-一가-퟿]+, \p{N}+
  DeepseekLlm,
  // \p{N}{1,3}, then [一-龥぀-ゟ゠-ヿ]+, then
  // [!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+|
  //  ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
  DeepseekV3,
  // [^\r\n\p{L}\p{N}]?[Upper]*[Lower]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|
  // [^\r\n\p{L}\p{N}]?[Upper]+[Lower]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}|
  //  ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+
  // with Upper a letter other than a-z and Lower a letter other than A-Z.
  Gpt4o,
  // As Gpt4o without the contractions and with \p{N} for \p{N}{1,3}.
  Tekken,
  // As Qwen2 with [\p{L}\p{M}] for \p{L} and [^\s\p{L}\p{M}\p{N}] for [^\s\p{L}\p{N}].
  Qwen35,
  // As Qwen2 with  ?[^\s\p{L}\p{N}\r\n]+ (no line breaks after symbols).
  SeedCoder,
  //  ?[^(\s|.,!?…。，、।۔،)]+
  Bloom,
  // As Bloom, then \p{N}
  Viking,
  // \p{N}+, then (?=(\d{3})+(?!\d)): no split between words at all.
  Superbpe,
  // [\p{Han}]+|[^\r\n\p{L}\p{N}]?[\p{L}&&[^\p{Han}]]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|
  // \p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
  KimiK2,
  // As DeepseekV3 with  ?[\p{P}\p{S}]+|[\r\n]|\s+(?!\S)|\s+ at the end of the
  // last expression, then \p{N}.
  Spark25,
  // As Llama3 with \s{512}(?!\S)|\s{256}(?!\S)|...|\s{4}(?!\S)|\s{1,2}(?!\S)|\s{1}
  // for \s+(?!\S)|\s+.
  Jais2,
  // \p{N}{1,3}, then Llama3 with \p{N}+ for \p{N}{1,3}.
  MiniCpm5,
  // Qwen2 without the contractions.
  Ufakzeka,
  // [^\n]+|[\n]+, then Qwen2.
  Laguna,
  // (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?(?:\p{L}\p{M}*(?: \p{L}\p{M}*)*)+|
  // \p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]?|\s*[\r\n]|\s+(?!\S)|\s+
  ExaoneMoe,
  // [가-힣ㄱ-ㆎ]+|[！…“”‘’—：；，、-〿︰-﹏]+|[ㄅ-ㄯ]+|[一-龥぀-ゟ゠-ヿ]+,
  // then
  // [^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}|
  //  ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+
  Youtu,
  // <sentinel:[0-9]+>, then (IMGIMG)((A|B|C|D|E|F|G|H|I){1,4})Z, ([\t\n]|    |  ),
  // \p{N}, [\p{P}!-/:-@\[-`{-~], GPT-2
  Chameleon,
};

struct PreTokenizerSpec {
  PreTokenizerKind kind = PreTokenizerKind::Gpt2;
  // Llama 3, tekken, minicpm5, youtu: a word that is a token as a whole is
  // emitted without merging.
  bool ignoreMerges = false;
  // llama.cpp adds BOS by default for these vocabularies (Llama 3, tekken,
  // chameleon); tokenizer.ggml.add_bos_token overrides it.
  bool addBos = false;
};

// The pre-tokenizer for a tokenizer.ggml.pre name (llama.cpp's names and
// aliases; "" means "default"); nullopt for names it does not know.
std::optional<PreTokenizerSpec> findPreTokenizer(std::string_view name);

// Splits text into words; their concatenation is exactly text. Invalid UTF-8
// bytes each count as one symbol character (as U+FFFD would).
void preTokenize(PreTokenizerKind kind, std::string_view text,
                 std::vector<std::string_view>& words);

} // namespace ws::core
