#include "core/generator.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>

namespace ws::core {
namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Where the earliest stop string starts in `text`, looking only at matches
// that end inside the part from `newFrom` on (earlier text was checked).
std::optional<size_t> findStop(const std::string& text, size_t newFrom,
                               const std::vector<std::string>& stops) {
  std::optional<size_t> earliest;
  for (const std::string& stop : stops) {
    if (stop.empty()) {
      continue;
    }
    const size_t searchFrom = newFrom >= stop.size() ? newFrom - stop.size() + 1 : 0;
    const size_t at = text.find(stop, searchFrom);
    if (at != std::string::npos && (!earliest || at < *earliest)) {
      earliest = at;
    }
  }
  return earliest;
}

} // namespace

const char* stopReasonName(StopReason reason) {
  switch (reason) {
  case StopReason::EndOfSequence:
    return "end-of-sequence";
  case StopReason::TokenLimit:
    return "token-limit";
  case StopReason::StopString:
    return "stop-string";
  case StopReason::Callback:
    return "callback";
  case StopReason::Cancelled:
    return "cancelled";
  case StopReason::ContextFull:
    return "context-full";
  }
  return "unknown";
}

int32_t endOfSequenceId(const LlamaModel& model, const Tokenizer* tokenizer) {
  if (tokenizer != nullptr) {
    return tokenizer->eos();
  }
  return static_cast<int32_t>(model.file().findInt("tokenizer.ggml.eos_token_id").value_or(-1));
}

TokenEmitter::TokenEmitter(const Tokenizer* tokenizer, int32_t eos,
                           std::span<const int32_t> promptIds, const GenerationOptions& options,
                           const TokenCallback& onToken, GenerationResult& result)
    : m_options(options), m_onToken(onToken), m_result(result), m_eos(eos) {
  if (tokenizer != nullptr) {
    m_decoder.emplace(*tokenizer, true);
    // Pushing the prompt through the decoder keeps the first piece's leading
    // space and completes characters split across the prompt's end.
    for (int32_t id : promptIds) {
      m_decoder->push(id);
    }
  }
}

bool TokenEmitter::emit(int32_t id, double hostSeconds) {
  if (id == m_eos) {
    m_result.reason = StopReason::EndOfSequence;
    return false;
  }
  GeneratedToken token;
  token.id = id;
  if (m_decoder) {
    token.piece = m_decoder->push(id);
  }
  m_result.ids.push_back(id);
  const size_t before = m_result.text.size();
  m_result.text += token.piece;
  const std::optional<size_t> stop = findStop(m_result.text, before, m_options.stopStrings);
  if (stop) {
    m_result.text.resize(*stop);
    token.piece.resize(*stop > before ? *stop - before : 0);
  }
  token.hostSeconds = hostSeconds;
  const bool keepGoing = m_onToken ? m_onToken(token) : true;
  if (stop) {
    m_result.reason = StopReason::StopString;
    return false;
  }
  if (!keepGoing) {
    m_result.reason = StopReason::Callback;
    return false;
  }
  return true;
}

Generator::Generator(InferenceContext& context, const Tokenizer* tokenizer)
    : m_context(context), m_tokenizer(tokenizer),
      m_eos(endOfSequenceId(context.model(), tokenizer)) {}

GenerationResult Generator::generate(std::span<const int32_t> promptIds,
                                     const GenerationOptions& options,
                                     const TokenCallback& onToken) {
  m_cancelled.store(false, std::memory_order_relaxed);
  if (promptIds.empty()) {
    throw std::invalid_argument("the prompt has no tokens");
  }
  if (promptIds.size() > static_cast<size_t>(m_context.maxPositions())) {
    throw std::invalid_argument("the prompt's " + std::to_string(promptIds.size()) +
                                " tokens exceed the context of " +
                                std::to_string(m_context.maxPositions()));
  }
  if (options.maxTokens < 0) {
    throw std::invalid_argument("the token limit must not be negative");
  }
  Sampler sampler(options.sampler);
  GenerationResult result;
  std::vector<int32_t> history(promptIds.begin(), promptIds.end());

  m_context.reset();
  const Clock::time_point promptStart = Clock::now();
  // All but the last prompt token through the matrix-matrix prompt path, a
  // block at a time so that a cancel is seen between blocks.
  const std::span<const int32_t> prefix = promptIds.first(promptIds.size() - 1);
  for (size_t i = 0; i < prefix.size(); i += InferenceContext::kPromptBlockTokens) {
    if (m_cancelled.load(std::memory_order_relaxed)) {
      result.reason = StopReason::Cancelled;
      return result;
    }
    m_context.prefill(
        prefix.subspan(i, std::min(InferenceContext::kPromptBlockTokens, prefix.size() - i)));
  }
  result.promptSeconds = secondsSince(promptStart);
  TokenEmitter emitter(m_tokenizer, m_eos, promptIds, options, onToken, result);

  int32_t next = promptIds.back();
  result.reason = StopReason::TokenLimit;
  for (int generated = 0; generated < options.maxTokens; ++generated) {
    if (m_cancelled.load(std::memory_order_relaxed)) {
      result.reason = StopReason::Cancelled;
      break;
    }
    if (m_context.position() >= m_context.maxPositions()) {
      result.reason = StopReason::ContextFull;
      break;
    }
    const Clock::time_point tokenStart = Clock::now();
    const std::span<const float> logits = m_context.forward(next);
    next = sampler.sample(logits, history);
    history.push_back(next);
    if (!emitter.emit(next, secondsSince(tokenStart))) {
      break;
    }
  }
  return result;
}

} // namespace ws::core
