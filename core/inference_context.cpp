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

void addBias(std::span<float> y, const std::vector<float>& bias) {
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
    throwIfCancelled();
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

std::vector<float> InferenceContext::forwardSequence(std::span<const int32_t> tokens) {
  checkBlockInput(tokens);
  const size_t hidden = static_cast<size_t>(m_model.hiddenSize());
  const size_t vocab = m_logits.size();
  std::vector<float> rows(tokens.size() * vocab);
  for (size_t begin = 0; begin < tokens.size(); begin += kPromptBlockTokens) {
    const size_t count = std::min(kPromptBlockTokens, tokens.size() - begin);
    promptBlock(tokens.subspan(begin, count));
    // Every position's logits, the output matrix read once for the block.
    for (size_t t = 0; t < count; ++t) {
      rmsNorm(std::span<const float>(m_blockX).subspan(t * hidden, hidden), m_model.outputNorm(),
              m_model.rmsNormEps(), std::span<float>(m_blockNormed).subspan(t * hidden, hidden));
    }
    const MatmulProduct logits[] = {{m_model.output(), rows.data() + begin * vocab, vocab}};
    matmulBatch(logits, m_blockNormed.data(), hidden, static_cast<int>(count), m_pool,
                m_blockScratch);
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
  normAndRotate(layer, m_q, key, angles);

  const AttentionShape shape{m_model.heads(), m_model.kvHeads(), m_model.headDim()};
  const float scale = 1.0f / std::sqrt(static_cast<float>(m_model.headDim()));
  attendOneQuery(m_q, m_cache.keys(layerIndex), m_cache.values(layerIndex), m_position + 1, shape,
                 scale, m_attention, m_scores, m_pool);
  matvec(layer.attentionOutput, m_attention, m_projected, m_pool, m_scratch);
  addInPlace(m_x, m_projected);
}

void InferenceContext::normAndRotate(const LlamaLayer& layer, std::span<float> q,
                                     std::span<float> key, const Rope::Angles& angles) {
  if (!layer.queryNorm.empty()) {
    // qwen3: each head of Q and K RMS-normalised before RoPE.
    const size_t headDim = static_cast<size_t>(m_model.headDim());
    for (size_t h = 0; h < q.size(); h += headDim) {
      const std::span<float> head = q.subspan(h, headDim);
      rmsNorm(head, layer.queryNorm, m_model.rmsNormEps(), head);
    }
    for (size_t h = 0; h < key.size(); h += headDim) {
      const std::span<float> head = key.subspan(h, headDim);
      rmsNorm(head, layer.keyNorm, m_model.rmsNormEps(), head);
    }
  }
  m_rope.apply(angles, q);
  m_rope.apply(angles, key);
}

void InferenceContext::prefill(std::span<const int32_t> tokens) {
  checkBlockInput(tokens);
  for (size_t begin = 0; begin < tokens.size(); begin += kPromptBlockTokens) {
    promptBlock(tokens.subspan(begin, std::min(kPromptBlockTokens, tokens.size() - begin)));
  }
}

std::span<const float> InferenceContext::forwardPrompt(std::span<const int32_t> tokens) {
  prefill(tokens);
  const size_t hidden = static_cast<size_t>(m_model.hiddenSize());
  const size_t lastRow = (tokens.size() - 1) % kPromptBlockTokens;
  const std::span<const float> last(m_blockX.data() + lastRow * hidden, hidden);
  rmsNorm(last, m_model.outputNorm(), m_model.rmsNormEps(), m_normed);
  matvec(m_model.output(), m_normed, m_logits, m_pool, m_scratch);
  return m_logits;
}

void InferenceContext::checkBlockInput(std::span<const int32_t> tokens) const {
  for (int32_t token : tokens) {
    if (token < 0 || token >= m_model.vocabSize()) {
      throw std::out_of_range("token id " + std::to_string(token) +
                              " is outside the vocabulary 0.." +
                              std::to_string(m_model.vocabSize() - 1));
    }
  }
  if (tokens.empty()) {
    throw std::invalid_argument("a block of no tokens to run");
  }
  if (m_position + static_cast<int64_t>(tokens.size()) > maxPositions()) {
    throw ContextFullError("the context is full: " + std::to_string(tokens.size()) +
                           " tokens do not fit after position " + std::to_string(m_position) +
                           " of " + std::to_string(maxPositions()));
  }
}

void InferenceContext::promptBlock(std::span<const int32_t> tokens) {
  const int n = static_cast<int>(tokens.size());
  const size_t count = tokens.size();
  const size_t hidden = static_cast<size_t>(m_model.hiddenSize());
  const size_t qDim = m_q.size();
  const size_t kvDim = static_cast<size_t>(m_cache.kvDim());
  const size_t ffn = m_gate.size();
  m_blockX.resize(count * hidden);
  m_blockNormed.resize(count * hidden);
  m_blockQ.resize(count * qDim);
  m_blockAttention.resize(count * qDim);
  m_blockProjected.resize(count * hidden);
  m_blockGate.resize(count * ffn);
  m_blockUp.resize(count * ffn);
  m_cache.reserve(m_position + n);
  std::vector<Rope::Angles> angles;
  for (int t = 0; t < n; ++t) {
    angles.push_back(m_rope.angles(m_position + t));
    decodeRow(m_model.tokenEmbedding(), tokens[static_cast<size_t>(t)],
              std::span<float>(m_blockX).subspan(static_cast<size_t>(t) * hidden, hidden));
  }
  const auto row = [](std::vector<float>& v, size_t t, size_t width) {
    return std::span<float>(v).subspan(t * width, width);
  };
  const AttentionShape shape{m_model.heads(), m_model.kvHeads(), m_model.headDim()};
  const float scale = 1.0f / std::sqrt(static_cast<float>(m_model.headDim()));
  for (int i = 0; i < m_model.layerCount(); ++i) {
    throwIfCancelled();
    const LlamaLayer& layer = m_model.layers()[static_cast<size_t>(i)];
    for (size_t t = 0; t < count; ++t) {
      rmsNorm(row(m_blockX, t, hidden), layer.attentionNorm, m_model.rmsNormEps(),
              row(m_blockNormed, t, hidden));
    }
    const MatmulProduct qkv[] = {{layer.query, m_blockQ.data(), qDim},
                                 {layer.key, m_cache.key(i, m_position), kvDim},
                                 {layer.value, m_cache.value(i, m_position), kvDim}};
    matmulBatch(qkv, m_blockNormed.data(), hidden, n, m_pool, m_blockScratch);
    for (size_t t = 0; t < count; ++t) {
      // Attention over a long context: one check per prompt token.
      throwIfCancelled();
      const int position = m_position + static_cast<int>(t);
      const std::span<float> q = row(m_blockQ, t, qDim);
      const std::span<float> key(m_cache.key(i, position), kvDim);
      addBias(q, layer.queryBias);
      if (!layer.keyBias.empty()) {
        addInPlace(key, layer.keyBias);
      }
      if (!layer.valueBias.empty()) {
        addInPlace(std::span<float>(m_cache.value(i, position), kvDim), layer.valueBias);
      }
      normAndRotate(layer, q, key, angles[t]);
    }
    attendQueries(m_blockQ.data(), m_cache.keys(i), m_cache.values(i), m_position + 1, n, shape,
                  scale, m_blockAttention.data(), m_scores, m_pool);
    const MatmulProduct output[] = {{layer.attentionOutput, m_blockProjected.data(), hidden}};
    matmulBatch(output, m_blockAttention.data(), qDim, n, m_pool, m_blockScratch);
    addInPlace(m_blockX, m_blockProjected);

    if (layer.isMoe()) {
      // Each token picks its own experts: run them a token at a time.
      for (size_t t = 0; t < count; ++t) {
        throwIfCancelled();
        std::copy_n(m_blockX.data() + t * hidden, hidden, m_x.data());
        expertsBlock(layer);
        std::copy_n(m_x.data(), hidden, m_blockX.data() + t * hidden);
      }
      continue;
    }
    throwIfCancelled();
    for (size_t t = 0; t < count; ++t) {
      rmsNorm(row(m_blockX, t, hidden), layer.ffnNorm, m_model.rmsNormEps(),
              row(m_blockNormed, t, hidden));
    }
    const MatmulProduct gateUp[] = {{layer.ffnGate, m_blockGate.data(), ffn},
                                    {layer.ffnUp, m_blockUp.data(), ffn}};
    matmulBatch(gateUp, m_blockNormed.data(), hidden, n, m_pool, m_blockScratch);
    m_pool.parallelFor(n, 1, [&](int64_t begin, int64_t end) {
      for (size_t t = static_cast<size_t>(begin); t < static_cast<size_t>(end); ++t) {
        siluMulInPlace(row(m_blockGate, t, ffn), row(m_blockUp, t, ffn));
      }
    });
    throwIfCancelled();
    const MatmulProduct down[] = {{layer.ffnDown, m_blockProjected.data(), hidden}};
    matmulBatch(down, m_blockGate.data(), ffn, n, m_pool, m_blockScratch);
    addInPlace(m_blockX, m_blockProjected);
  }
  m_position += n;
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
