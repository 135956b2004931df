#include "core/speculative.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <string>

namespace ws::core {
namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

[[noreturn]] void vocabularyMismatch(const LlamaModel& target, const LlamaModel& draft,
                                     const std::string& what) {
  throw std::invalid_argument(draft.file().path().string() + ": the draft's vocabulary differs " +
                              "from the target " + target.file().path().string() + "'s: " + what);
}

std::vector<double> certainty(int32_t token, int vocab) {
  std::vector<double> p(static_cast<size_t>(vocab), 0.0);
  p[static_cast<size_t>(token)] = 1.0;
  return p;
}

} // namespace

void checkSameVocabulary(const LlamaModel& target, const Tokenizer& targetTokenizer,
                         const LlamaModel& draft, const Tokenizer& draftTokenizer) {
  if (target.vocabSize() != draft.vocabSize()) {
    vocabularyMismatch(target, draft,
                       std::to_string(draft.vocabSize()) + " logits against " +
                           std::to_string(target.vocabSize()));
  }
  if (targetTokenizer.vocabSize() != draftTokenizer.vocabSize()) {
    vocabularyMismatch(target, draft,
                       std::to_string(draftTokenizer.vocabSize()) + " tokens against " +
                           std::to_string(targetTokenizer.vocabSize()));
  }
  for (size_t id = 0; id < targetTokenizer.vocabSize(); ++id) {
    const auto token = static_cast<int32_t>(id);
    if (targetTokenizer.tokenText(token) != draftTokenizer.tokenText(token)) {
      vocabularyMismatch(target, draft,
                         "token " + std::to_string(id) + " is '" + draftTokenizer.tokenText(token) +
                             "' against '" + targetTokenizer.tokenText(token) + "'");
    }
  }
  if (targetTokenizer.bos() != draftTokenizer.bos() ||
      targetTokenizer.eos() != draftTokenizer.eos()) {
    vocabularyMismatch(target, draft,
                       "BOS/EOS " + std::to_string(draftTokenizer.bos()) + "/" +
                           std::to_string(draftTokenizer.eos()) + " against " +
                           std::to_string(targetTokenizer.bos()) + "/" +
                           std::to_string(targetTokenizer.eos()));
  }
}

std::vector<int32_t> promptLookupDraft(std::span<const int32_t> context, int ngram, int count) {
  const auto n = static_cast<size_t>(std::max(ngram, 1));
  if (count <= 0 || context.size() <= n) {
    return {};
  }
  const std::span<const int32_t> tail = context.last(n);
  // Latest start first; a match must leave at least one token after it.
  for (size_t start = context.size() - n; start-- > 0;) {
    if (std::equal(tail.begin(), tail.end(), context.begin() + static_cast<ptrdiff_t>(start))) {
      const size_t from = start + n;
      const size_t to = std::min(context.size(), from + static_cast<size_t>(count));
      return {context.begin() + static_cast<ptrdiff_t>(from),
              context.begin() + static_cast<ptrdiff_t>(to)};
    }
  }
  return {};
}

std::vector<double> denseDistribution(std::span<const std::pair<int32_t, float>> pairs, int vocab) {
  std::vector<double> p(static_cast<size_t>(vocab), 0.0);
  for (const auto& [token, probability] : pairs) {
    p[static_cast<size_t>(token)] = probability;
  }
  return p;
}

int32_t sampleToken(std::span<const double> probabilities, Xoshiro256& rng) {
  double total = 0.0;
  for (double p : probabilities) {
    total += p;
  }
  const double threshold = rng.uniform() * total;
  double cumulative = 0.0;
  int32_t last = 0;
  for (size_t i = 0; i < probabilities.size(); ++i) {
    if (probabilities[i] <= 0.0) {
      continue;
    }
    last = static_cast<int32_t>(i);
    cumulative += probabilities[i];
    if (threshold < cumulative) {
      return last;
    }
  }
  return last; // rounding left the threshold at the very end
}

