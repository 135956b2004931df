// Host decode speed of the inference engine: tokens per second and peak RSS
// with 1 and 2 threads, for the built-in model and for a random-weight model
// with Qwen2.5-Coder-0.5B's shapes in Q8_0 (goal: >= 10 tokens/s on 2 cores).
// Each iteration is one decode step (forward + greedy pick); the context is
// reset every kTokensPerRun steps so all runs see the same attention length.
#include "core/builtin_model.h"
#include "core/inference_context.h"
#include "core/llama_model.h"
#include "core/sampler.h"
#include "core/synthetic_model.h"
#include "core/tensor_ops.h"

#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

namespace {

using namespace ws::core;

constexpr int kTokensPerRun = 64;

// Qwen2.5-Coder-0.5B (Hugging Face config.json of Qwen/Qwen2.5-Coder-0.5B):
// 24 layers, hidden 896, 14 heads, 2 KV heads (head dim 64), FFN 4864,
// vocabulary 151936, tied embeddings, RoPE theta 1e6, context 32768.
SyntheticModelShape qwenCoder05bShape() {
  SyntheticModelShape shape;
  shape.architecture = "qwen2";
  shape.layers = 24;
  shape.hiddenSize = 896;
  shape.heads = 14;
  shape.kvHeads = 2;
  shape.ffnSize = 4864;
  shape.vocabSize = 151936;
  shape.contextLength = 32768;
  shape.ropeTheta = 1000000.0f;
  shape.tiedEmbeddings = true;
  shape.matrixType = GgmlType::Q8_0;
  return shape;
}

std::filesystem::path syntheticPath() {
  return std::filesystem::temp_directory_path() / "waferscope-bench-qwen2.5-coder-0.5b-q8_0.gguf";
}

// Written by a child process so the writer's buffers never count in this
// process's peak RSS.
void writeSyntheticInChild(const std::filesystem::path& path) {
  if (std::filesystem::exists(path)) {
    return;
  }
  const pid_t child = fork();
  if (child == 0) {
    try {
      writeSyntheticModel(qwenCoder05bShape(), 2024, path);
      _exit(0);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "bench_inference: %s\n", e.what());
      _exit(1);
    }
  }
  int status = 0;
  waitpid(child, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "bench_inference: could not write %s\n", path.c_str());
    std::exit(1);
  }
}

double peakRssMiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0; // ru_maxrss is in KiB on Linux
}

const LlamaModel& cachedModel(const std::filesystem::path& path) {
  static std::map<std::filesystem::path, std::unique_ptr<LlamaModel>> models;
  auto& slot = models[path];
  if (!slot) {
    slot = LlamaModel::load(path);
  }
  return *slot;
}

void runDecode(benchmark::State& state, const std::filesystem::path& path, KernelIsa isa) {
  if (!std::filesystem::exists(path)) {
    state.SkipWithError((path.string() + " does not exist: train and export the built-in model "
                                         "first (tools/train-builtin-model.py)")
                            .c_str());
    return;
  }
  if (!cpuSupports(isa)) {
    state.SkipWithError("this CPU lacks AVX2/FMA/F16C");
    return;
  }
  const KernelIsa original = activeKernelIsa();
  setKernelIsa(isa);
  const LlamaModel& model = cachedModel(path);
  InferenceContext context(model, {static_cast<int>(state.range(0)), kTokensPerRun});
  int32_t token = 1;
  for (auto _ : state) {
    if (context.position() == kTokensPerRun) {
      context.reset();
    }
    const auto logits = context.forward(token);
    token = topLogits(logits, 1)[0].first;
    benchmark::DoNotOptimize(token);
  }
  setKernelIsa(original);
  state.counters["tokens_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["peak_rss_MiB"] = peakRssMiB();
  state.SetLabel(model.spec().architecture + " " + std::to_string(model.layerCount()) +
                 " layers, hidden " + std::to_string(model.hiddenSize()) + ", " +
                 std::string(ggmlTypeName(model.layers()[0].ffnUp.type)));
}

void BM_BuiltinModel(benchmark::State& state) {
  runDecode(state, builtinModelPath(), activeKernelIsa());
}

void BM_Qwen05bShapeQ8_0(benchmark::State& state) {
  runDecode(state, syntheticPath(), activeKernelIsa());
}

void BM_Qwen05bShapeQ8_0Portable(benchmark::State& state) {
  runDecode(state, syntheticPath(), KernelIsa::Portable);
}

// Wall-clock rates (the pool's threads work in parallel); the CPU column is
// the whole process's CPU time per token.
BENCHMARK(BM_BuiltinModel)
    ->Arg(1)
    ->Arg(2)
    ->ArgName("threads")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MeasureProcessCPUTime();
BENCHMARK(BM_Qwen05bShapeQ8_0)
    ->Arg(1)
    ->Arg(2)
    ->ArgName("threads")
    ->Unit(benchmark::kMillisecond)
    ->MinTime(3.0)
    ->UseRealTime()
    ->MeasureProcessCPUTime();
BENCHMARK(BM_Qwen05bShapeQ8_0Portable)
    ->Arg(2)
    ->ArgName("threads")
    ->Unit(benchmark::kMillisecond)
    ->MinTime(2.0)
    ->UseRealTime()
    ->MeasureProcessCPUTime();

} // namespace

int main(int argc, char** argv) {
  writeSyntheticInChild(syntheticPath());
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
    return 1;
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
