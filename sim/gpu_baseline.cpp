#include "sim/gpu_baseline.h"

#include "core/asset_paths.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace ws::sim {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::runtime_error gpuError(const std::string& file, const std::string& field,
                            const std::string& problem) {
  return std::runtime_error(fmt::format("{}: field '{}': {}", file, field, problem));
}

double readValue(const json& root, const char* name, const std::string& file, bool positive,
                 std::map<std::string, std::string>& sources) {
  auto it = root.find(name);
  if (it == root.end()) {
    throw gpuError(file, name, "missing");
  }
  if (!it->is_object() || !it->contains("value") || !it->contains("source")) {
    throw gpuError(file, name, "expected {\"value\": number, \"source\": text}");
  }
  const json& v = (*it)["value"];
  const json& s = (*it)["source"];
  if (!v.is_number()) {
    throw gpuError(file, name, fmt::format("value must be a number, got {}", v.type_name()));
  }
  if (!s.is_string() || s.get<std::string>().empty()) {
    throw gpuError(file, name, "missing \"source\" (every number needs one)");
  }
  const double value = v.get<double>();
  if (!std::isfinite(value) || value < 0 || (positive && value == 0)) {
    throw gpuError(
        file, name,
        fmt::format("value must be {}, got {}", positive ? "positive" : "non-negative", value));
  }
  sources[name] = s.get<std::string>();
  return value;
}

} // namespace

GpuSpec parseGpuSpec(const std::string& jsonText, const std::string& file) {
  json root;
  try {
    root = json::parse(jsonText);
  } catch (const json::parse_error& e) {
    throw gpuError(file, "(document)", fmt::format("not valid JSON (byte {})", e.byte));
  }
  if (!root.is_object()) {
    throw gpuError(file, "(document)", "must be a JSON object");
  }
  GpuSpec gpu;
  gpu.file = file;
  if (!root.contains("name") || !root["name"].is_string() ||
      root["name"].get<std::string>().empty()) {
    throw gpuError(file, "name", "missing or not text");
  }
  gpu.name = root["name"].get<std::string>();
  if (root.contains("description") && root["description"].is_string()) {
    gpu.description = root["description"].get<std::string>();
  }
  gpu.hbmBytes = readValue(root, "hbmBytes", file, true, gpu.sources);
  gpu.hbmBytesPerSecond = readValue(root, "hbmBytesPerSecond", file, true, gpu.sources);
  gpu.peakFlops = readValue(root, "peakFlops", file, true, gpu.sources);
  gpu.interconnectBytesPerSecond =
      readValue(root, "interconnectBytesPerSecond", file, true, gpu.sources);
  gpu.interconnectLatencySeconds =
      readValue(root, "interconnectLatencySeconds", file, false, gpu.sources);
  gpu.powerWatts = readValue(root, "powerWatts", file, true, gpu.sources);
  gpu.batch1Efficiency = readValue(root, "batch1Efficiency", file, true, gpu.sources);
  gpu.fastestDecodeTokensPerSecond =
      readValue(root, "fastestDecodeTokensPerSecond", file, true, gpu.sources);
  if (gpu.batch1Efficiency > 1.0) {
    throw gpuError(file, "batch1Efficiency", "must be at most 1");
  }
  return gpu;
}

std::vector<std::string> listGpuPresets() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(core::assetsDir() / "gpus", ec)) {
    if (entry.path().extension() == ".json") {
      names.push_back(entry.path().stem().string());
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

GpuSpec loadGpuSpec(const std::string& nameOrPath) {
  fs::path path = nameOrPath;
  if (nameOrPath.find('/') == std::string::npos && path.extension() != ".json") {
    path = core::assetsDir() / "gpus" / (nameOrPath + ".json");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error(path.string() + ": cannot be opened (GPU presets: " +
                             fmt::format("{}", fmt::join(listGpuPresets(), ", ")) + ")");
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parseGpuSpec(text.str(), path.string());
}

GpuEstimate estimateGpu(const GpuSpec& gpu, const core::ModelSpec& model, double bytesPerWeight,
                        int64_t promptTokens, int64_t contextTokens, int users) {
  if (users < 1) {
    throw std::invalid_argument(
        fmt::format("estimateGpu: users must be at least 1, got {}", users));
  }
  const core::ParamCounts pc = model.paramCounts();
  const double batch = users;
  const double weights = double(pc.total()) * bytesPerWeight;
  const double kv = model.kvBytesPerToken() * double(std::max<int64_t>(contextTokens, 1)) * batch;
  GpuEstimate e;
  e.gpu = gpu.name;
  e.users = users;
  e.gpus = std::max(1, int(std::ceil((weights + kv) / gpu.hbmBytes)));
  const double g = e.gpus;
  // A step reads every active weight (not the embedding table: one row) once
  // for the batch and each user's KV cache, split over the GPUs (tensor parallel).
  const double streamed = (double(pc.active()) - double(pc.inputEmbedding)) * bytesPerWeight + kv;
  const double memorySeconds = streamed / (g * gpu.hbmBytesPerSecond * gpu.batch1Efficiency);
  const double decodeFlops = 2.0 * double(pc.active()) * batch;
  const double decodeComputeSeconds = decodeFlops / (g * gpu.peakFlops * gpu.batch1Efficiency);
  double commSeconds = 0.0;
  if (e.gpus > 1) {
    // Two all-reduces of the batch's hidden vectors per layer (after attention, after FFN).
    const double bytes = double(model.hiddenSize) * 2.0 * 2.0 * batch * (g - 1) / g;
    commSeconds = 2.0 * double(model.layers) *
                  (gpu.interconnectLatencySeconds + bytes / gpu.interconnectBytesPerSecond);
  }
  const double floorSeconds = 1.0 / gpu.fastestDecodeTokensPerSecond;
  const double stepSeconds =
      std::max(std::max(memorySeconds, decodeComputeSeconds) + commSeconds, floorSeconds);
  e.decodeTokensPerSecond = batch / stepSeconds;
  const double flops =
      2.0 * double(pc.active()) * double(std::max<int64_t>(promptTokens, 1)) * batch;
  const double prefill =
      std::max(flops / (g * gpu.peakFlops * gpu.batch1Efficiency), memorySeconds) + commSeconds;
  e.timeToFirstTokenSeconds = std::max(prefill, floorSeconds);
  e.joulesPerToken = g * gpu.powerWatts * stepSeconds / batch;
  return e;
}

} // namespace ws::sim
