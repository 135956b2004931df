#include "core/tokenizer.h"

#include "core/bpe_tokenizer.h"
#include "core/format_error.h"
#include "core/gguf.h"
#include "core/spm_tokenizer.h"
#include "core/unicode.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace ws::core {
namespace {

// A stretch of text to encode, or a special token found in it.
struct Fragment {
  int32_t token = -1; // -1: plain text
  std::string_view text;
};

// CONTROL token texts llama.cpp (llama-vocab.cpp) adds to its end-of-generation set.
constexpr std::string_view kEndOfGenerationTexts[] = {
    "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>",   "<|endoftext|>",
    "<|eom_id|>", "<EOT>",      "_<EOT>",  "<|end_of_text|>", "<end_of_utterance>",
};

std::string idError(int32_t id, size_t size) {
  return "token id " + std::to_string(id) + " is outside the vocabulary of " +
         std::to_string(size) + " tokens";
}

void checkSpecialId(const char* what, int32_t id, size_t size) {
  if (id < -1 || (id >= 0 && static_cast<size_t>(id) >= size)) {
    throw std::invalid_argument(std::string(what) + " " + idError(id, size));
  }
}

} // namespace

Tokenizer::Tokenizer(TokenizerVocab vocab) : m_vocab(std::move(vocab)) {
  const size_t n = m_vocab.tokens.size();
  if (n == 0) {
    throw std::invalid_argument("the tokenizer vocabulary is empty");
  }
  if (n > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    throw std::invalid_argument("the tokenizer vocabulary has too many tokens");
  }
  if (m_vocab.scores.empty()) {
    m_vocab.scores.assign(n, 0.0f);
  }
  if (m_vocab.tokenTypes.empty()) {
    m_vocab.tokenTypes.assign(n, static_cast<int32_t>(TokenType::Normal));
  }
  if (m_vocab.scores.size() != n || m_vocab.tokenTypes.size() != n) {
    throw std::invalid_argument("the tokenizer has " + std::to_string(n) + " tokens but " +
                                std::to_string(m_vocab.scores.size()) + " scores and " +
                                std::to_string(m_vocab.tokenTypes.size()) + " token types");
  }
  for (size_t id = 0; id < n; ++id) {
    if (std::isnan(m_vocab.scores[id])) {
      throw std::invalid_argument("the score of token " + std::to_string(id) + " is not a number");
    }
  }
  checkSpecialId("BOS", m_vocab.bos, n);
  checkSpecialId("EOS", m_vocab.eos, n);
  checkSpecialId("unknown-token", m_vocab.unk, n);
  checkSpecialId("padding", m_vocab.pad, n);
  checkSpecialId("end-of-turn", m_vocab.eot, n);

  m_textToId.reserve(n);
  const auto textOf = [this](int32_t id) -> std::string_view { return m_vocab.tokens[id]; };
  for (size_t id = 0; id < n; ++id) {
    // Later duplicates win, as in llama.cpp's token_to_id map.
    m_textToId.insert(m_vocab.tokens[id], static_cast<int32_t>(id), true, textOf);
    const auto type = static_cast<TokenType>(m_vocab.tokenTypes[id]);
    if ((type == TokenType::Control || type == TokenType::UserDefined ||
         type == TokenType::Unknown) &&
        !m_vocab.tokens[id].empty()) {
      m_specialTokens.push_back(static_cast<int32_t>(id));
    }
  }
  for (const int32_t id : {m_vocab.eos, m_vocab.eot}) {
    if (id >= 0) {
      m_endOfGeneration.push_back(id);
    }
  }
  for (const std::string_view text : kEndOfGenerationTexts) {
    const int32_t id = findToken(text);
    if (id >= 0 && static_cast<TokenType>(m_vocab.tokenTypes[id]) == TokenType::Control) {
      m_endOfGeneration.push_back(id);
    }
  }
  std::sort(m_endOfGeneration.begin(), m_endOfGeneration.end());
  std::stable_sort(m_specialTokens.begin(), m_specialTokens.end(), [&](int32_t a, int32_t b) {
    return m_vocab.tokens[a].size() > m_vocab.tokens[b].size();
  });
}

std::unique_ptr<Tokenizer> Tokenizer::create(TokenizerVocab vocab) {
  if (vocab.model == "gpt2") {
    return std::make_unique<BpeTokenizer>(std::move(vocab));
  }
  if (vocab.model == "llama") {
    return std::make_unique<SpmTokenizer>(std::move(vocab));
  }
  throw std::invalid_argument("unsupported tokenizer model '" + vocab.model +
                              "' (supported: gpt2, llama)");
}

