#pragma once
// A GPU baseline for the same model, by roofline: decode streams every active
// weight (and the KV cache) from HBM once per token, at a batch-1 efficiency
// below peak bandwidth; tensor parallelism over the GPUs needed to hold the
// model adds two all-reduces per layer over the interconnect; prefill is
// compute-bound at peak FLOPS times the same efficiency. A small model cannot
// decode faster than the fastest single-user rate measured on that GPU (kernel
// launches and synchronisation, not bandwidth, bound it there). Presets in
// assets/gpus/ (h100-sxm, b200), every number with its source.
#include "core/model_spec.h"

#include <map>
#include <string>
#include <vector>

namespace ws::sim {

struct GpuSpec {
  std::string name;
  std::string description;
  std::string file;
  double hbmBytes = 0.0;
  double hbmBytesPerSecond = 0.0;
  double peakFlops = 0.0; // dense FP16/BF16
  double interconnectBytesPerSecond = 0.0;
  double interconnectLatencySeconds = 0.0;
  double powerWatts = 0.0;
  double batch1Efficiency = 0.0; // achieved fraction of the roofline at batch 1
  // The fastest single-user decode measured on this GPU, for any model: a
  // floor on the time per token (and on the time to the first token).
  double fastestDecodeTokensPerSecond = 0.0;
  std::map<std::string, std::string> sources;
};

GpuSpec parseGpuSpec(const std::string& jsonText, const std::string& file);
// Preset name (assetsDir()/gpus/NAME.json) or path. Errors name file and field.
GpuSpec loadGpuSpec(const std::string& nameOrPath);
std::vector<std::string> listGpuPresets();

struct GpuEstimate {
  std::string gpu;
  int gpus = 1;                       // fewest that hold weights + every user's KV
  int users = 1;                      // sequences decoded together in one batch
  double decodeTokensPerSecond = 0.0; // all users together
  double timeToFirstTokenSeconds = 0.0;
  double joulesPerToken = 0.0;
  double tokensPerSecondPerUser() const { return decodeTokensPerSecond / users; }
};

// `users` concurrent sequences are served as one batch (continuous batching):
// a decode step reads the weights once for the whole batch and each user's KV
// cache, and does every user's FLOPs; the prompts are prefilled as one batch.
// The batch-1 efficiency and the single-user floor are assumed to hold for
// the whole batch's step (no published per-batch efficiency in the presets).
GpuEstimate estimateGpu(const GpuSpec& gpu, const core::ModelSpec& model, double bytesPerWeight,
                        int64_t promptTokens, int64_t contextTokens, int users = 1);

} // namespace ws::sim