VerifyOutcome acceptOrResample(std::span<const double> target, std::span<const double> draft,
                               int32_t drafted, Xoshiro256& rng) {
  const auto at = static_cast<size_t>(drafted);
  // u < p/q written without the division, so q = 0 means "accept if p > 0".
  if (rng.uniform() * draft[at] < target[at]) {
    return {true, drafted};
  }
  std::vector<double> residual(target.size());
  double mass = 0.0;
  for (size_t i = 0; i < target.size(); ++i) {
    residual[i] = std::max(0.0, target[i] - draft[i]);
    mass += residual[i];
  }
  // No residual mass means p <= q everywhere, i.e. p == q, where rejection
  // cannot happen; rounding can still land here, and p is then the answer.
  return {false, sampleToken(mass > 0.0 ? std::span<const double>(residual) : target, rng)};
}

SpeculativeGenerator::SpeculativeGenerator(InferenceContext& target, InferenceContext* draft,
                                           const Tokenizer* tokenizer, SpeculativeOptions options)
    : m_target(target), m_draft(draft), m_tokenizer(tokenizer), m_options(options),
      m_eos(endOfSequenceId(target.model(), tokenizer)),
      m_capture([this](const GeneratedToken& token) {
        m_pass->tokens.push_back(token);
        return m_onToken ? m_onToken(token) : true;
      }) {
  if (options.draftTokens < 1 || options.draftTokens > kMaxDraftTokens) {
    throw std::invalid_argument("--draft-tokens " + std::to_string(options.draftTokens) +
                                ": a verify pass checks 1.." + std::to_string(kMaxDraftTokens) +
                                " draft tokens");
  }
  if (options.ngram < 1) {
    throw std::invalid_argument("--ngram " + std::to_string(options.ngram) +
                                ": prompt lookup needs at least 1 token to match");
  }
  if (draft != nullptr && draft->model().vocabSize() != target.model().vocabSize()) {
    throw std::invalid_argument(
        draft->model().file().path().string() + ": the draft's logits cover " +
        std::to_string(draft->model().vocabSize()) + " tokens, the target " +
        target.model().file().path().string() + "'s " + std::to_string(target.model().vocabSize()));
  }
}

SpeculativeGenerator::~SpeculativeGenerator() {
  if (m_target.cancelFlag() == &m_cancelled) {
    m_target.setCancelFlag(nullptr);
  }
  if (m_draft != nullptr && m_draft->cancelFlag() == &m_cancelled) {
    m_draft->setCancelFlag(nullptr);
  }
}

std::vector<int32_t>
SpeculativeGenerator::propose(const std::vector<int32_t>& sequence, int count,
                              std::vector<std::vector<double>>& draftProbabilities) {
  const int vocab = m_target.model().vocabSize();
  draftProbabilities.clear();
  if (m_draft == nullptr) {
    std::vector<int32_t> drafts = promptLookupDraft(sequence, m_options.ngram, count);
    for (int32_t token : drafts) {
      draftProbabilities.push_back(certainty(token, vocab));
    }
    return drafts;
  }
  // Catch the draft up to the sequence: it holds a prefix of it (rollback
  // keeps only what was accepted); the last token's logits start the draft.
  const std::span<const int32_t> pending =
      std::span<const int32_t>(sequence).subspan(static_cast<size_t>(m_draft->position()));
  std::span<const float> logits =
      pending.size() == 1 ? m_draft->forward(pending[0]) : m_draft->forwardPrompt(pending);
  m_stats.draftPositions += static_cast<int>(pending.size());
  std::vector<int32_t> history = sequence;
  std::vector<int32_t> drafts;
  for (int i = 0; i < count; ++i) {
    draftProbabilities.push_back(
        denseDistribution(m_sampler->distribution(logits, history), vocab));
    const int32_t token = sampleToken(draftProbabilities.back(), m_rng);
    drafts.push_back(token);
    history.push_back(token);
    if (i + 1 < count) {
      logits = m_draft->forward(token);
      ++m_stats.draftPositions;
    }
  }
  return drafts;
}

