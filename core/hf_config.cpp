#include "core/hf_config.h"

#include "core/format_error.h"
#include "core/json_fields.h"
#include "core/safetensors.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace ws::core {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

class ConfigReader {
public:
  ConfigReader(const std::string& source, const json& root) : m_source(source), m_root(root) {}

  [[noreturn]] void fail(const std::string& problem) const { throw FormatError(m_source, problem); }

  const json* find(const char* key) const {
    const auto it = m_root.find(key);
    return it == m_root.end() || it->is_null() ? nullptr : &*it;
  }
  bool has(const char* key) const { return find(key) != nullptr; }

  std::optional<uint64_t> count(const char* key) const {
    const json* v = find(key);
    if (v == nullptr) {
      return std::nullopt;
    }
    if (!v->is_number_unsigned()) {
      fail(fmt::format("key '{}' must be a non-negative integer", key));
    }
    return v->get<uint64_t>();
  }
  uint64_t requiredCount(const char* key) const {
    if (auto v = count(key)) {
      return *v;
    }
    fail(fmt::format("missing key '{}'", key));
  }
  std::optional<double> number(const char* key) const {
    const json* v = find(key);
    if (v == nullptr) {
      return std::nullopt;
    }
    if (!v->is_number()) {
      fail(fmt::format("key '{}' must be a number", key));
    }
    return v->get<double>();
  }
  std::optional<bool> flag(const char* key) const {
    const json* v = find(key);
    if (v == nullptr) {
      return std::nullopt;
    }
    if (!v->is_boolean()) {
      fail(fmt::format("key '{}' must be true or false", key));
    }
    return v->get<bool>();
  }
  std::optional<std::string> text(const char* key) const {
    const json* v = find(key);
    if (v == nullptr) {
      return std::nullopt;
    }
    if (!v->is_string()) {
      fail(fmt::format("key '{}' must be a string", key));
    }
    return v->get<std::string>();
  }

private:
  std::string m_source;
  const json& m_root;
};

// Hugging Face model_type -> the architecture names llama.cpp's GGUF uses.
std::string architectureFor(const std::string& modelType) {
  if (modelType == "qwen3_moe") {
    return "qwen3moe";
  }
  if (modelType == "qwen2_moe") {
    return "qwen2moe";
  }
  if (modelType == "gpt_oss") {
    return "gpt-oss";
  }
  return modelType;
}

} // namespace

double bytesPerWeightForTorchDtype(const std::string& dtype) {
  if (dtype == "float32") {
    return 4.0;
  }
  if (dtype == "float16" || dtype == "bfloat16") {
    return 2.0;
  }
  if (dtype == "float8_e4m3fn" || dtype == "float8_e5m2" || dtype == "int8") {
    return 1.0;
  }
  return 0.0;
}

