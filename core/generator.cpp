#include "core/generator.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

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

void checkGenerationRequest(std::span<const int32_t> promptIds, int maxPositions,
                            const GenerationOptions& options) {
  if (promptIds.empty()) {
    throw std::invalid_argument("the prompt has no tokens");
  }
  if (promptIds.size() > static_cast<size_t>(maxPositions)) {
    throw std::invalid_argument("the prompt's " + std::to_string(promptIds.size()) +
                                " tokens exceed the context of " + std::to_string(maxPositions));
  }
  if (options.maxTokens < 0) {
    throw std::invalid_argument("the token limit must not be negative");
  }
}

std::optional<StopReason> stopBeforeStep(const std::atomic<bool>& cancelled, int generated,
                                         const GenerationOptions& options) {
  if (cancelled.load(std::memory_order_relaxed)) {
    return StopReason::Cancelled;
  }
  if (generated >= options.maxTokens) {
    return StopReason::TokenLimit;
  }
  return std::nullopt;
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
      m_eos(endOfSequenceId(context.model(), tokenizer)),
      m_capture([this](const GeneratedToken& token) {
        m_emitted = token;
        return true;
      }) {
  m_context.setCancelFlag(&m_cancelled);
}

Generator::~Generator() {
  // Another generator (a speculative one) may have taken the context since.
  if (m_context.cancelFlag() == &m_cancelled) {
    m_context.setCancelFlag(nullptr);
  }
}

void Generator::start(std::span<const int32_t> promptIds, const GenerationOptions& options) {
  checkGenerationRequest(promptIds, m_context.maxPositions(), options);
  m_cancelled.store(false, std::memory_order_relaxed);
  m_context.setCancelFlag(&m_cancelled);
  m_options = options;
  m_history.assign(promptIds.begin(), promptIds.end());
  m_promptSize = promptIds.size();
  m_sampler.emplace(m_options.sampler);
  m_result = GenerationResult();
  m_result.reason = StopReason::TokenLimit;
  m_emitter.reset();
  m_emitter.emplace(m_tokenizer, m_eos, std::span<const int32_t>(m_history), m_options, m_capture,
                    m_result);
  m_generated = 0;
  m_finished = false;
  m_context.reset();
}

std::optional<GeneratedToken> Generator::next() {
  if (m_finished) {
    return std::nullopt;
  }
  const auto end = [&](StopReason reason) {
    m_result.reason = reason;
    m_finished = true;
    return std::nullopt;
  };
  if (const std::optional<StopReason> stop = stopBeforeStep(m_cancelled, m_generated, m_options)) {
    return end(*stop);
  }
  try {
    if (m_generated == 0 && m_promptSize > 1) {
      // All prompt tokens but the last through the matrix-matrix prompt path
      // (cancellable between layers); the last one's forward pass gives the
      // first token's logits, as every later token's does.
      const Clock::time_point promptStart = Clock::now();
      m_context.prefill(std::span<const int32_t>(m_history).first(m_promptSize - 1));
      m_result.promptSeconds = secondsSince(promptStart);
    }
    if (m_context.position() >= m_context.maxPositions()) {
      return end(StopReason::ContextFull);
    }
    const Clock::time_point tokenStart = Clock::now();
    const std::span<const float> logits = m_context.forward(m_history.back());
    const int32_t id = m_sampler->sample(logits, m_history);
    m_history.push_back(id);
    ++m_generated;
    m_emitted.reset();
    m_finished = !m_emitter->emit(id, secondsSince(tokenStart));
    // Ending here rather than at the next call lets a caller tell that this
    // token was the last one before asking for another.
    if (!m_finished && m_generated >= m_options.maxTokens) {
      end(StopReason::TokenLimit);
    } else if (!m_finished && m_context.position() >= m_context.maxPositions()) {
      end(StopReason::ContextFull);
    }
    return std::exchange(m_emitted, std::nullopt);
  } catch (const CancelledError&) {
    return end(StopReason::Cancelled);
  }
}

GenerationResult Generator::generate(std::span<const int32_t> promptIds,
                                     const GenerationOptions& options,
                                     const TokenCallback& onToken) {
  start(promptIds, options);
  while (const std::optional<GeneratedToken> token = next()) {
    if (onToken && !onToken(*token) && !m_finished) {
      m_result.reason = StopReason::Callback;
      m_finished = true;
    }
  }
  return m_result;
}

} // namespace ws::core
