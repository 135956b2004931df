#include "core/inference_context.h"

#include "core/tensor_ops.h"

#include <algorithm>
#include <cmath>
#include <numeric>
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
      m_logits(static_cast<size_t>(model.vocabSize())),
      m_routerProbs(static_cast<size_t>(model.expertCount())),
      m_expertOrder(static_cast<size_t>(model.expertCount())),
      m_expertGate(static_cast<size_t>(model.expertsUsed()) *
                   static_cast<size_t>(model.expertFfnSize())),
      m_expertUp(m_expertGate.size()), m_expertsOut(static_cast<size_t>(model.hiddenSize())) {}

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
    if (layer.isMoe()) {
      expertsBlock(layer);
    } else {
      ffnBlock(layer);
    }
  }
  rmsNorm(m_x, m_model.outputNorm(), m_model.rmsNormEps(), m_normed);
  matvec(m_model.output(), m_normed, m_logits, m_pool, m_scratch);
  ++m_position;
  return m_logits;
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
  if (!layer.queryNorm.empty()) {
    // qwen3: each head of Q and K RMS-normalised before RoPE.
    const size_t headDim = static_cast<size_t>(m_model.headDim());
    for (size_t h = 0; h < m_q.size(); h += headDim) {
      const std::span<float> head(m_q.data() + h, headDim);
      rmsNorm(head, layer.queryNorm, m_model.rmsNormEps(), head);
    }
    for (size_t h = 0; h < key.size(); h += headDim) {
      const std::span<float> head = key.subspan(h, headDim);
      rmsNorm(head, layer.keyNorm, m_model.rmsNormEps(), head);
    }
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

// llama.cpp's build_moe_ffn with softmax gating and norm_w (qwen3moe): router
// probabilities by softmax, the top-k experts, their probabilities divided by
// their sum as weights, and the weighted sum of the chosen experts' SwiGLU
// outputs added to the residual. Only the chosen experts' matrices are read.
void InferenceContext::expertsBlock(const LlamaLayer& layer) {
  rmsNorm(m_x, layer.ffnNorm, m_model.rmsNormEps(), m_normed);
  matvec(layer.router, m_normed, m_routerProbs, m_pool, m_scratch);
  softmaxInPlace(m_routerProbs);
  std::iota(m_expertOrder.begin(), m_expertOrder.end(), 0);
  const size_t used = static_cast<size_t>(m_model.expertsUsed());
  std::partial_sort(m_expertOrder.begin(), m_expertOrder.begin() + static_cast<ptrdiff_t>(used),
                    m_expertOrder.end(), [&](int a, int b) {
                      const float pa = m_routerProbs[static_cast<size_t>(a)];
                      const float pb = m_routerProbs[static_cast<size_t>(b)];
                      return pa > pb || (pa == pb && a < b);
                    });
  float weightSum = 0.0f;
  for (size_t i = 0; i < used; ++i) {
    weightSum += m_routerProbs[static_cast<size_t>(m_expertOrder[i])];
  }

  const size_t ffn = static_cast<size_t>(m_model.expertFfnSize());
  std::vector<WeightMatrix> matrices;
  matrices.reserve(2 * used);
  for (size_t i = 0; i < used; ++i) {
    matrices.push_back(layer.gateExperts.expert(m_expertOrder[i]));
    matrices.push_back(layer.upExperts.expert(m_expertOrder[i]));
  }
  std::vector<MatvecProduct> gateUp;
  gateUp.reserve(2 * used);
  for (size_t i = 0; i < used; ++i) {
    gateUp.push_back({matrices[2 * i], std::span<float>(m_expertGate).subspan(i * ffn, ffn)});
    gateUp.push_back({matrices[2 * i + 1], std::span<float>(m_expertUp).subspan(i * ffn, ffn)});
  }
  matvecBatch(gateUp, m_normed, m_pool, m_scratch);

  std::fill(m_expertsOut.begin(), m_expertsOut.end(), 0.0f);
  for (size_t i = 0; i < used; ++i) {
    const std::span<float> gate = std::span<float>(m_expertGate).subspan(i * ffn, ffn);
    siluMulInPlace(gate, std::span<const float>(m_expertUp).subspan(i * ffn, ffn));
    matvec(layer.downExperts.expert(m_expertOrder[i]), gate, m_projected, m_pool, m_scratch);
    const float weight = m_routerProbs[static_cast<size_t>(m_expertOrder[i])] / weightSum;
    axpyF32(weight, m_projected.data(), m_expertsOut.data(),
            static_cast<int64_t>(m_expertsOut.size()));
  }
  addInPlace(m_x, m_expertsOut);
}

} // namespace ws::core
