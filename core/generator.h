#pragma once
// Streaming generation: feeds a prompt through an InferenceContext, then
// samples tokens one at a time, handing each to a callback with its text and
// host time. Stops on end-of-sequence, a token limit, a stop string, the
// callback's request, a full context or cancel() from another thread.
#include "core/inference_context.h"
#include "core/sampler.h"
#include "core/tokenizer.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace ws::core {

struct GenerationOptions {
  int maxTokens = 128;
  // Generation ends once the text produced contains one of these; the piece
  // that completes it is cut where the stop string starts, and the result's
  // text ends before it.
  std::vector<std::string> stopStrings;
  SamplerSettings sampler;
};

struct GeneratedToken {
  int32_t id = 0;
  std::string piece;        // the text this token adds (UTF-8 complete; may be empty)
  double hostSeconds = 0.0; // forward pass that produced its logits + sampling
};

enum class StopReason { EndOfSequence, TokenLimit, StopString, Callback, Cancelled, ContextFull };
const char* stopReasonName(StopReason reason);

struct GenerationResult {
  std::vector<int32_t> ids; // generated tokens (not the prompt, not EOS)
  std::string text;         // their text, cut before a stop string
  StopReason reason = StopReason::TokenLimit;
  double promptSeconds = 0.0; // host time of all prompt tokens but the last
};

// Returns true to continue, false to stop after this token.
using TokenCallback = std::function<bool(const GeneratedToken&)>;

// Turns chosen token ids into a GenerationResult and the callback's pieces,
// applying end-of-sequence, the token limit's count, stop strings and the
// callback's request. Shared by Generator and SpeculativeGenerator.
class TokenEmitter {
public:
  // All references must outlive the emitter. The prompt goes through the
  // tokenizer's streaming decoder first (leading space, split characters).
  TokenEmitter(const Tokenizer* tokenizer, int32_t eos, std::span<const int32_t> promptIds,
               const GenerationOptions& options, const TokenCallback& onToken,
               GenerationResult& result);

  // Emits `id`; returns false when generation ends with it (result.reason is
  // then set; an end-of-sequence id is not emitted).
  bool emit(int32_t id, double hostSeconds);

private:
  const GenerationOptions& m_options;
  const TokenCallback& m_onToken;
  GenerationResult& m_result;
  int32_t m_eos;
  std::optional<StreamingDecoder> m_decoder;
};

// The end-of-sequence id Generator stops on: the tokenizer's, or the model
// file's tokenizer.ggml.eos_token_id without one (-1 when it has none).
int32_t endOfSequenceId(const LlamaModel& model, const Tokenizer* tokenizer);

class Generator {
public:
  // The context and tokenizer must outlive the generator. Without a
  // tokenizer, pieces are empty and end-of-sequence is the model file's
  // tokenizer.ggml.eos_token_id when it has one.
  Generator(InferenceContext& context, const Tokenizer* tokenizer);

  // Resets the context, then runs promptIds (at least one) and generates.
  // Throws std::invalid_argument for an empty prompt or one longer than the
  // context, std::out_of_range for ids outside the vocabulary.
  GenerationResult generate(std::span<const int32_t> promptIds, const GenerationOptions& options,
                            const TokenCallback& onToken = {});

  // Thread-safe: makes the generate() call in progress stop before its next
  // token (or prompt token). A generate() started later runs normally.
  void cancel() { m_cancelled.store(true, std::memory_order_relaxed); }

private:
  InferenceContext& m_context;
  const Tokenizer* m_tokenizer;
  int32_t m_eos = -1;
  std::atomic<bool> m_cancelled{false};
};

} // namespace ws::core
