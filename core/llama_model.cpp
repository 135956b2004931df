#include "core/llama_model.h"

#include "core/format_error.h"

#include <fmt/format.h>

#include <string>
#include <utility>

namespace ws::core {

bool isQwen3(const std::string& architecture) {
  return architecture == "qwen3" || architecture == "qwen3moe";
}

bool isInferenceArchitecture(const std::string& architecture) {
  return architecture == "llama" || architecture == "mistral" || architecture == "qwen2" ||
         isQwen3(architecture);
}

std::string_view inferenceArchitectures() {
  return "llama, mistral, qwen2, qwen3, qwen3moe";
}

namespace {

std::string dimsText(const std::vector<uint64_t>& dims) {
  return fmt::format("[{}]", fmt::join(dims, ", "));
}

class TensorReader {
public:
  explicit TensorReader(const GgufFile& file) : m_file(file) {}

  const GgufTensorInfo& require(const std::string& name) const {
    const GgufTensorInfo* info = m_file.findTensor(name);
    if (info == nullptr) {
      throw FormatError(m_file.path(), "missing tensor " + name);
    }
    return *info;
  }

  // A matrix of `rows` rows of `cols` elements (ggml dims [cols, rows]).
  WeightMatrix matrix(const std::string& name, uint64_t cols, uint64_t rows) const {
    return matrixFrom(require(name), cols, rows);
  }

  WeightMatrix matrixFrom(const GgufTensorInfo& info, uint64_t cols, uint64_t rows) const {
    if (info.dims.size() != 2 || info.dims[0] != cols || info.dims[1] != rows) {
      throw FormatError(m_file.path(), fmt::format("tensor {} has shape {}, expected [{}, {}]",
                                                   info.name, dimsText(info.dims), cols, rows));
    }
    if (!isMatvecSupported(info.type)) {
      throw FormatError(m_file.path(),
                        fmt::format("tensor {} is {}, which the inference engine cannot run "
                                    "(supported: {})",
                                    info.name, ggmlTypeName(info.type), matvecTypeNames()));
    }
    return {info.type, static_cast<int64_t>(rows), static_cast<int64_t>(cols), info.data};
  }

  // `count` matrices of `rows` x `cols` stacked in one 3-D tensor (ggml dims
  // [cols, rows, count]).
  ExpertMatrices experts(const std::string& name, uint64_t cols, uint64_t rows,
                         uint64_t count) const {
    const GgufTensorInfo& info = require(name);
    if (info.dims.size() != 3 || info.dims[0] != cols || info.dims[1] != rows ||
        info.dims[2] != count) {
      throw FormatError(m_file.path(), fmt::format("tensor {} has shape {}, expected [{}, {}, {}]",
                                                   name, dimsText(info.dims), cols, rows, count));
    }
    GgufTensorInfo first = info;
    first.dims = {cols, rows};
    return {matrixFrom(first, cols, rows), static_cast<int64_t>(count)};
  }

  // A 1-D tensor of `length` elements decoded to float.
  std::vector<float> vector(const std::string& name, uint64_t length) const {
    const GgufTensorInfo& info = require(name);
    if (info.dims.size() != 1 || info.dims[0] != length) {
      throw FormatError(m_file.path(), fmt::format("tensor {} has shape {}, expected [{}]", name,
                                                   dimsText(info.dims), length));
    }
    const WeightMatrix row = matrixFrom(
        GgufTensorInfo{info.name, {length, 1}, info.type, info.offset, info.byteSize, info.data},
        length, 1);
    std::vector<float> values(length);
    decodeRow(row, 0, values);
    return values;
  }

