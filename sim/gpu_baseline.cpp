#include "sim/gpu_baseline.h"

#include "core/asset_paths.h"
#include "core/json_fields.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <stdexcept>

namespace ws::sim {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::runtime_error gpuError(const std::string& file, const std::string& field,
                            const std::string& problem) {
  return std::runtime_error(fmt::format("{}: field '{}': {}", file, field, problem));
}

// A {"value": number, "source": text} field whose value lies in [min, max].
double readValue(const json& root, const char* name, double min, double max,
                 const std::string& file, std::map<std::string, std::string>& sources) {
  auto it = root.find(name);
  if (it == root.end()) {
    throw gpuError(file, name, "missing");
  }
  if (!it->is_object() || !it->contains("value") || !it->contains("source")) {
    throw gpuError(file, name, "expected {\"value\": number, \"source\": text}");
  }
  const json& s = (*it)["source"];
  if (!s.is_string() || s.get<std::string>().empty()) {
    throw gpuError(file, name, "missing \"source\" (every number needs one)");
  }
  const json& v = (*it)["value"];
  if (!v.is_number()) {
    throw gpuError(file, name, fmt::format("value must be a number, got {}", v.type_name()));
  }
  const double value = core::checkNumberInRange(v.get<double>(), name, min, max, file);
  sources[name] = s.get<std::string>();
  return value;
}

GpuSpec gpuSpecFromJson(const json& root, const std::string& file) {
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
  // Physical bounds, far outside any accelerator (h100-sxm.json: 80 GB of HBM
  // at 3.35 TB/s, 989 TFLOP/s, 900 GB/s NVLink, 700 W).
  auto& src = gpu.sources;
  gpu.hbmBytes = readValue(root, "hbmBytes", 1e8, 1e14, file, src);
  gpu.hbmBytesPerSecond = readValue(root, "hbmBytesPerSecond", 1e9, 1e16, file, src);
  gpu.peakFlops = readValue(root, "peakFlops", 1e11, 1e19, file, src);
  gpu.interconnectBytesPerSecond =
      readValue(root, "interconnectBytesPerSecond", 1e6, 1e15, file, src);
  gpu.interconnectLatencySeconds =
      readValue(root, "interconnectLatencySeconds", 0.0, 1e-2, file, src);
  gpu.powerWatts = readValue(root, "powerWatts", 1.0, 1e5, file, src);
  gpu.batch1Efficiency = readValue(root, "batch1Efficiency", 1e-3, 1.0, file, src);
  gpu.fastestDecodeTokensPerSecond =
      readValue(root, "fastestDecodeTokensPerSecond", 1e-3, 1e7, file, src);
  return gpu;
}

} // namespace

GpuSpec parseGpuSpec(const std::string& jsonText, const std::string& file) {
  json root;
  try {
    root = json::parse(jsonText);
  } catch (const json::parse_error& e) {
    throw gpuError(file, "(document)", fmt::format("not valid JSON (byte {})", e.byte));
  }
  return gpuSpecFromJson(root, file);
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
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    throw std::runtime_error(path.string() + ": no such file (GPU presets: " +
                             fmt::format("{}", fmt::join(listGpuPresets(), ", ")) + ")");
  }
  return gpuSpecFromJson(core::readJsonFile(path), path.string());
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
