#include "core/model_spec.h"

#include "core/asset_paths.h"
#include "core/format_error.h"
#include "core/gguf.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <numeric>
#include <stdexcept>
#include <tuple>

namespace ws::core {

uint64_t ParamCounts::total() const {
  return attention + ffn + experts + router + inputEmbedding + outputEmbedding + norms;
}

uint64_t ParamCounts::active() const {
  return total() - experts + activeExperts;
}

bool ModelSpec::isMoeLayer(uint64_t layer) const {
  return isMoe() && layer >= denseLayers && moeLayerStep > 0 &&
         (layer - denseLayers + 1) % moeLayerStep == 0;
}

uint64_t ModelSpec::moeLayerCount() const {
  if (!isMoe() || layers <= denseLayers || moeLayerStep == 0) {
    return 0;
  }
  return (layers - denseLayers) / moeLayerStep;
}

uint64_t ModelSpec::attentionParamsPerLayer() const {
  uint64_t params = 0;
  if (isMla()) {
    const uint64_t qHeadDim = qkNopeHeadDim + qkRopeHeadDim;
    // wq_a and wq_b, or wq without the query's low-rank step.
    params += qLoraRank ? hiddenSize * qLoraRank + qLoraRank * heads * qHeadDim
                        : hiddenSize * heads * qHeadDim;
    // wkv_a also produces the shared RoPE key; wkv_b expands the latent to
    // every head's key (no RoPE part) and value.
    params +=
        hiddenSize * (kvLoraRank + qkRopeHeadDim) + kvLoraRank * heads * (qkNopeHeadDim + vHeadDim);
    params += heads * vHeadDim * hiddenSize; // wo
  } else {
    const uint64_t qDim = heads * headDim;
    const uint64_t kvDim = kvHeads * headDim;
    params += hiddenSize * qDim + 2 * hiddenSize * kvDim + qDim * hiddenSize;
    if (attentionQkvBias) {
      params += qDim + 2 * kvDim;
    }
  }
  if (attentionOutBias) {
    params += hiddenSize;
  }
  if (attentionSinks) {
    params += heads;
  }
  return params;
}

// SwiGLU FFN: gate, up (hidden -> ffn) and down (ffn -> hidden).
uint64_t ModelSpec::denseFfnParams() const {
  return 3 * hiddenSize * ffnSize;
}

uint64_t ModelSpec::expertParams() const {
  return 3 * hiddenSize * expertFfnSize + (expertBias ? 2 * expertFfnSize + hiddenSize : 0);
}

uint64_t ModelSpec::sharedExpertParamsPerLayer() const {
  const uint64_t ffn = sharedExpertFfnSize ? sharedExpertFfnSize : expertFfnSize;
  return sharedExperts * 3 * hiddenSize * ffn;
}

ParamCounts ModelSpec::paramCounts() const {
  ParamCounts c;
  c.attention = layers * attentionParamsPerLayer();
  // Two RMSNorms per layer (before attention, before the FFN), optional
  // per-head QK-norms, MLA's norms of the query and KV latents, and the
  // final norm.
  const uint64_t mlaNorms = isMla() ? qLoraRank + kvLoraRank : 0;
  c.norms = layers * (2 * hiddenSize + (qkNorm ? 2 * headDim : 0) + mlaNorms) + hiddenSize;

  const uint64_t moeLayers = moeLayerCount();
  c.ffn = (layers - moeLayers) * denseFfnParams();
  if (isMoe()) {
    c.experts = moeLayers * experts * expertParams();
    c.activeExperts = moeLayers * activeExperts * expertParams();
    c.router = moeLayers * (hiddenSize * experts + (expertBias ? experts : 0));
    c.ffn += moeLayers * sharedExpertParamsPerLayer();
  }
  c.inputEmbedding = vocabSize * hiddenSize;
  c.outputEmbedding = tiedEmbeddings ? 0 : vocabSize * hiddenSize;
  return c;
}

double ModelSpec::weightBytes() const {
  return static_cast<double>(paramCounts().total()) * bytesPerWeight;
}

double ModelSpec::nonExpertBytesPerWeight() const {
  const ParamCounts c = paramCounts();
  if (expertBytesPerWeight <= 0 || c.experts == 0 || c.total() == c.experts) {
    return bytesPerWeight;
  }
  const double total = static_cast<double>(c.total());
  const double experts = static_cast<double>(c.experts);
  return (bytesPerWeight * total - expertBytesPerWeight * experts) / (total - experts);
}

uint64_t ModelSpec::kvValuesPerTokenPerLayer() const {
  return isMla() ? kvLoraRank + qkRopeHeadDim : 2 * kvHeads * headDim;
}

double ModelSpec::kvBytesPerToken(double bytesPerElement) const {
  return static_cast<double>(layers * kvValuesPerTokenPerLayer()) * bytesPerElement;
}

void ModelSpec::validate() const {
  const auto fail = [this](const std::string& problem) {
    throw std::invalid_argument(fmt::format("{}: model '{}': {}", source, name, problem));
  };
  const std::pair<const char*, uint64_t> required[] = {
      {"layers", layers},    {"hidden size", hiddenSize}, {"heads", heads},
      {"KV heads", kvHeads}, {"head dim", headDim},       {"vocabulary size", vocabSize}};
  for (const auto& [what, value] : required) {
    if (value == 0) {
      fail(fmt::format("{} is 0", what));
    }
  }
  using L = ShapeLimits;
  const std::tuple<const char*, uint64_t, uint64_t> bounded[] = {
      {"layers", layers, L::kLayers},
      {"hidden size", hiddenSize, L::kWidth},
      {"heads", heads, L::kHeads},
      {"KV heads", kvHeads, L::kHeads},
      {"head dim", headDim, L::kHeadDim},
      {"FFN size", ffnSize, L::kWidth},
      {"vocabulary size", vocabSize, L::kVocab},
      {"context length", contextLength, L::kContext},
      {"experts", experts, L::kExperts},
      {"shared experts", sharedExperts, L::kExperts},
      {"expert FFN size", expertFfnSize, L::kWidth},
      {"shared expert FFN size", sharedExpertFfnSize, L::kWidth},
  };
  for (const auto& [what, value, most] : bounded) {
    if (value > most) {
      fail(fmt::format("{} {} is above the largest supported, {}", what, value, most));
    }
  }
  // The total in floating point, so that no 64-bit product can overflow
  // before the size is checked: each per-layer term fits in 64 bits once the
  // shapes above are bounded, the sums over layers and experts may not.
  const double moeLayers = double(moeLayerCount());
  const double denseLayerCount = double(layers) - moeLayers;
  const double params =
      double(layers) * double(attentionParamsPerLayer()) +
      denseLayerCount * double(denseFfnParams()) +
      moeLayers * (double(experts) * double(expertParams()) + double(sharedExpertParamsPerLayer()) +
                   double(hiddenSize) * double(experts)) +
      2.0 * double(vocabSize) * double(hiddenSize) +
      double(layers) * double(2 * hiddenSize + 2 * headDim + qLoraRank + kvLoraRank);
  if (params > L::kParams) {
    fail(fmt::format("{:.3g} parameters is above the largest supported, {:.0e}", params,
                     L::kParams));
  }
  if (heads % kvHeads != 0) {
    fail(fmt::format("{} heads is not a multiple of {} KV heads", heads, kvHeads));
  }
  if (moeLayerStep == 0) {
    fail("MoE layer step is 0");
  }
  if (moeLayerCount() < layers && ffnSize == 0) {
    fail("dense FFN size is 0");
  }
  if (isMoe() && (activeExperts == 0 || activeExperts > experts || expertFfnSize == 0)) {
    fail(fmt::format("inconsistent experts: {} of {} active, expert FFN {}", activeExperts, experts,
                     expertFfnSize));
  }
  if (denseLayers > layers) {
    fail(fmt::format("{} dense layers of {}", denseLayers, layers));
  }
  if (!(bytesPerWeight > 0.0 && bytesPerWeight <= 8.0)) {
    fail(fmt::format("bytes per weight {} is outside (0, 8]", bytesPerWeight));
  }
  if (!(expertBytesPerWeight >= 0.0)) {
    fail("expert bytes per weight is negative");
  }
  const bool anyMla = qLoraRank || kvLoraRank || qkNopeHeadDim || qkRopeHeadDim || vHeadDim;
  if (anyMla && !isMla()) {
    fail("MLA dimensions given but KV LoRA rank is 0");
  }
  if (isMla()) {
    if (qkNopeHeadDim == 0 || qkRopeHeadDim == 0 || vHeadDim == 0) {
      fail(fmt::format("MLA head dims must be positive (qk nope {}, qk rope {}, v {})",
                       qkNopeHeadDim, qkRopeHeadDim, vHeadDim));
    }
    if (qkRopeHeadDim % 2 != 0) {
      fail(fmt::format("MLA RoPE head dim {} is odd", qkRopeHeadDim));
    }
    if (kvLoraRank > hiddenSize || qLoraRank > hiddenSize) {
      fail(fmt::format("MLA ranks (q {}, kv {}) exceed the hidden size {}", qLoraRank, kvLoraRank,
                       hiddenSize));
    }
    if (headDim != qkNopeHeadDim + qkRopeHeadDim || kvHeads != heads) {
      fail(fmt::format("MLA needs head dim = qk nope + qk rope ({}) and KV heads = heads ({})",
                       qkNopeHeadDim + qkRopeHeadDim, heads));
    }
    if (attentionQkvBias || qkNorm) {
      fail("MLA has no Q/K/V biases or per-head QK-norms");
    }
  }
}

namespace {

// llama.cpp rotates adjacent pairs (LLAMA_ROPE_TYPE_NORM) for these GGUF
// architectures and halves (NEOX) for the others it knows.
bool ggufRopeIsNeox(const std::string& arch) {
  static const char* const kNormArchs[] = {
      "llama",      "mistral", "llama4",    "baichuan", "deepseek", "deepseek2", "granite",
      "granitemoe", "minicpm", "command-r", "olmo",     "xverse",   "orion",     "exaone"};
  return std::none_of(std::begin(kNormArchs), std::end(kNormArchs),
                      [&](const char* a) { return arch == a; });
}

} // namespace

ModelSpec modelSpecFromGguf(const GgufFile& file) {
  ModelSpec s;
  s.source = file.path().string();
  s.architecture = file.getString("general.architecture");
  s.name = file.findString("general.name").value_or(file.path().stem().string());
  const std::string a = s.architecture + ".";
  s.layers = file.getUInt(a + "block_count");
  s.hiddenSize = file.getUInt(a + "embedding_length");
  s.heads = file.getUInt(a + "attention.head_count");
  s.kvHeads = file.findUInt(a + "attention.head_count_kv").value_or(s.heads);
  s.headDim =
      file.findUInt(a + "attention.key_length").value_or(s.heads ? s.hiddenSize / s.heads : 0);
  s.ffnSize = file.findUInt(a + "feed_forward_length").value_or(0);
  s.contextLength = file.findUInt(a + "context_length").value_or(0);
  s.ropeTheta = file.findFloat(a + "rope.freq_base").value_or(10000.0);
  s.ropeScaling.type = file.findString(a + "rope.scaling.type").value_or("none");
  s.ropeScaling.factor = file.findFloat(a + "rope.scaling.factor").value_or(1.0);
  s.ropeScaling.originalContextLength =
      file.findUInt(a + "rope.scaling.original_context_length").value_or(0);
  s.ropeNeox = ggufRopeIsNeox(s.architecture);
  s.rmsNormEps = file.findFloat(a + "attention.layer_norm_rms_epsilon").value_or(1e-5);
  s.experts = file.findUInt(a + "expert_count").value_or(0);
  s.activeExperts = file.findUInt(a + "expert_used_count").value_or(0);
  s.expertFfnSize = file.findUInt(a + "expert_feed_forward_length").value_or(s.ffnSize);
  s.sharedExperts = file.findUInt(a + "expert_shared_count").value_or(0);
  s.sharedExpertFfnSize = file.findUInt(a + "expert_shared_feed_forward_length").value_or(0);
  s.denseLayers = file.findUInt(a + "leading_dense_block_count").value_or(0);
  s.moeLayerStep = file.findUInt(a + "interleave_moe_layer_step").value_or(1);
  if (s.isMoe() && s.denseLayers == 0 && s.moeLayerStep == 1) {
    // Every layer is MoE: feed_forward_length is either the expert size
    // (Mixtral-style files) or an unused dense size (Qwen3-MoE).
    s.ffnSize = 0;
  }

  if (const GgufTensorInfo* emb = file.findTensor("token_embd.weight");
      emb && emb->dims.size() >= 2) {
    s.vocabSize = emb->dims[1];
  } else if (auto vocab = file.findUInt(a + "vocab_size")) {
    s.vocabSize = *vocab;
  } else if (file.has("tokenizer.ggml.tokens")) {
    s.vocabSize = file.find("tokenizer.ggml.tokens")->asArray().items.size();
  }
  s.tiedEmbeddings = file.findTensor("output.weight") == nullptr;
  s.attentionQkvBias = file.findTensor("blk.0.attn_q.bias") != nullptr;
  s.attentionOutBias = file.findTensor("blk.0.attn_output.bias") != nullptr;
  s.attentionSinks = file.findTensor("blk.0.attn_sinks.weight") != nullptr;
  s.qkNorm = file.findTensor("blk.0.attn_q_norm.weight") != nullptr;
  s.expertBias = file.findTensor("blk.0.ffn_gate_inp.bias") != nullptr ||
                 file.findTensor(fmt::format("blk.{}.ffn_gate_inp.bias", s.denseLayers)) != nullptr;

  if (s.isMoe() && (s.activeExperts == 0 || s.activeExperts > s.experts)) {
    throw FormatError(file.path(),
                      fmt::format("{0}expert_used_count = {1} must be 1..{0}expert_count "
                                  "= {2}",
                                  a, s.activeExperts, s.experts));
  }

  uint64_t bytes = 0;
  uint64_t elements = 0;
  for (const auto& t : file.tensors()) {
    bytes += t.byteSize;
    elements += t.elementCount();
  }
  if (elements > 0) {
    s.bytesPerWeight = static_cast<double>(bytes) / static_cast<double>(elements);
  }
  try {
    s.validate();
  } catch (const std::invalid_argument& e) {
    throw FormatError(file.path(), std::string("not a usable model: ") + e.what());
  }
  return s;
}

std::vector<std::string> listModelCards() {
  std::vector<std::string> names;
  const auto dir = assetsDir() / "models" / "cards";
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".json") {
      names.push_back(entry.path().stem().string());
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

namespace {

bool startsWithGgufMagic(const std::filesystem::path& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    return false;
  }
  char magic[4] = {};
  const bool ok = std::fread(magic, 1, 4, f) == 4 && std::equal(magic, magic + 4, "GGUF");
  std::fclose(f);
  return ok;
}

} // namespace

ModelSpec loadModelSpec(const std::string& nameOrPath) {
  namespace fs = std::filesystem;
  const fs::path path(nameOrPath);
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    if (!fs::exists(path / "config.json")) {
      throw std::runtime_error(nameOrPath + ": directory has no config.json");
    }
    return modelSpecFromHfConfig(path);
  }
  if (fs::is_regular_file(path, ec)) {
    if (path.extension() == ".gguf" || startsWithGgufMagic(path)) {
      return modelSpecFromGguf(GgufFile::open(path));
    }
    if (path.extension() == ".safetensors") {
      const fs::path config = path.parent_path() / "config.json";
      if (!fs::exists(config)) {
        throw std::runtime_error(
            nameOrPath + ": a safetensors file needs a config.json beside it for its shape");
      }
      return modelSpecFromHfConfig(config);
    }
    if (path.filename() == "config.json") {
      return modelSpecFromHfConfig(path);
    }
    if (path.extension() == ".json") {
      return modelSpecFromCard(path);
    }
    throw std::runtime_error(nameOrPath +
                             ": not a model file (expected .gguf, config.json, a card .json or a "
                             "safetensors checkpoint)");
  }
  if (fs::exists(path, ec)) {
    throw std::runtime_error(nameOrPath + ": is not a regular file");
  }
  const auto ext = path.extension();
  if (path.has_parent_path() || ext == ".gguf" || ext == ".json" || ext == ".safetensors") {
    throw std::runtime_error(nameOrPath + ": no such file or directory");
  }
  const auto cards = listModelCards();
  if (std::find(cards.begin(), cards.end(), nameOrPath) != cards.end()) {
    return modelSpecFromCard(assetsDir() / "models" / "cards" / (nameOrPath + ".json"));
  }
  std::string available;
  for (const auto& c : cards) {
    available += (available.empty() ? "" : ", ") + c;
  }
  throw std::runtime_error(fmt::format("unknown model '{}': no such file and no model card of "
                                       "that name (cards: {})",
                                       nameOrPath, available.empty() ? "none" : available));
}

} // namespace ws::core
