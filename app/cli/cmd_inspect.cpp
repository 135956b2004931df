// waferscope-cli inspect: what a model file (GGUF, safetensors, config.json) or
// a model card holds: format, metadata, tensors, the ModelSpec read from it,
// its parameter count by tensor class and its memory at each precision.
//
// One JSON report is built first; --json prints it, otherwise it is rendered
// as text, so both views always show the same numbers.
#include "app/cli/command.h"
#include "core/asset_paths.h"
#include "core/format_error.h"
#include "core/ggml_type.h"
#include "core/gguf.h"
#include "core/host_support.h"
#include "core/model_card.h"
#include "core/model_spec.h"
#include "core/safetensors.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

namespace ws::cli {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

struct InspectArgs {
  std::string file;
  bool json = false;
  size_t arrayItems = 8;
};

// The precisions memory is shown at, as ggml stores them.
constexpr core::GgmlType kPrecisions[] = {core::GgmlType::F32,  core::GgmlType::BF16,
                                          core::GgmlType::Q8_0, core::GgmlType::Q6_K,
                                          core::GgmlType::Q4_K, core::GgmlType::Q4_0};

json valueToJson(const core::GgufValue& v, size_t arrayItems) {
  switch (v.type()) {
  case core::GgufValueType::Bool:
    return v.asBool();
  case core::GgufValueType::String:
    return v.asString();
  case core::GgufValueType::Float32:
  case core::GgufValueType::Float64:
    return v.asFloat();
  case core::GgufValueType::Array: {
    const auto& a = v.asArray();
    json first = json::array();
    for (size_t i = 0; i < std::min(arrayItems, a.items.size()); ++i) {
      first.push_back(valueToJson(a.items[i], arrayItems));
    }
    return {{"element_type", core::ggufValueTypeName(a.elementType)},
            {"length", a.items.size()},
            {"first", first}};
  }
  default:
    return v.isSigned() ? json(v.asInt()) : json(v.asUInt());
  }
}

json specToJson(const core::ModelSpec& s) {
  return {{"name", s.name},
          {"architecture", s.architecture},
          {"layers", s.layers},
          {"hidden_size", s.hiddenSize},
          {"heads", s.heads},
          {"kv_heads", s.kvHeads},
          {"head_dim", s.headDim},
          {"ffn_size", s.ffnSize},
          {"vocab_size", s.vocabSize},
          {"context_length", s.contextLength},
          {"rope_theta", s.ropeTheta},
          {"rope_scaling",
           {{"type", s.ropeScaling.type},
            {"factor", s.ropeScaling.factor},
            {"original_context_length", s.ropeScaling.originalContextLength}}},
          {"rope_neox", s.ropeNeox},
          {"rms_norm_eps", s.rmsNormEps},
          {"tied_embeddings", s.tiedEmbeddings},
          {"attention_qkv_bias", s.attentionQkvBias},
          {"attention_out_bias", s.attentionOutBias},
          {"attention_sinks", s.attentionSinks},
          {"qk_norm", s.qkNorm},
          {"experts", s.experts},
          {"active_experts", s.activeExperts},
          {"expert_ffn_size", s.expertFfnSize},
          {"shared_experts", s.sharedExperts},
          {"dense_layers", s.denseLayers},
          {"moe_layer_step", s.moeLayerStep},
          {"mla",
           {{"q_lora_rank", s.qLoraRank},
            {"kv_lora_rank", s.kvLoraRank},
            {"qk_nope_head_dim", s.qkNopeHeadDim},
            {"qk_rope_head_dim", s.qkRopeHeadDim},
            {"v_head_dim", s.vHeadDim}}},
          {"bytes_per_weight", s.bytesPerWeight},
          {"expert_bytes_per_weight", s.routedExpertBytesPerWeight()},
          {"source", s.source}};
}

void addSpec(json& report, const core::ModelSpec& s) {
  report["model"] = specToJson(s);
  const core::ParamCounts c = s.paramCounts();
  report["parameters"] = {{"attention", c.attention},
                          {"ffn", c.ffn},
                          {"experts", c.experts},
                          {"active_experts", c.activeExperts},
                          {"router", c.router},
                          {"input_embedding", c.inputEmbedding},
                          {"output_embedding", c.outputEmbedding},
                          {"norms", c.norms},
                          {"total", c.total()},
                          {"active", c.active()}};
  json memory = json::array();
  memory.push_back({{"precision", "as stored"},
                    {"bytes_per_weight", s.bytesPerWeight},
                    {"weight_bytes", s.weightBytes()}});
  for (core::GgmlType t : kPrecisions) {
    const double perWeight = core::ggmlBytesPerElement(t);
    memory.push_back(
        {{"precision", t == core::GgmlType::BF16 ? "F16/BF16" : std::string(core::ggmlTypeName(t))},
         {"bytes_per_weight", perWeight},
         {"weight_bytes", static_cast<double>(c.total()) * perWeight}});
  }
  report["memory"] = memory;
  report["kv_cache_f16"] = {
      {"bytes_per_token", s.kvBytesPerToken(2.0)},
      {"context_length", s.contextLength},
      {"bytes_at_context", s.kvBytesPerToken(2.0) * static_cast<double>(s.contextLength)}};
}

// The ModelSpec of a weights file is a bonus: a tokenizer-only GGUF or a bare
// safetensors file still shows its metadata and tensors.
template <typename F> void addSpecIfReadable(json& report, F&& load) {
  try {
    addSpec(report, load());
  } catch (const std::exception& e) {
    report["model_error"] = e.what();
  }
}

json inspectGguf(const fs::path& path, size_t arrayItems) {
  const core::GgufFile file = core::GgufFile::open(path);
  json report = {{"file", path.string()},
                 {"format", "GGUF"},
                 {"gguf",
                  {{"version", file.version()},
                   {"alignment", file.alignment()},
                   {"data_offset", file.dataOffset()},
                   {"file_size", file.fileSize()}}}};
  json metadata = json::array();
  for (const auto& kv : file.metadata()) {
    metadata.push_back({{"key", kv.key},
                        {"type", core::ggufValueTypeName(kv.value.type())},
                        {"value", valueToJson(kv.value, arrayItems)},
                        {"display", kv.value.toDisplayString(arrayItems)}});
  }
  report["metadata"] = metadata;
  json tensors = json::array();
  for (const auto& t : file.tensors()) {
    tensors.push_back({{"name", t.name},
                       {"type", core::ggmlTypeName(t.type)},
                       {"dims", t.dims},
                       {"bytes", t.byteSize}});
  }
  report["tensors"] = tensors;
  addSpecIfReadable(report, [&] { return core::modelSpecFromGguf(file); });
  const core::HostSupport support = core::hostSupport(file);
  json missing = json::array();
  for (const auto& gap : support.gaps) {
    missing.push_back({{"what", gap.what}, {"name", gap.name}, {"detail", gap.detail}});
  }
  report["host_inference"] = {{"runs", support.runs()}, {"missing", missing}};
  return report;
}

json safetensorsTensors(const core::SafetensorsModel& model) {
  json tensors = json::array();
  for (const core::SafetensorsTensor* t : model.tensors()) {
    tensors.push_back({{"name", t->name},
                       {"type", t->dtype},
                       {"dims", t->shape},
                       {"bytes", t->byteSize},
                       {"file", t->file.filename().string()}});
  }
  return tensors;
}

json inspectSafetensors(const fs::path& path) {
  const core::SafetensorsModel model = core::SafetensorsModel::open(path);
  json report = {{"file", path.string()}, {"format", "safetensors"}};
  json metadata = json::array();
  for (const auto& shard : model.shards()) {
    for (const auto& [key, value] : shard.metadata()) {
      metadata.push_back(
          {{"key", key}, {"type", "STRING"}, {"value", value}, {"display", json(value).dump()}});
    }
  }
  report["metadata"] = metadata;
  report["shards"] = model.shards().size();
  report["tensors"] = safetensorsTensors(model);
  const fs::path dir = fs::is_directory(path) ? path : path.parent_path();
  if (fs::exists(dir / "config.json")) {
    addSpecIfReadable(report, [&] { return core::modelSpecFromHfConfig(dir / "config.json"); });
  } else {
    report["model_error"] = "no config.json beside the weights: shape unknown";
  }
  return report;
}

json inspectHfConfig(const fs::path& configPath) {
  json report = {{"file", configPath.string()}, {"format", "Hugging Face config.json"}};
  addSpec(report, core::modelSpecFromHfConfig(configPath));
  const fs::path dir = configPath.parent_path();
  if (fs::exists(dir / "model.safetensors.index.json") || fs::exists(dir / "model.safetensors")) {
    const core::SafetensorsModel model = core::SafetensorsModel::open(dir);
    report["format"] = "Hugging Face config.json + safetensors";
    report["shards"] = model.shards().size();
    report["tensors"] = safetensorsTensors(model);
  }
  return report;
}

json inspectCard(const fs::path& path) {
  const core::ModelCard card = core::readModelCard(path);
  json report = {{"file", path.string()}, {"format", "model card (shape only, no weights)"}};
  addSpec(report, card.spec);
  json published = {{"params_b", card.publishedParamsB},
                    {"params_source", card.publishedParamsSource}};
  if (card.publishedActiveParamsB) {
    published["active_params_b"] = *card.publishedActiveParamsB;
    published["active_params_source"] = card.publishedActiveParamsSource;
    published["active_counts_input_embedding"] = card.publishedActiveCountsInputEmbedding;
    published["active_counts_output_embedding"] = card.publishedActiveCountsOutputEmbedding;
    published["computed_active_comparable"] = core::publishedStyleActiveParams(card);
  }
  if (card.publishedParamsNotModelledB > 0) {
    published["params_not_modelled_b"] = card.publishedParamsNotModelledB;
    published["params_not_modelled_source"] = card.publishedParamsNotModelledSource;
  }
  report["published"] = published;
  if (!card.notes.empty()) {
    report["notes"] = card.notes;
  }
  return report;
}

bool hasGgufMagic(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  return in.read(magic, 4) && std::string_view(magic, 4) == "GGUF";
}

json inspect(const std::string& target, size_t arrayItems) {
  const fs::path path(target);
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    if (fs::exists(path / "config.json")) {
      return inspectHfConfig(path / "config.json");
    }
    return inspectSafetensors(path);
  }
  if (fs::is_regular_file(path, ec)) {
    const std::string name = path.filename().string();
    if (path.extension() == ".gguf" || hasGgufMagic(path)) {
      return inspectGguf(path, arrayItems);
    }
    if (path.extension() == ".safetensors" || name.ends_with(".safetensors.index.json")) {
      return inspectSafetensors(path);
    }
    if (name == "config.json") {
      return inspectHfConfig(path);
    }
    if (path.extension() == ".json") {
      return inspectCard(path);
    }
    throw std::runtime_error(target + ": not a model file (expected .gguf, .safetensors, "
                                      "config.json or a model card .json)");
  }
  if (fs::exists(path, ec)) {
    throw std::runtime_error(target + ": is not a regular file");
  }
  // Not a path: a card name.
  const auto cards = core::listModelCards();
  if (std::find(cards.begin(), cards.end(), target) == cards.end()) {
    core::loadModelSpec(target); // throws the one-line error that lists the cards
  }
  return inspectCard(core::assetsDir() / "models" / "cards" / (target + ".json"));
}

