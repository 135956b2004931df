#pragma once
// Pre-tokenizers of byte-level BPE models: they cut text into words that BPE
// then merges within. Each variant reproduces the regular expressions that
// llama.cpp (llama-vocab.cpp) uses for a tokenizer.ggml.pre name, hand-coded
// over Unicode character classes (core/unicode.h) instead of a regex engine.
// Several expressions apply in sequence: each one splits the pieces of the
// previous one, and text between its matches stays a piece of its own.
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
};

struct PreTokenizerSpec {
  PreTokenizerKind kind = PreTokenizerKind::Gpt2;
  // Llama 3: a word that is a token as a whole is emitted without merging.
  bool ignoreMerges = false;
};

// The pre-tokenizer for a tokenizer.ggml.pre name (llama.cpp's names and
// aliases; "" means "default"); nullopt for names it does not know.
std::optional<PreTokenizerSpec> findPreTokenizer(std::string_view name);

// Splits text into words; their concatenation is exactly text. Invalid UTF-8
// bytes each count as one symbol character (as U+FFFD would).
void preTokenize(PreTokenizerKind kind, std::string_view text,
                 std::vector<std::string_view>& words);

} // namespace ws::core