std::unique_ptr<Tokenizer> Tokenizer::fromGguf(const GgufFile& file) {
  TokenizerVocab vocab = vocabFromGguf(file);
  try {
    return create(std::move(vocab));
  } catch (const std::invalid_argument& e) {
    throw FormatError(file.path(), e.what());
  }
}

void Tokenizer::checkId(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= m_vocab.tokens.size()) {
    throw std::out_of_range(idError(id, m_vocab.tokens.size()));
  }
}

const std::string& Tokenizer::tokenText(int32_t id) const {
  checkId(id);
  return m_vocab.tokens[id];
}

TokenType Tokenizer::tokenType(int32_t id) const {
  checkId(id);
  return static_cast<TokenType>(m_vocab.tokenTypes[id]);
}

bool Tokenizer::isEndOfGeneration(int32_t id) const {
  return std::binary_search(m_endOfGeneration.begin(), m_endOfGeneration.end(), id);
}

int32_t Tokenizer::findToken(std::string_view text) const {
  return m_textToId.find(text,
                         [this](int32_t id) -> std::string_view { return m_vocab.tokens[id]; });
}

// As llama.cpp's tokenizer_st_partition: the longest special tokens are split
// out first, each at every place it occurs in the remaining plain text.
void Tokenizer::encodeWithSpecials(std::string_view text, bool parseSpecial,
                                   std::vector<int32_t>& out) const {
  std::vector<Fragment> fragments{{-1, text}};
  std::vector<Fragment> next;
  for (const int32_t id : m_specialTokens) {
    const auto type = static_cast<TokenType>(m_vocab.tokenTypes[id]);
    if (!parseSpecial && type != TokenType::UserDefined) {
      continue;
    }
    const std::string_view special = m_vocab.tokens[id];
    next.clear();
    bool found = false;
    for (const Fragment& f : fragments) {
      if (f.token >= 0) {
        next.push_back(f);
        continue;
      }
      std::string_view rest = f.text;
      for (size_t at = rest.find(special); at != std::string_view::npos; at = rest.find(special)) {
        found = true;
        if (at > 0) {
          next.push_back({-1, rest.substr(0, at)});
        }
        next.push_back({id, special});
        rest.remove_prefix(at + special.size());
      }
      if (!rest.empty()) {
        next.push_back({-1, rest});
      }
    }
    if (found) {
      fragments.swap(next);
    }
  }
  bool atTextStart = true;
  for (const Fragment& f : fragments) {
    if (f.token >= 0) {
      out.push_back(f.token);
      atTextStart = true;
    } else {
      encodeFragment(f.text, atTextStart, out);
      atTextStart = false;
    }
  }
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool addSpecial,
                                       bool parseSpecial) const {
  // Positions inside the text are 32-bit.
  if (text.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    throw std::length_error("text of " + std::to_string(text.size()) +
                            " bytes is too long to tokenize (at most 2 GiB)");
  }
  std::vector<int32_t> out;
  out.reserve(text.size() / 3 + 2);
  if (addSpecial && m_vocab.addBos && m_vocab.bos >= 0) {
    out.push_back(m_vocab.bos);
  }
  if (!text.empty()) {
    encodeWithSpecials(text, parseSpecial, out);
  }
  if (addSpecial && m_vocab.addEos && m_vocab.eos >= 0) {
    out.push_back(m_vocab.eos);
  }
  return out;
}

std::string Tokenizer::tokenToPiece(int32_t id) const {
  checkId(id);
  return pieceOf(id);
}

std::string Tokenizer::decode(std::span<const int32_t> ids, bool renderControl) const {
  std::string text;
  bool stripSpace = stripsLeadingSpace();
  for (const int32_t id : ids) {
    if (!renderControl && isControl(id)) {
      continue;
    }
    const std::string piece = pieceOf(id);
    const bool strip = stripSpace && !piece.empty() && piece.front() == ' ';
    text.append(piece, strip ? 1 : 0);
    stripSpace = false;
  }
  return text;
}

StreamingDecoder::StreamingDecoder(const Tokenizer& tokenizer, bool atTextStart)
    : m_tokenizer(tokenizer), m_atTextStart(atTextStart && tokenizer.stripsLeadingSpace()) {}

