#include "core/model_card.h"

#include "core/format_error.h"
#include "core/ggml_type.h"
#include "core/json_fields.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

namespace ws::core {
namespace {

using nlohmann::json;

// Typed, checked access to a card's keys; every problem names file and key.
class CardReader {
public:
  CardReader(const std::filesystem::path& path, const json& root) : m_path(path), m_root(root) {}

  [[noreturn]] void fail(const std::string& problem) const { throw FormatError(m_path, problem); }

  const json* find(const char* key) {
    m_used.insert(key);
    const auto it = m_root.find(key);
    return it == m_root.end() || it->is_null() ? nullptr : &*it;
  }
  // A whole number in [min, max] (core/json_fields.h names key and range).
  uint64_t count(const char* key, uint64_t min, uint64_t max,
                 std::optional<uint64_t> fallback = std::nullopt) {
    m_used.insert(key);
    return requireCountInRange(m_root, key, min, max, m_path, fallback);
  }
  double number(const char* key, double min, double max,
                std::optional<double> fallback = std::nullopt) {
    m_used.insert(key);
    return requireNumberInRange(m_root, key, min, max, m_path, fallback);
  }
  bool flag(const char* key, bool fallback) {
    const json* v = find(key);
    if (v == nullptr) {
      return fallback;
    }
    if (!v->is_boolean()) {
      fail(fmt::format("key '{}' must be true or false", key));
    }
    return v->get<bool>();
  }
  std::string text(const char* key, std::optional<std::string> fallback = std::nullopt) {
    const json* v = find(key);
    if (v == nullptr) {
      if (fallback) {
        return *fallback;
      }
      fail(fmt::format("missing key '{}'", key));
    }
    if (!v->is_string()) {
      fail(fmt::format("key '{}' must be a string", key));
    }
    return v->get<std::string>();
  }
  GgmlType weightType(const char* key, GgmlType fallback) {
    const json* v = find(key);
    if (v == nullptr) {
      return fallback;
    }
    const auto type = v->is_string() ? ggmlTypeFromName(v->get<std::string>()) : std::nullopt;
    if (!type) {
      fail(fmt::format("key '{}' must name a ggml type such as \"BF16\" or \"Q8_0\"", key));
    }
    return *type;
  }
  void rejectUnknownKeys() const {
    for (const auto& [key, value] : m_root.items()) {
      if (!m_used.count(key)) {
        fail(fmt::format("unknown key '{}'", key));
      }
    }
  }

private:
  std::filesystem::path m_path;
  const json& m_root;
  std::set<std::string> m_used;
};

// --- Multi-head latent attention, interleaved MoE layers, published-count
// conventions (DeepSeek-V3, Kimi K2, Llama 4, GLM-4.6). Checked here with the
// card's key names, so a bad value is reported as the key that holds it.

// The largest head dimension any published model uses is 256; 1024 leaves
// room and still catches a rank typed into a head-dim key.
constexpr uint64_t kMaxHeadDim = 1024;

void readLatentAttentionAndLayerPattern(CardReader& r, const json& root, ModelSpec& s) {
  const char* const mlaKeys[] = {"q_lora_rank", "kv_lora_rank", "qk_nope_head_dim",
                                 "qk_rope_head_dim", "v_head_dim"};
  if (!r.flag("mla", false)) {
    for (const char* key : mlaKeys) {
      if (r.find(key) != nullptr) {
        r.fail(fmt::format("key '{}' needs \"mla\": true", key));
      }
    }
  } else {
    // q_lora_rank 0: the query has no low-rank step.
    s.qLoraRank = r.count("q_lora_rank", 0, s.hiddenSize, 0);
    s.kvLoraRank = r.count("kv_lora_rank", 1, s.hiddenSize);
    s.qkNopeHeadDim = r.count("qk_nope_head_dim", 1, kMaxHeadDim);
    s.qkRopeHeadDim = r.count("qk_rope_head_dim", 2, kMaxHeadDim);
    s.vHeadDim = r.count("v_head_dim", 1, kMaxHeadDim);
    if (s.qkRopeHeadDim % 2 != 0) {
      r.fail(fmt::format("key 'qk_rope_head_dim' is {}: RoPE rotates pairs, it must be even",
                         s.qkRopeHeadDim));
    }
    const uint64_t qkHeadDim = s.qkNopeHeadDim + s.qkRopeHeadDim;
    if (!root.contains("head_dim")) {
      s.headDim = qkHeadDim;
    } else if (s.headDim != qkHeadDim) {
      r.fail(fmt::format("key 'head_dim' is {}, but with MLA it is qk_nope_head_dim + "
                         "qk_rope_head_dim = {}",
                         s.headDim, qkHeadDim));
    }
    if (s.kvHeads != s.heads) {
      r.fail(fmt::format("key 'kv_heads' is {}: with MLA every head has its own key and value, "
                         "so it must equal heads ({})",
                         s.kvHeads, s.heads));
    }
  }
  s.moeLayerStep = r.count("moe_layer_step", 1, std::max<uint64_t>(1, s.layers), 1);
}

void readPublishedCountingExtras(CardReader& r, ModelCard& card) {
  card.publishedActiveCountsOutputEmbedding =
      r.flag("published_active_counts_output_embedding", true);
  card.publishedParamsNotModelledB = r.number("published_params_not_modelled_b", 0.0, 1e6, 0.0);
  if (card.publishedParamsNotModelledB > 0) {
    card.publishedParamsNotModelledSource = r.text("published_params_not_modelled_source");
  }
}

} // namespace

ModelCard readModelCard(const std::filesystem::path& path) {
  const json root = readJsonFile(path);
  if (!root.is_object()) {
    throw FormatError(path, "a model card is a JSON object");
  }
  using L = ShapeLimits;
  CardReader r(path, root);
  ModelCard card;
  ModelSpec& s = card.spec;
  s.name = r.text("name");
  s.architecture = r.text("architecture");
  s.layers = r.count("layers", 1, L::kLayers);
  s.hiddenSize = r.count("hidden_size", 1, L::kWidth);
  s.heads = r.count("heads", 1, L::kHeads);
  s.kvHeads = r.count("kv_heads", 1, s.heads, s.heads);
  s.headDim = r.count("head_dim", 1, L::kHeadDim, std::max<uint64_t>(1, s.hiddenSize / s.heads));
  s.ffnSize = r.count("ffn_size", 0, L::kWidth, 0);
  s.vocabSize = r.count("vocab_size", 1, L::kVocab);
  s.contextLength = r.count("context_length", 1, L::kContext);
  // The shipped cards' bases run from 1.5e5 to 1e7; Llama 2 used 1e4.
  s.ropeTheta = r.number("rope_theta", 1.0, 1e12);
  if (const json* scaling = r.find("rope_scaling")) {
    if (!scaling->is_object()) {
      r.fail("key 'rope_scaling' must be an object");
    }
    CardReader sr(path, *scaling);
    s.ropeScaling.type = sr.text("type");
    s.ropeScaling.factor = sr.number("factor", 1e-3, 1e6);
    s.ropeScaling.originalContextLength = sr.count("original_context_length", 0, L::kContext, 0);
    sr.rejectUnknownKeys();
  }
  // Cards describe Hugging Face checkpoints, whose RoPE rotates halves.
  s.ropeNeox = r.flag("rope_neox", true);
  s.rmsNormEps = r.number("rms_norm_eps", 1e-12, 1e-1);
  s.tiedEmbeddings = r.flag("tied_embeddings", false);
  s.attentionQkvBias = r.flag("attention_qkv_bias", false);
  s.attentionOutBias = r.flag("attention_out_bias", false);
  s.attentionSinks = r.flag("attention_sinks", false);
  s.qkNorm = r.flag("qk_norm", false);
  s.experts = r.count("experts", 0, L::kExperts, 0);
  s.activeExperts = r.count("active_experts", 0, s.experts, 0);
  s.expertFfnSize = r.count("expert_ffn_size", 0, L::kWidth, 0);
  s.sharedExperts = r.count("shared_experts", 0, L::kExperts, 0);
  s.sharedExpertFfnSize = r.count("shared_expert_ffn_size", 0, L::kWidth, 0);
  s.expertBias = r.flag("expert_bias", false);
  s.denseLayers = r.count("dense_layers", 0, s.layers, 0);
  s.source = r.text("source");
  const GgmlType weightType = r.weightType("weight_type", GgmlType::BF16);
  const GgmlType expertType = r.weightType("expert_weight_type", weightType);

  card.publishedParamsB = r.number("published_params_b", 1e-6, L::kParams / 1e9);
  card.publishedParamsSource = r.text("published_params_source");
  if (r.find("published_active_params_b") != nullptr) {
    card.publishedActiveParamsB = r.number("published_active_params_b", 1e-6, L::kParams / 1e9);
    card.publishedActiveParamsSource = r.text("published_active_params_source");
  }
  card.publishedActiveCountsInputEmbedding =
      r.flag("published_active_counts_input_embedding", true);
  card.publishedRoundingB = r.number("published_rounding_b", 0.0, 1e3, 0.0);
  card.notes = r.text("notes", "");
  readLatentAttentionAndLayerPattern(r, root, s);
  readPublishedCountingExtras(r, card);
  r.rejectUnknownKeys();

  try {
    s.validate();
  } catch (const std::invalid_argument& e) {
    throw FormatError(path, e.what());
  }
  const ParamCounts counts = s.paramCounts();
  const double expertParams = static_cast<double>(counts.experts);
  const double otherParams = static_cast<double>(counts.total()) - expertParams;
  s.bytesPerWeight = (expertParams * ggmlBytesPerElement(expertType) +
                      otherParams * ggmlBytesPerElement(weightType)) /
                     static_cast<double>(counts.total());
  if (expertType != weightType) {
    s.expertBytesPerWeight = ggmlBytesPerElement(expertType);
  }
  return card;
}

uint64_t publishedStyleActiveParams(const ModelCard& card) {
  const ParamCounts c = card.spec.paramCounts();
  return c.active() - (card.publishedActiveCountsInputEmbedding ? 0 : c.inputEmbedding) -
         (card.publishedActiveCountsOutputEmbedding ? 0 : c.outputEmbedding);
}

ModelSpec modelSpecFromCard(const std::filesystem::path& path) {
  return readModelCard(path).spec;
}

} // namespace ws::core
