#include "core/inference_context.h"

#include "core/tensor_ops.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace ws::core {
namespace {

int checkedMaxPositions(const LlamaModel& model, int requested) {
  if (requested < 0 || requested > model.contextLength()) {
    throw std::invalid_argument(
        model.file().path().string() + ": a context of " + std::to_string(requested) +
        " positions was requested; the model allows 1.." + std::to_string(model.contextLength()));
  }
  return requested == 0 ? model.contextLength() : requested;
}

void addBias(std::vector<float>& y, const std::vector<float>& bias) {
  if (!bias.empty()) {
    addInPlace(y, bias);
  }
}

} // namespace

InferenceContext::InferenceContext(const LlamaModel& model, ContextOptions options)
    : m_model(model), m_pool(options.threads), m_rope(model.ropeConfig()),
      m_cache(model.layerCount(), model.kvHeads() * model.headDim(),
              checkedMaxPositions(model, options.maxPositions)),
      m_x(static_cast<size_t>(model.hiddenSize())),
      m_normed(static_cast<size_t>(model.hiddenSize())),
      m_q(static_cast<size_t>(model.heads() * model.headDim())),
      m_attention(static_cast<size_t>(model.heads() * model.headDim())),
      m_projected(static_cast<size_t>(model.hiddenSize())),
      m_gate(static_cast<size_t>(model.ffnSize())), m_up(static_cast<size_t>(model.ffnSize())),
      m_logits(static_cast<size_t>(model.vocabSize())) {}

std::span<const float> InferenceContext::forward(int32_t token) {
  if (token < 0 || token >= m_model.vocabSize()) {
    throw std::out_of_range("token id " + std::to_string(token) + " is outside the vocabulary 0.." +
                            std::to_string(m_model.vocabSize() - 1));
  }
  if (m_position >= maxPositions()) {
    throw ContextFullError("the context is full: all " + std::to_string(maxPositions()) +
                           " positions are used");
  }
  m_cache.reserve(m_position + 1);
  decodeRow(m_model.tokenEmbedding(), token, m_x);
  const Rope::Angles angles = m_rope.angles(m_position);
  for (int i = 0; i < m_model.layerCount(); ++i) {
    const LlamaLayer& layer = m_model.layers()[static_cast<size_t>(i)];
    attentionBlock(layer, i, angles);
    ffnBlock(layer);
  }
  rmsNorm(m_x, m_model.outputNorm(), m_model.rmsNormEps(), m_normed);
  matvec(m_model.output(), m_normed, m_logits, m_pool, m_scratch);
  ++m_position;
  return m_logits;
}

std::vector<float> InferenceContext::forwardSequence(std::span<const int32_t> tokens) {
  std::vector<float> rows;
  rows.reserve(tokens.size() * m_logits.size());
  for (int32_t token : tokens) {
    const std::span<const float> logits = forward(token);
    rows.insert(rows.end(), logits.begin(), logits.end());
  }
  return rows;
}

void InferenceContext::truncate(int positions) {
  if (positions < 0 || positions > m_position) {
    throw std::out_of_range("cannot truncate " + std::to_string(m_position) + " positions to " +
                            std::to_string(positions));
  }
  m_position = positions;
}

void InferenceContext::attentionBlock(const LlamaLayer& layer, int layerIndex,
                                      const Rope::Angles& angles) {
  const size_t kvDim = static_cast<size_t>(m_cache.kvDim());
  std::span<float> key(m_cache.key(layerIndex, m_position), kvDim);
  std::span<float> value(m_cache.value(layerIndex, m_position), kvDim);

  rmsNorm(m_x, layer.attentionNorm, m_model.rmsNormEps(), m_normed);
  const MatvecProduct qkv[] = {{layer.query, m_q}, {layer.key, key}, {layer.value, value}};
  matvecBatch(qkv, m_normed, m_pool, m_scratch);
  addBias(m_q, layer.queryBias);
  if (!layer.keyBias.empty()) {
    addInPlace(key, layer.keyBias);
  }
  if (!layer.valueBias.empty()) {
    addInPlace(value, layer.valueBias);
  }
  m_rope.apply(angles, m_q);
  m_rope.apply(angles, key);

  const AttentionShape shape{m_model.heads(), m_model.kvHeads(), m_model.headDim()};
  const float scale = 1.0f / std::sqrt(static_cast<float>(m_model.headDim()));
  attendOneQuery(m_q, m_cache.keys(layerIndex), m_cache.values(layerIndex), m_position + 1, shape,
                 scale, m_attention, m_scores, m_pool);
  matvec(layer.attentionOutput, m_attention, m_projected, m_pool, m_scratch);
  addInPlace(m_x, m_projected);
}

void InferenceContext::ffnBlock(const LlamaLayer& layer) {
  rmsNorm(m_x, layer.ffnNorm, m_model.rmsNormEps(), m_normed);
  const MatvecProduct gateUp[] = {{layer.ffnGate, m_gate}, {layer.ffnUp, m_up}};
  matvecBatch(gateUp, m_normed, m_pool, m_scratch);
  siluMulInPlace(m_gate, m_up);
  matvec(layer.ffnDown, m_gate, m_projected, m_pool, m_scratch);
  addInPlace(m_x, m_projected);
}

} // namespace ws::core