std::string StreamingDecoder::push(int32_t id) {
  if (m_tokenizer.isControl(id)) {
    return {};
  }
  const std::string piece = m_tokenizer.tokenToPiece(id);
  const bool strip = m_atTextStart && !piece.empty() && piece.front() == ' ';
  m_atTextStart = false;
  m_pending.append(piece, strip ? 1 : 0);

  // Hold back the last character if it is a complete-able prefix: a lead byte
  // followed by fewer continuation bytes than it announces.
  size_t start = m_pending.size();
  size_t continuations = 0;
  while (start > 0 && continuations < 3 &&
         (static_cast<uint8_t>(m_pending[start - 1]) & 0xC0u) == 0x80u) {
    --start;
    ++continuations;
  }
  size_t emit = m_pending.size();
  if (start > 0) {
    const size_t need = unicode::utf8SequenceLength(static_cast<uint8_t>(m_pending[start - 1]));
    if (need > 1 && continuations + 1 < need) {
      emit = start - 1;
    }
  }
  std::string out = m_pending.substr(0, emit);
  m_pending.erase(0, emit);
  return out;
}

std::string StreamingDecoder::flush() {
  std::string out;
  out.swap(m_pending);
  return out;
}

TokenizerVocab vocabFromGguf(const GgufFile& file) {
  const auto model = file.findString("tokenizer.ggml.model");
  if (!model) {
    throw FormatError(file.path(), "no tokenizer in the file (tokenizer.ggml.model is missing)");
  }
  TokenizerVocab v;
  v.model = *model;
  if (v.model != "gpt2" && v.model != "llama") {
    throw FormatError(file.path(), "unsupported tokenizer.ggml.model '" + v.model +
                                       "' (supported: gpt2, llama)");
  }
  v.pre = file.findString("tokenizer.ggml.pre").value_or("");
  v.tokens = file.getStringArray("tokenizer.ggml.tokens");
  const size_t n = v.tokens.size();
  auto checkLength = [&](const char* key, size_t length) {
    if (length != n) {
      throw FormatError(file.path(), std::string(key) + " has " + std::to_string(length) +
                                         " entries but tokenizer.ggml.tokens has " +
                                         std::to_string(n));
    }
  };
  if (file.has("tokenizer.ggml.scores")) {
    v.scores = file.getFloatArray("tokenizer.ggml.scores");
    checkLength("tokenizer.ggml.scores", v.scores.size());
  }
  if (file.has("tokenizer.ggml.token_type")) {
    v.tokenTypes = file.getIntArray("tokenizer.ggml.token_type");
    checkLength("tokenizer.ggml.token_type", v.tokenTypes.size());
  }
  if (file.has("tokenizer.ggml.merges")) {
    v.merges = file.getStringArray("tokenizer.ggml.merges");
  }

  const bool sentencePiece = v.model == "llama";
  auto defaultId = [&](int32_t id) { return static_cast<size_t>(id) < n ? id : -1; };
  if (sentencePiece) {
    v.unk = defaultId(0);
    v.bos = defaultId(1);
    v.eos = defaultId(2);
    v.addBos = true;
    v.addSpacePrefix = true;
  } else if (const auto pre = findPreTokenizer(v.pre)) {
    v.addBos = pre->addBos; // llama.cpp's default, e.g. true for Llama 3 and tekken
  }
  auto readId = [&](const char* key, int32_t& id) {
    if (const auto value = file.findInt(key)) {
      if (*value < 0 || static_cast<uint64_t>(*value) >= n) {
        throw FormatError(file.path(), std::string(key) + " = " + std::to_string(*value) +
                                           " is outside the vocabulary of " + std::to_string(n) +
                                           " tokens");
      }
      id = static_cast<int32_t>(*value);
    }
  };
  readId("tokenizer.ggml.bos_token_id", v.bos);
  readId("tokenizer.ggml.eos_token_id", v.eos);
  readId("tokenizer.ggml.unknown_token_id", v.unk);
  readId("tokenizer.ggml.padding_token_id", v.pad);
  readId("tokenizer.ggml.eot_token_id", v.eot);
  v.addBos = file.findBool("tokenizer.ggml.add_bos_token").value_or(v.addBos);
  v.addEos = file.findBool("tokenizer.ggml.add_eos_token").value_or(v.addEos);
  v.addSpacePrefix = file.findBool("tokenizer.ggml.add_space_prefix").value_or(v.addSpacePrefix);
  return v;
}

} // namespace ws::core