void SpeculativeGenerator::start(std::span<const int32_t> promptIds,
                                 const GenerationOptions& options) {
  checkGenerationRequest(promptIds, m_target.maxPositions(), options);
  m_cancelled.store(false, std::memory_order_relaxed);
  m_target.setCancelFlag(&m_cancelled);
  if (m_draft != nullptr) {
    m_draft->setCancelFlag(&m_cancelled);
  }
  m_stats = {};
  m_generation = options;
  m_sampler.emplace(options.sampler);
  m_rng = Xoshiro256(options.sampler.seed);
  m_sequence.assign(promptIds.begin(), promptIds.end());
  m_promptSize = promptIds.size();
  m_result = GenerationResult();
  m_result.reason = StopReason::TokenLimit;
  m_emitter.reset();
  m_emitter.emplace(m_tokenizer, m_eos, std::span<const int32_t>(m_sequence), m_generation,
                    m_capture, m_result);
  m_generated = 0;
  m_finished = false;
  m_target.reset();
  if (m_draft != nullptr) {
    m_draft->reset();
  }
}

void SpeculativeGenerator::emit(SpeculativePass& pass, std::span<const int32_t> ids,
                                double hostSeconds) {
  m_pass = &pass;
  const double perToken = hostSeconds / static_cast<double>(ids.size());
  for (int32_t id : ids) {
    m_sequence.push_back(id);
    ++m_generated;
    if (!m_emitter->emit(id, perToken)) {
      m_finished = true;
      break;
    }
  }
  m_pass = nullptr;
}

void SpeculativeGenerator::promptPass(SpeculativePass& pass) {
  pass.prompt = true;
  // The target as Generator runs it: all prompt tokens but the last as a
  // block, the last one's logits give the first token.
  const Clock::time_point promptStart = Clock::now();
  const std::span<const int32_t> prompt(m_sequence);
  if (prompt.size() > 1) {
    m_target.prefill(prompt.first(prompt.size() - 1));
  }
  m_result.promptSeconds = secondsSince(promptStart);
  const Clock::time_point tokenStart = Clock::now();
  // Drawn with the rejection rule's generator, as every later token is.
  const int vocab = m_target.model().vocabSize();
  const int32_t first =
      sampleToken(denseDistribution(
                      m_sampler->distribution(m_target.forward(prompt.back()), m_sequence), vocab),
                  m_rng);
  const double tokenSeconds = secondsSince(tokenStart);
  pass.verifySeconds = m_result.promptSeconds + tokenSeconds;
  if (m_draft != nullptr) {
    // A draft with a shorter context drafts nothing once it is full.
    const Clock::time_point draftStart = Clock::now();
    m_draft->prefill(
        prompt.first(std::min(prompt.size(), static_cast<size_t>(m_draft->maxPositions()))));
    pass.draftSeconds = secondsSince(draftStart);
    m_stats.draftSeconds += pass.draftSeconds;
  }
  const int32_t ids[] = {first};
  emit(pass, ids, tokenSeconds);
}