  std::vector<float> optionalVector(const std::string& name, uint64_t length) const {
    return m_file.findTensor(name) != nullptr ? vector(name, length) : std::vector<float>{};
  }

private:
  const GgufFile& m_file;
};

} // namespace

std::unique_ptr<LlamaModel> LlamaModel::load(const std::filesystem::path& path) {
  return std::unique_ptr<LlamaModel>(new LlamaModel(GgufFile::open(path)));
}

LlamaModel::LlamaModel(GgufFile file) : m_file(std::move(file)), m_spec(modelSpecFromGguf(m_file)) {
  const std::string& arch = m_spec.architecture;
  if (!isInferenceArchitecture(arch)) {
    throw FormatError(m_file.path(), fmt::format("architecture '{}' is not supported for inference "
                                                 "(supported: {})",
                                                 arch, inferenceArchitectures()));
  }
  try {
    m_spec.validate();
  } catch (const std::invalid_argument& e) {
    throw FormatError(m_file.path(), e.what());
  }
  const bool moe = arch == "qwen3moe";
  if ((m_spec.isMoe() && !moe) || (m_spec.qkNorm && !isQwen3(arch)) || m_spec.attentionSinks ||
      m_spec.attentionOutBias) {
    throw FormatError(m_file.path(),
                      "model has layers the llama forward pass does not run for architecture '" +
                          arch + "' (mixture of experts, QK-norm, sinks or output bias)");
  }
  if (moe && !m_spec.isMoe()) {
    throw FormatError(m_file.path(), arch + ".expert_count is missing or 0");
  }
  const auto keyLength = m_file.findUInt(arch + ".attention.key_length");
  if (!keyLength && m_spec.hiddenSize % m_spec.heads != 0) {
    throw FormatError(m_file.path(),
                      fmt::format("{0}.embedding_length = {1} is not a multiple of "
                                  "{0}.attention.head_count = {2}, and no {0}.attention.key_length "
                                  "gives the head size",
                                  arch, m_spec.hiddenSize, m_spec.heads));
  }
  if (const auto valueLength = m_file.findUInt(arch + ".attention.value_length");
      valueLength && *valueLength != m_spec.headDim) {
    throw FormatError(m_file.path(),
                      fmt::format("{0}.attention.value_length = {1} differs from the "
                                  "key head size {2}, which is not supported",
                                  arch, *valueLength, m_spec.headDim));
  }

  const uint64_t hidden = m_spec.hiddenSize;
  const uint64_t qDim = m_spec.heads * m_spec.headDim;
  const uint64_t kvDim = m_spec.kvHeads * m_spec.headDim;
  const uint64_t ffn = m_spec.ffnSize;
  const TensorReader reader(m_file);
  // The embedding table's rows are the vocabulary the logits cover; the
  // tokenizer's list may be shorter (padded tables, e.g. Qwen2.5).
  const GgufTensorInfo& embedding = reader.require("token_embd.weight");
  const uint64_t vocab = embedding.dims.size() == 2 ? embedding.dims[1] : 0;

  m_rope.headDim = static_cast<int>(m_spec.headDim);
  m_rope.rotaryDims =
      static_cast<int>(m_file.findUInt(arch + ".rope.dimension_count").value_or(m_spec.headDim));
  // llama.cpp's rope type per architecture (ModelSpec::ropeNeox): its llama
  // converter permutes Q/K rows so adjacent pairs rotate; qwen2 keeps the
  // Hugging Face half-split layout.
  m_rope.layout = m_spec.ropeNeox ? RopeLayout::Neox : RopeLayout::Normal;
  m_rope.theta = static_cast<float>(m_spec.ropeTheta);
  const std::string& scaling = m_spec.ropeScaling.type;
  if (scaling == "linear") {
    m_rope.freqScale = static_cast<float>(1.0 / m_spec.ropeScaling.factor);
  } else if (scaling != "none" && !scaling.empty()) {
    throw FormatError(m_file.path(), "RoPE scaling '" + scaling +
                                         "' is not supported (supported: none, linear, "
                                         "llama3 frequency factors)");
  }
  if (m_rope.rotaryDims <= 0 || m_rope.rotaryDims % 2 != 0 || m_rope.rotaryDims > m_rope.headDim) {
    throw FormatError(m_file.path(), fmt::format("{}.rope.dimension_count = {} does not fit the "
                                                 "head size {}",
                                                 arch, m_rope.rotaryDims, m_rope.headDim));
  }
  m_rope.freqFactors =
      reader.optionalVector("rope_freqs.weight", static_cast<uint64_t>(m_rope.rotaryDims / 2));

  m_tokenEmbedding = reader.matrixFrom(embedding, hidden, vocab);
  m_outputNorm = reader.vector("output_norm.weight", hidden);
  const GgufTensorInfo* output = m_file.findTensor("output.weight");
  m_output = output != nullptr ? reader.matrixFrom(*output, hidden, vocab) : m_tokenEmbedding;

  m_layers.resize(m_spec.layers);
  for (uint64_t i = 0; i < m_spec.layers; ++i) {
    const std::string prefix = "blk." + std::to_string(i) + ".";
    LlamaLayer& layer = m_layers[i];
    layer.attentionNorm = reader.vector(prefix + "attn_norm.weight", hidden);
    const GgufTensorInfo& query = reader.require(prefix + "attn_q.weight");
    if (query.dims.size() == 2 && query.dims[1] % m_spec.headDim != 0) {
      throw FormatError(m_file.path(),
                        fmt::format("head size {} ({}) does not divide the {} rows of tensor {}",
                                    m_spec.headDim,
                                    keyLength ? arch + ".attention.key_length"
                                              : arch + ".embedding_length / head_count",
                                    query.dims[1], query.name));
    }
    layer.query = reader.matrixFrom(query, hidden, qDim);
    layer.key = reader.matrix(prefix + "attn_k.weight", hidden, kvDim);
    layer.value = reader.matrix(prefix + "attn_v.weight", hidden, kvDim);
    layer.attentionOutput = reader.matrix(prefix + "attn_output.weight", qDim, hidden);
    layer.queryBias = reader.optionalVector(prefix + "attn_q.bias", qDim);
    layer.keyBias = reader.optionalVector(prefix + "attn_k.bias", kvDim);
    layer.valueBias = reader.optionalVector(prefix + "attn_v.bias", kvDim);
    if (isQwen3(arch)) {
      layer.queryNorm = reader.vector(prefix + "attn_q_norm.weight", m_spec.headDim);
      layer.keyNorm = reader.vector(prefix + "attn_k_norm.weight", m_spec.headDim);
    }
    layer.ffnNorm = reader.vector(prefix + "ffn_norm.weight", hidden);
    if (moe) {
      const uint64_t experts = m_spec.experts;
      const uint64_t expertFfn = m_spec.expertFfnSize;
      layer.router = reader.matrix(prefix + "ffn_gate_inp.weight", hidden, experts);
      layer.gateExperts =
          reader.experts(prefix + "ffn_gate_exps.weight", hidden, expertFfn, experts);
      layer.upExperts = reader.experts(prefix + "ffn_up_exps.weight", hidden, expertFfn, experts);
      layer.downExperts =
          reader.experts(prefix + "ffn_down_exps.weight", expertFfn, hidden, experts);
    } else {
      layer.ffnGate = reader.matrix(prefix + "ffn_gate.weight", hidden, ffn);
      layer.ffnUp = reader.matrix(prefix + "ffn_up.weight", hidden, ffn);
      layer.ffnDown = reader.matrix(prefix + "ffn_down.weight", ffn, hidden);
    }
  }
}

} // namespace ws::core