ModelSpec modelSpecFromHfConfigJson(const json& config, const std::string& source) {
  if (!config.is_object()) {
    throw FormatError(source, "config.json is not a JSON object");
  }
  const ConfigReader r(source, config);
  ModelSpec s;
  s.source = source;
  const std::string modelType = r.text("model_type").value_or("");
  if (modelType.empty()) {
    r.fail("missing key 'model_type'");
  }
  s.architecture = architectureFor(modelType);
  s.name = r.text("_name_or_path").value_or(fs::path(source).parent_path().filename().string());
  s.layers = r.requiredCount("num_hidden_layers");
  s.hiddenSize = r.requiredCount("hidden_size");
  s.heads = r.requiredCount("num_attention_heads");
  s.kvHeads = r.count("num_key_value_heads").value_or(s.heads);
  s.headDim = r.count("head_dim").value_or(s.heads ? s.hiddenSize / s.heads : 0);
  s.vocabSize = r.requiredCount("vocab_size");
  s.contextLength = r.count("max_position_embeddings").value_or(0);
  s.ropeTheta = r.number("rope_theta").value_or(10000.0);
  if (const json* scaling = r.find("rope_scaling")) {
    if (!scaling->is_object()) {
      r.fail("key 'rope_scaling' must be an object or null");
    }
    const ConfigReader sr(source, *scaling);
    s.ropeScaling.type = sr.text("rope_type").value_or(sr.text("type").value_or("none"));
    s.ropeScaling.factor = sr.number("factor").value_or(1.0);
    s.ropeScaling.originalContextLength = sr.count("original_max_position_embeddings").value_or(0);
  }
  s.ropeNeox = true; // transformers' rotate_half pairs element i with i + headDim/2
  s.rmsNormEps = r.number("rms_norm_eps").value_or(1e-6);
  s.tiedEmbeddings = r.flag("tie_word_embeddings").value_or(false);

  const bool attentionBias = r.flag("attention_bias").value_or(false);
  // Qwen2 always has Q/K/V biases (its config has no key for them).
  s.attentionQkvBias = attentionBias || modelType == "qwen2" || modelType == "qwen2_moe";
  s.attentionOutBias = attentionBias && modelType == "gpt_oss";
  s.attentionSinks = modelType == "gpt_oss";
  s.qkNorm = modelType == "qwen3" || modelType == "qwen3_moe";

  // Multi-head latent attention (DeepSeek-V2/V3, Kimi K2): every head has
  // its own key and value, expanded from the cached latent.
  if (const auto kvLoraRank = r.count("kv_lora_rank"); kvLoraRank && *kvLoraRank > 0) {
    s.kvLoraRank = *kvLoraRank;
    s.qLoraRank = r.count("q_lora_rank").value_or(0); // null: no low-rank query
    s.qkNopeHeadDim = r.requiredCount("qk_nope_head_dim");
    s.qkRopeHeadDim = r.requiredCount("qk_rope_head_dim");
    s.vHeadDim = r.requiredCount("v_head_dim");
    s.headDim = s.qkNopeHeadDim + s.qkRopeHeadDim;
    s.kvHeads = s.heads;
  }

  const uint64_t intermediate = r.count("intermediate_size").value_or(0);
  s.experts =
      r.count("num_experts")
          .value_or(r.count("num_local_experts").value_or(r.count("n_routed_experts").value_or(0)));
  if (s.experts > 0) {
    s.activeExperts =
        r.count("num_experts_per_tok").value_or(r.count("experts_per_token").value_or(0));
    if (r.has("moe_intermediate_size")) {
      s.expertFfnSize = *r.count("moe_intermediate_size");
      s.ffnSize = intermediate; // used by any dense layers
    } else {
      s.expertFfnSize = intermediate; // Mixtral, gpt-oss: every FFN is an expert
    }
    if (auto shared = r.count("shared_expert_intermediate_size"); shared && *shared > 0) {
      s.sharedExperts = 1;
      s.sharedExpertFfnSize = *shared;
    }
    if (auto shared = r.count("n_shared_experts")) {
      s.sharedExperts = *shared;
    }
    s.denseLayers = r.count("first_k_dense_replace").value_or(0);
    if (const json* mlpOnly = r.find("mlp_only_layers");
        mlpOnly && mlpOnly->is_array() && !mlpOnly->empty()) {
      r.fail("mlp_only_layers (dense layers between MoE layers) is not supported");
    }
    s.expertBias = modelType == "gpt_oss";
    if (s.denseLayers == 0) {
      s.ffnSize = 0;
    }
  } else {
    s.ffnSize = intermediate;
  }
  const double bytes = bytesPerWeightForTorchDtype(r.text("torch_dtype").value_or("bfloat16"));
  s.bytesPerWeight = bytes > 0 ? bytes : 2.0;
  try {
    s.validate();
  } catch (const std::invalid_argument& e) {
    throw FormatError(source, e.what());
  }
  return s;
}

ModelSpec modelSpecFromHfConfig(const fs::path& path) {
  std::error_code ec;
  const fs::path configPath = fs::is_directory(path, ec) ? path / "config.json" : path;
  const json config = readJsonFile(configPath);
  ModelSpec s = modelSpecFromHfConfigJson(config, configPath.string());
  // With the checkpoint beside it, measure what the weights really take.
  const fs::path dir = configPath.parent_path();
  if (fs::exists(dir / "model.safetensors.index.json", ec) ||
      fs::exists(dir / "model.safetensors", ec)) {
    const SafetensorsModel model = SafetensorsModel::open(dir);
    uint64_t bytes = 0;
    uint64_t elements = 0;
    for (const SafetensorsTensor* t : model.tensors()) {
      bytes += t->byteSize;
      elements += t->elementCount();
    }
    if (elements > 0) {
      s.bytesPerWeight = static_cast<double>(bytes) / static_cast<double>(elements);
    }
  }
  return s;
}

} // namespace ws::core
