#pragma once
// Tokenizers built from GGUF metadata (tokenizer.ggml.*), reproducing llama.cpp:
//   - "gpt2": byte-level BPE; words come from the pre-tokenizer named by
//     tokenizer.ggml.pre (core/pretokenizer.h), merges are applied by rank.
//   - "llama": SentencePiece-style BPE; spaces become U+2581, pieces merge by
//     score, characters without a piece fall back to <0xNN> byte tokens.
//
// Special tokens: USER_DEFINED tokens are always split out of the text (as
// llama.cpp and Hugging Face do with added tokens); CONTROL tokens only when
// encode() is asked to parse them.
//
// Invalid UTF-8 in the text never throws: each invalid byte is kept as a raw
// byte (a byte-level token, or a <0xNN> byte token) and counts as one
// non-letter, non-number, non-space character for the pre-tokenizer, so
// decode(encode(text)) == text still holds. Only where a vocabulary has no
// token for a byte (byte-level vocabularies may lack 0xC0, 0xC1, 0xF5..0xFF)
// is that byte encoded as U+FFFD (or, failing that, the unknown token; a
// vocabulary with neither loses the byte).
#include "core/tokenizer_hash.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ws::core {

class GgufFile;

// tokenizer.ggml.token_type values (llama.cpp's llama_token_type).
enum class TokenType : int32_t {
  Undefined = 0,
  Normal = 1,
  Unknown = 2,
  Control = 3,
  UserDefined = 4,
  Unused = 5,
  Byte = 6,
};

// The tokenizer metadata of a model, as stored in GGUF. Arrays that a model
// lacks are empty (scores: all 0, token types: all Normal).
struct TokenizerVocab {
  std::string model; // "gpt2" (byte-level BPE) or "llama" (SentencePiece)
  std::string pre;   // pre-tokenizer name (gpt2 only), e.g. "qwen2", "llama-bpe"
  std::vector<std::string> tokens;
  std::vector<float> scores;
  std::vector<int32_t> tokenTypes;
  std::vector<std::string> merges; // "left right", rank = index (gpt2 only)
  int32_t bos = -1;
  int32_t eos = -1;
  int32_t unk = -1;
  int32_t pad = -1;
  int32_t eot = -1; // end of turn (tokenizer.ggml.eot_token_id), when the model has one
  bool addBos = false;
  bool addEos = false;
  bool addSpacePrefix = false;
};

// Reads the tokenizer.ggml.* keys. Missing optional keys take llama.cpp's
// defaults (SentencePiece: bos 1, eos 2, unk 0, add BOS, add space prefix).
// Throws FormatError naming the file when the tokenizer metadata is absent,
// inconsistent (array lengths, ids out of range) or of an unsupported kind.
TokenizerVocab vocabFromGguf(const GgufFile& file);

class Tokenizer {
public:
  virtual ~Tokenizer() = default;
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;

  // Builds the tokenizer for vocab.model. Throws std::invalid_argument with a
  // one-line reason when the vocabulary is unusable (unknown model or
  // pre-tokenizer, mismatched array lengths, special ids out of range).
  static std::unique_ptr<Tokenizer> create(TokenizerVocab vocab);
  // vocabFromGguf + create; errors are FormatErrors naming the file.
  static std::unique_ptr<Tokenizer> fromGguf(const GgufFile& file);

  // addSpecial: BOS/EOS as the vocabulary asks (add_bos_token/add_eos_token).
  // parseSpecial: CONTROL (and UNKNOWN) token texts in `text` become those
  // tokens; USER_DEFINED ones always do. Throws std::length_error for text
  // over 2 GiB. The const members keep no state between calls, so one
  // Tokenizer may encode and decode on many threads.
  std::vector<int32_t> encode(std::string_view text, bool addSpecial = false,
                              bool parseSpecial = false) const;

  // The bytes a token stands for: byte-level mapping undone, U+2581 -> space,
  // <0xNN> -> that byte. CONTROL tokens give their literal text ("<s>").
  // Throws std::out_of_range for an id outside the vocabulary.
  std::string tokenToPiece(int32_t id) const;
  // Concatenated pieces, skipping CONTROL tokens unless renderControl. For
  // SentencePiece vocabularies with add_space_prefix the space encode() put
  // in front of the text is removed from the first piece.
  std::string decode(std::span<const int32_t> ids, bool renderControl = false) const;

  // The raw token text as stored in the vocabulary.
  const std::string& tokenText(int32_t id) const;
  TokenType tokenType(int32_t id) const;
  bool isControl(int32_t id) const { return tokenType(id) == TokenType::Control; }
  // Whether generation should stop at this token: EOS, the end-of-turn token,
  // or a CONTROL token llama.cpp treats as end of generation (<|eot_id|>,
  // <|im_end|>, <|endoftext|>, <end_of_turn>, ...).
  bool isEndOfGeneration(int32_t id) const;
  // Looks a token up by its stored text; -1 when absent.
  int32_t findToken(std::string_view text) const;

  int32_t bos() const { return m_vocab.bos; }
  int32_t eos() const { return m_vocab.eos; }
  int32_t unk() const { return m_vocab.unk; }
  int32_t pad() const { return m_vocab.pad; }
  size_t vocabSize() const { return m_vocab.tokens.size(); }
  const TokenizerVocab& vocab() const { return m_vocab; }
  // True for SentencePiece vocabularies that put a space before the text.
  bool stripsLeadingSpace() const { return m_vocab.model == "llama" && m_vocab.addSpacePrefix; }

protected:
  explicit Tokenizer(TokenizerVocab vocab);
  // Encodes plain text (no special tokens in it). atTextStart: nothing was
  // encoded before this fragment, or a special token was.
  virtual void encodeFragment(std::string_view text, bool atTextStart,
                              std::vector<int32_t>& out) const = 0;
  virtual std::string pieceOf(int32_t id) const = 0;
  void checkId(int32_t id) const;

  TokenizerVocab m_vocab;

private:
  // Splits `text` at special tokens; plain stretches go to encodeFragment.
  void encodeWithSpecials(std::string_view text, bool parseSpecial,
                          std::vector<int32_t>& out) const;

  TextIndex m_textToId;                   // keys: m_vocab.tokens
  std::vector<int32_t> m_specialTokens;   // CONTROL/USER_DEFINED/UNKNOWN, longest text first
  std::vector<int32_t> m_endOfGeneration; // sorted
};

// Turns a stream of token ids into text as they arrive: bytes of a UTF-8
// character split across tokens are held back until the character is complete
// (bytes that cannot start or continue a character are let through as they
// are), and the SentencePiece leading space is removed as decode() does.
// CONTROL tokens give nothing. The concatenation of every push() and the
// final flush() equals decode(all ids).
class StreamingDecoder {
public:
  // atTextStart = false continues text that was decoded before (e.g. a
  // prompt), so the first piece keeps its leading space.
  explicit StreamingDecoder(const Tokenizer& tokenizer, bool atTextStart = true);

  std::string push(int32_t id);
  std::string flush();

private:
  const Tokenizer& m_tokenizer;
  bool m_atTextStart;
  std::string m_pending;
};

} // namespace ws::core
