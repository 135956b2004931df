#pragma once
// Streaming generation: feeds a prompt through an InferenceContext, then
// samples tokens one at a time, each pulled by next() (or handed to a
// callback by generate()) with its text and host time. Stops on
// end-of-sequence, a token limit, a stop string, the callback's request, a
// full context or cancel() from another thread, which interrupts a forward
// pass between layers.
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

// The checks both generators' start() make: a prompt of at least one token
// that fits `maxPositions`, a token limit that is not negative. Throws
// std::invalid_argument saying which.
void checkGenerationRequest(std::span<const int32_t> promptIds, int maxPositions,
                            const GenerationOptions& options);

// Why a stream ends before its next step (cancelled, or the token limit
// reached), or nothing when the step may run.
std::optional<StopReason> stopBeforeStep(const std::atomic<bool>& cancelled, int generated,
                                         const GenerationOptions& options);

// The end-of-sequence id Generator stops on: the tokenizer's, or the model
// file's tokenizer.ggml.eos_token_id without one (-1 when it has none).
int32_t endOfSequenceId(const LlamaModel& model, const Tokenizer* tokenizer);

// Generation as a pull stream: start() resets the context for a prompt,
// each next() runs the forward pass that the next token needs (the whole
// prompt, batched, for the first one) and returns that token. generate()
// is the same loop with a callback.
class Generator {
public:
  // The context and tokenizer must outlive the generator. Without a
  // tokenizer, pieces are empty and end-of-sequence is the model file's
  // tokenizer.ggml.eos_token_id when it has one.
  Generator(InferenceContext& context, const Tokenizer* tokenizer);
  ~Generator();
  Generator(const Generator&) = delete;
  Generator& operator=(const Generator&) = delete;

  // Resets the context and prepares to run promptIds (at least one); no
  // forward pass runs yet. Clears a cancel() made before. Throws
  // std::invalid_argument for an empty prompt or one longer than the context,
  // std::out_of_range for ids outside the vocabulary (checked by the first
  // next()).
  void start(std::span<const int32_t> promptIds, const GenerationOptions& options);
  // The next token, or nothing once generation has ended; result() then
  // says why. A token that completes a stop string is returned (its piece
  // cut) and ends the generation.
  std::optional<GeneratedToken> next();
  // The tokens, text and stop reason so far.
  const GenerationResult& result() const { return m_result; }
  // True once no token will follow: set by the next() that returned the
  // last token when the token limit or a full context ends the stream.
  bool finished() const { return m_finished; }

  // Resets the context, then runs promptIds (at least one) and generates:
  // start() and next() until the end or the callback returns false.
  GenerationResult generate(std::span<const int32_t> promptIds, const GenerationOptions& options,
                            const TokenCallback& onToken = {});

  // Thread-safe: ends the generation in progress within a layer of the
  // forward pass running now (a long prompt's included); next() then
  // returns nothing with StopReason::Cancelled. start() clears it.
  void cancel() { m_cancelled.store(true, std::memory_order_relaxed); }

private:
  InferenceContext& m_context;
  const Tokenizer* m_tokenizer;
  int32_t m_eos = -1;
  std::atomic<bool> m_cancelled{false};

  // The stream started last.
  GenerationOptions m_options;
  std::vector<int32_t> m_history; // prompt, then the generated ids
  size_t m_promptSize = 0;
  std::optional<Sampler> m_sampler;
  std::optional<TokenEmitter> m_emitter;
  TokenCallback m_capture; // the emitter's callback: keeps the token for next()
  std::optional<GeneratedToken> m_emitted;
  GenerationResult m_result;
  int m_generated = 0;
  bool m_finished = true;
};

} // namespace ws::core
