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

Generator::Generator(InferenceContext& context, const Tokenizer* tokenizer)
    : m_context(context), m_tokenizer(tokenizer) {
  if (tokenizer != nullptr) {
    m_eos = tokenizer->eos();
  } else {
    m_eos = static_cast<int32_t>(
        context.model().file().findInt("tokenizer.ggml.eos_token_id").value_or(-1));
  }
}

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
  std::optional<StreamingDecoder> decoder;
  if (m_tokenizer != nullptr) {
    decoder.emplace(*m_tokenizer, true);
  }

  m_context.reset();
  const Clock::time_point promptStart = Clock::now();
  for (size_t i = 0; i + 1 < promptIds.size(); ++i) {
    if (m_cancelled.load(std::memory_order_relaxed)) {
      result.reason = StopReason::Cancelled;
      return result;
    }
    m_context.forward(promptIds[i]);
  }
  result.promptSeconds = secondsSince(promptStart);
  if (decoder) {
    // Pushing the prompt through the decoder keeps the first piece's leading
    // space and completes characters split across the prompt's end.
    for (int32_t id : promptIds) {
      decoder->push(id);
    }
  }

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
    if (next == m_eos) {
      result.reason = StopReason::EndOfSequence;
      break;
    }
    GeneratedToken token;
    token.id = next;
    if (decoder) {
      token.piece = decoder->push(next);
    }
    history.push_back(next);
    result.ids.push_back(next);
    const size_t before = result.text.size();
    result.text += token.piece;
    const std::optional<size_t> stop = findStop(result.text, before, options.stopStrings);
    if (stop) {
      result.text.resize(*stop);
      token.piece.resize(*stop > before ? *stop - before : 0);
    }
    token.hostSeconds = secondsSince(tokenStart);
    const bool keepGoing = onToken ? onToken(token) : true;
    if (stop) {
      result.reason = StopReason::StopString;
      break;
    }
    if (!keepGoing) {
      result.reason = StopReason::Callback;
      break;
    }
  }
  return result;
}

} // namespace ws::core