// ---------------------------------------------------------------- text view

std::string formatBytes(double bytes) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB", "PB"};
  int unit = 0;
  while (bytes >= 1000.0 && unit < 5) {
    bytes /= 1000.0;
    ++unit;
  }
  return unit == 0 ? fmt::format("{:.0f} B", bytes) : fmt::format("{:.2f} {}", bytes, units[unit]);
}

std::string formatCount(uint64_t n) {
  std::string digits = std::to_string(n);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) {
    digits.insert(static_cast<size_t>(i), ",");
  }
  return digits;
}

std::string formatParams(uint64_t n) {
  const double v = static_cast<double>(n);
  if (v < 1e3) {
    return fmt::format("{:>9}", n);
  }
  const auto [scaled, unit] = v >= 1e9   ? std::pair{v / 1e9, "B"}
                              : v >= 1e6 ? std::pair{v / 1e6, "M"}
                                         : std::pair{v / 1e3, "K"};
  return fmt::format("{:>9.3f} {}  ({})", scaled, unit, formatCount(n));
}

std::string dimsText(const json& dims) {
  std::string text = "[";
  for (size_t i = 0; i < dims.size(); ++i) {
    text += (i ? ", " : "") + std::to_string(dims[i].get<uint64_t>());
  }
  return text + "]";
}