void SpeculativeGenerator::verifyPass(SpeculativePass& pass) {
  const int vocab = m_target.model().vocabSize();
  const int length = static_cast<int>(m_sequence.size());
  const int draftLimit = m_draft != nullptr
                             ? std::min(m_target.maxPositions(), m_draft->maxPositions())
                             : m_target.maxPositions();
  // The verify pass ends at position length + count - 1, and a pass emits
  // at most count + 1 tokens: keep both inside their limits.
  const int count = std::max(
      0, std::min({m_options.draftTokens, draftLimit - length, m_target.maxPositions() - length,
                   m_generation.maxTokens - m_generated - 1}));

  const Clock::time_point draftStart = Clock::now();
  std::vector<std::vector<double>> draftProbabilities;
  if (count > 0) {
    pass.drafted = propose(m_sequence, count, draftProbabilities);
  }
  pass.draftSeconds = secondsSince(draftStart);
  m_stats.draftSeconds += pass.draftSeconds;

  const Clock::time_point verifyStart = Clock::now();
  std::vector<int32_t> verifyInput(m_sequence.begin() + m_target.position(), m_sequence.end());
  verifyInput.insert(verifyInput.end(), pass.drafted.begin(), pass.drafted.end());
  const std::vector<float> rows = m_target.forwardSequence(verifyInput);
  m_stats.targetPositions += static_cast<int>(verifyInput.size());
  ++m_stats.verifyPasses;
  m_stats.drafted += static_cast<int>(pass.drafted.size());
  // Row i of the last drafted.size() + 1 predicts the token after drafted[0..i).
  const size_t firstRow = verifyInput.size() - pass.drafted.size() - 1;
  const auto row = [&](size_t i) {
    return std::span<const float>(rows).subspan((firstRow + i) * static_cast<size_t>(vocab),
                                                static_cast<size_t>(vocab));
  };
  std::vector<int32_t> kept;
  std::vector<int32_t> history = m_sequence;
  int32_t last = -1;
  for (size_t i = 0; i < pass.drafted.size() && last < 0; ++i) {
    const std::vector<double> p =
        denseDistribution(m_sampler->distribution(row(i), history), vocab);
    const VerifyOutcome outcome =
        acceptOrResample(p, draftProbabilities[i], pass.drafted[i], m_rng);
    if (outcome.accepted) {
      kept.push_back(outcome.token);
      history.push_back(outcome.token);
    } else {
      last = outcome.token;
    }
  }
  if (last < 0) {
    last = sampleToken(
        denseDistribution(m_sampler->distribution(row(pass.drafted.size()), history), vocab),
        m_rng);
  }
  pass.verifySeconds = secondsSince(verifyStart);
  m_stats.verifySeconds += pass.verifySeconds;
  pass.accepted = static_cast<int>(kept.size());
  m_stats.accepted += pass.accepted;

  // Roll back: keep the positions of the sequence and the accepted drafts;
  // `last` is fed by the next pass.
  const int keptPositions = length + pass.accepted;
  m_target.truncate(keptPositions);
  if (m_draft != nullptr) {
    m_draft->truncate(std::min(m_draft->position(), keptPositions));
  }
  kept.push_back(last);
  m_stats.emitted += static_cast<int>(kept.size());
  emit(pass, kept, secondsSince(draftStart));
}

std::optional<SpeculativePass> SpeculativeGenerator::next() {
  if (m_finished) {
    return std::nullopt;
  }
  const auto end = [&](StopReason reason) {
    m_result.reason = reason;
    m_finished = true;
    return std::nullopt;
  };
  if (const std::optional<StopReason> stop =
          stopBeforeStep(m_cancelled, m_generated, m_generation)) {
    return end(*stop);
  }
  // The newest token's position: a verify pass starts there.
  if (m_generated > 0 && static_cast<int>(m_sequence.size()) - 1 >= m_target.maxPositions()) {
    return end(StopReason::ContextFull);
  }
  SpeculativePass pass;
  try {
    if (m_generated == 0) {
      promptPass(pass);
    } else {
      verifyPass(pass);
    }
  } catch (const CancelledError&) {
    return end(StopReason::Cancelled);
  }
  // Ending here rather than at the next call lets a caller tell that this
  // pass was the last one.
  if (!m_finished && m_generated >= m_generation.maxTokens) {
    end(StopReason::TokenLimit);
  } else if (!m_finished && static_cast<int>(m_sequence.size()) - 1 >= m_target.maxPositions()) {
    end(StopReason::ContextFull);
  }
  return pass;
}

GenerationResult SpeculativeGenerator::generate(std::span<const int32_t> promptIds,
                                                const GenerationOptions& options,
                                                const TokenCallback& onToken) {
  m_onToken = onToken;
  start(promptIds, options);
  while (next()) {
  }
  m_onToken = {};
  return m_result;
}

} // namespace ws::core
