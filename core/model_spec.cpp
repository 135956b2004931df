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

namespace {

// The parameter tally, in N = uint64_t for paramCounts() and in N = double
// for validate(), which checks the size before any product is formed in 64 bits.
template <typename N> std::array<N, 8> tallyParams(const ModelSpec& s) {
  const N hidden = N(s.hiddenSize);
  const N qDim = N(s.heads) * N(s.headDim);
  const N kvDim = N(s.kvHeads) * N(s.headDim);
  N attentionPerLayer = hidden * qDim + N(2) * hidden * kvDim + qDim * hidden;
  if (s.attentionQkvBias) {
    attentionPerLayer += qDim + N(2) * kvDim;
  }
  if (s.attentionOutBias) {
    attentionPerLayer += hidden;
  }
  if (s.attentionSinks) {
    attentionPerLayer += N(s.heads);
  }
  const N layers = N(s.layers);
  const N attention = layers * attentionPerLayer;
  // Two RMSNorms per layer (before attention, before the FFN), optional
  // per-head QK-norms, and the final norm.
  const N norms = layers * (N(2) * hidden + (s.qkNorm ? N(2) * N(s.headDim) : N(0))) + hidden;

  // SwiGLU FFN: gate, up (hidden -> ffn) and down (ffn -> hidden).
  const auto swiglu = [hidden](uint64_t ffn) { return N(3) * hidden * N(ffn); };
  const uint64_t moeLayers = s.isMoe() ? s.layers - std::min(s.denseLayers, s.layers) : 0;
  const uint64_t denseFfnLayers = s.layers - moeLayers;
  N ffn = N(denseFfnLayers) * swiglu(s.ffnSize);
  N experts = 0;
  N activeExperts = 0;
  N router = 0;
  if (s.isMoe()) {
    N perExpert = swiglu(s.expertFfnSize);
    if (s.expertBias) {
      perExpert += N(2) * N(s.expertFfnSize) + hidden;
    }
    experts = N(moeLayers) * N(s.experts) * perExpert;
    activeExperts = N(moeLayers) * N(s.activeExperts) * perExpert;
    router = N(moeLayers) * (hidden * N(s.experts) + (s.expertBias ? N(s.experts) : N(0)));
    const uint64_t sharedFfn = s.sharedExpertFfnSize ? s.sharedExpertFfnSize : s.expertFfnSize;
    ffn += N(moeLayers) * N(s.sharedExperts) * swiglu(sharedFfn);
  }
  const N inputEmbedding = N(s.vocabSize) * hidden;
  const N outputEmbedding = s.tiedEmbeddings ? N(0) : N(s.vocabSize) * hidden;
  return {attention, ffn, experts, activeExperts, router, inputEmbedding, outputEmbedding, norms};
}

} // namespace

ParamCounts ModelSpec::paramCounts() const {
  const auto t = tallyParams<uint64_t>(*this);
  ParamCounts c;
  c.attention = t[0];
  c.ffn = t[1];
  c.experts = t[2];
  c.activeExperts = t[3];
  c.router = t[4];
  c.inputEmbedding = t[5];
  c.outputEmbedding = t[6];
  c.norms = t[7];
  return c;
}

double ModelSpec::weightBytes() const {
  return static_cast<double>(paramCounts().total()) * bytesPerWeight;
}

double ModelSpec::kvBytesPerToken(double bytesPerElement) const {
  return 2.0 * static_cast<double>(layers * kvHeads * headDim) * bytesPerElement;
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
  const auto tally = tallyParams<double>(*this);
  // As ParamCounts::total(): every tensor class but the active experts (a subset).
  const double params = std::accumulate(tally.begin(), tally.end(), 0.0) - tally[3];
  if (params > L::kParams) {
    fail(fmt::format("{:.3g} parameters is above the largest supported, {:.0e}", params,
                     L::kParams));
  }
  if (heads % kvHeads != 0) {
    fail(fmt::format("{} heads is not a multiple of {} KV heads", heads, kvHeads));
  }
  if ((!isMoe() || denseLayers > 0) && ffnSize == 0) {
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
  if (s.isMoe() && s.denseLayers == 0) {
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