void printText(const json& r) {
  std::string out;
  out += fmt::format("File:    {}\n", r["file"].get<std::string>());
  std::string format = r["format"].get<std::string>();
  if (r.contains("gguf")) {
    const json& g = r["gguf"];
    format +=
        fmt::format(" v{} (alignment {}, tensor data at byte {}, {})", g["version"].get<int>(),
                    g["alignment"].get<uint64_t>(), g["data_offset"].get<uint64_t>(),
                    formatBytes(g["file_size"].get<double>()));
  }
  if (r.contains("shards")) {
    format += fmt::format(" ({} shard{})", r["shards"].get<size_t>(),
                          r["shards"].get<size_t>() == 1 ? "" : "s");
  }
  out += fmt::format("Format:  {}\n", format);

  if (r.contains("metadata") && !r["metadata"].empty()) {
    size_t keyWidth = 0;
    for (const auto& m : r["metadata"]) {
      keyWidth = std::max(keyWidth, m["key"].get<std::string>().size());
    }
    out += fmt::format("\nMetadata ({} keys)\n", r["metadata"].size());
    for (const auto& m : r["metadata"]) {
      out += fmt::format("  {:<{}}  {:<7}  {}\n", m["key"].get<std::string>(), keyWidth,
                         m["type"].get<std::string>(), m["display"].get<std::string>());
    }
  }
  if (r.contains("tensors")) {
    size_t nameWidth = 4;
    double total = 0;
    for (const auto& t : r["tensors"]) {
      nameWidth = std::max(nameWidth, t["name"].get<std::string>().size());
      total += t["bytes"].get<double>();
    }
    out += fmt::format("\nTensors ({}, {})\n", r["tensors"].size(), formatBytes(total));
    if (!r["tensors"].empty()) {
      out += fmt::format("  {:<{}}  {:<7}  {:<22}  {:>10}\n", "name", nameWidth, "type", "dims",
                         "bytes");
    }
    for (const auto& t : r["tensors"]) {
      out += fmt::format("  {:<{}}  {:<7}  {:<22}  {:>10}\n", t["name"].get<std::string>(),
                         nameWidth, t["type"].get<std::string>(), dimsText(t["dims"]),
                         formatBytes(t["bytes"].get<double>()));
    }
  }
  if (r.contains("model_error")) {
    out += fmt::format("\nModel:   not available: {}\n", r["model_error"].get<std::string>());
  }
  if (r.contains("host_inference")) {
    const json& host = r["host_inference"];
    if (host["runs"].get<bool>()) {
      out += "\nHost inference: runs (generate, logits)\n";
    } else {
      out += "\nHost inference: cannot run; missing:\n";
      for (const auto& gap : host["missing"]) {
        const std::string name = gap["name"].get<std::string>();
        out += fmt::format("  {}{}: {}\n", gap["what"].get<std::string>(),
                           name.empty() ? "" : " '" + name + "'", gap["detail"].get<std::string>());
      }
    }
  }
  if (r.contains("model")) {
    const json& m = r["model"];
    out += "\nModel\n";
    out += fmt::format("  name              {}\n", m["name"].get<std::string>());
    out += fmt::format("  architecture      {}\n", m["architecture"].get<std::string>());
    out += fmt::format("  layers            {}\n", m["layers"].get<uint64_t>());
    out += fmt::format("  hidden size       {}\n", m["hidden_size"].get<uint64_t>());
    out += fmt::format("  attention heads   {} query, {} KV, head dim {}\n",
                       m["heads"].get<uint64_t>(), m["kv_heads"].get<uint64_t>(),
                       m["head_dim"].get<uint64_t>());
    std::string extras;
    for (const auto& [key, label] : {std::pair{"attention_qkv_bias", "QKV bias"},
                                     {"attention_out_bias", "output bias"},
                                     {"attention_sinks", "sinks"},
                                     {"qk_norm", "QK-norm"}}) {
      if (m[key].get<bool>()) {
        extras += (extras.empty() ? "" : ", ") + std::string(label);
      }
    }
    if (!extras.empty()) {
      out += fmt::format("  attention extras  {}\n", extras);
    }
    if (const json& mla = m["mla"]; mla["kv_lora_rank"].get<uint64_t>() > 0) {
      out +=
          fmt::format("  latent attention  q rank {}, kv rank {}, qk {} + {} RoPE, v {}\n",
                      mla["q_lora_rank"].get<uint64_t>(), mla["kv_lora_rank"].get<uint64_t>(),
                      mla["qk_nope_head_dim"].get<uint64_t>(),
                      mla["qk_rope_head_dim"].get<uint64_t>(), mla["v_head_dim"].get<uint64_t>());
    }
    if (m["ffn_size"].get<uint64_t>() > 0) {
      out += fmt::format("  FFN size          {}\n", m["ffn_size"].get<uint64_t>());
    }
    if (m["experts"].get<uint64_t>() > 0) {
      out += fmt::format("  experts           {} (top-{}), expert FFN {}, {} shared, {} dense "
                         "layers\n",
                         m["experts"].get<uint64_t>(), m["active_experts"].get<uint64_t>(),
                         m["expert_ffn_size"].get<uint64_t>(), m["shared_experts"].get<uint64_t>(),
                         m["dense_layers"].get<uint64_t>());
      if (m["moe_layer_step"].get<uint64_t>() > 1) {
        out += fmt::format("  MoE layer step    every {} layers, dense between\n",
                           m["moe_layer_step"].get<uint64_t>());
      }
    }
    out += fmt::format("  vocabulary        {}\n", m["vocab_size"].get<uint64_t>());
    out += fmt::format("  context length    {}\n", m["context_length"].get<uint64_t>());
    const json& rs = m["rope_scaling"];
    out += fmt::format("  RoPE              theta {}, {} layout{}\n", m["rope_theta"].get<double>(),
                       m["rope_neox"].get<bool>() ? "NeoX (halves)" : "llama (pairs)",
                       rs["type"].get<std::string>() == "none"
                           ? ""
                           : fmt::format(", {} scaling x{} from {}", rs["type"].get<std::string>(),
                                         rs["factor"].get<double>(),
                                         rs["original_context_length"].get<uint64_t>()));
    out += fmt::format("  RMSNorm epsilon   {}\n", m["rms_norm_eps"].get<double>());
    out += fmt::format("  tied embeddings   {}\n", m["tied_embeddings"].get<bool>() ? "yes" : "no");
    out += fmt::format("  bytes per weight  {:.4f}\n", m["bytes_per_weight"].get<double>());
    out += fmt::format("  source            {}\n", m["source"].get<std::string>());

    const json& p = r["parameters"];
    out += "\nParameters\n";
    for (const auto& [key, label] : {std::pair{"attention", "attention"},
                                     {"ffn", "FFN (dense, shared)"},
                                     {"experts", "experts (all)"},
                                     {"router", "router"},
                                     {"input_embedding", "input embedding"},
                                     {"output_embedding", "output embedding"},
                                     {"norms", "norms"},
                                     {"total", "total"},
                                     {"active", "active per token"}}) {
      if (p[key].get<uint64_t>() == 0 && std::string_view(key) != "total") {
        continue;
      }
      if (std::string_view(key) == "active" && p["experts"].get<uint64_t>() == 0) {
        continue;
      }
      out += fmt::format("  {:<20}{}\n", label, formatParams(p[key].get<uint64_t>()));
    }
    out += "\nWeight memory\n";
    for (const auto& row : r["memory"]) {
      out += fmt::format("  {:<10} {:>7.4f} B/weight  {:>11}\n",
                         row["precision"].get<std::string>(), row["bytes_per_weight"].get<double>(),
                         formatBytes(row["weight_bytes"].get<double>()));
    }
    const json& kv = r["kv_cache_f16"];
    out += fmt::format("\nKV cache (F16): {} per token, {} at the full context of {} tokens\n",
                       formatBytes(kv["bytes_per_token"].get<double>()),
                       formatBytes(kv["bytes_at_context"].get<double>()),
                       kv["context_length"].get<uint64_t>());
  }
  if (r.contains("published")) {
    const json& pub = r["published"];
    out += fmt::format("\nPublished: {} B total ({})\n", pub["params_b"].get<double>(),
                       pub["params_source"].get<std::string>());
    if (pub.contains("params_not_modelled_b")) {
      out += fmt::format("           of which {} B not modelled ({})\n",
                         pub["params_not_modelled_b"].get<double>(),
                         pub["params_not_modelled_source"].get<std::string>());
    }
    if (pub.contains("active_params_b")) {
      const bool input = pub["active_counts_input_embedding"].get<bool>();
      const bool output = pub["active_counts_output_embedding"].get<bool>();
      out += fmt::format("           {} B active ({}){}\n", pub["active_params_b"].get<double>(),
                         pub["active_params_source"].get<std::string>(),
                         !input && !output ? "; excludes both embedding tables"
                         : !input          ? "; excludes the input embedding"
                         : !output         ? "; excludes the output embedding"
                                           : "");
    }
  }
  if (r.contains("notes")) {
    out += fmt::format("Notes:     {}\n", r["notes"].get<std::string>());
  }
  std::fputs(out.c_str(), stdout);
}

void runInspect(const InspectArgs& args) {
  const json report = inspect(args.file, args.arrayItems);
  if (args.json) {
    std::puts(report.dump(2).c_str());
  } else {
    printText(report);
  }
}

const bool registered = registerCommand(
    "inspect", "Show a model file's format, metadata, tensors, shape, parameters and memory",
    [](CLI::App& cmd) {
      auto args = std::make_shared<InspectArgs>();
      cmd.add_option("FILE", args->file,
                     "A .gguf file, .safetensors file or index, config.json (or its directory), "
                     "a model card .json or a card name such as llama-3.1-8b")
          ->required();
      cmd.add_flag("--json", args->json, "Print JSON for scripts");
      cmd.add_option("--array-items", args->arrayItems,
                     "How many items of a long metadata array to show")
          ->capture_default_str();
      cmd.callback([args] { runInspect(*args); });
    });

} // namespace
} // namespace ws::cli
