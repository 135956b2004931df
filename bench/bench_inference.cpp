// Host inference speed against the machine's memory bandwidth, measured in
// one run:
//  - StreamingRead: a summing read of a 1 GiB buffer (far larger than the
//    caches) with 1 and 2 threads: the bandwidth decode can at best reach;
//  - Decode: a Qwen2.5-Coder-0.5B-shaped model (random weights) stored as
//    F16, BF16, Q8_0, Q4_K_M, Q5_K_M and Q6_K (llama.cpp's mixes, see
//    SyntheticModelShape::mediumMix), 1 and 2 threads: tokens/s, weight bytes
//    read per token and the bandwidth that implies;
//  - Prompt: the same models fed a 512-token prompt from an empty cache
//    through InferenceContext::forwardPrompt (blocks of 32 tokens, each
//    weight block decoded once per group of tokens by matmulBatch, batched
//    causal attention), 1 and 2 threads;
//  - Qwen3MoeDecode: Qwen3-Coder-30B-A3B's layer shape (hidden 2048, 32 heads /
//    4 KV, head size 128, 128 experts of which 8 run, expert FFN 768) with 8
//    layers in Q4_K_M: tokens/s, bytes read per token (only the chosen
//    experts), and peak RSS with the file mapped, not copied (run it alone,
//    --benchmark_filter=Qwen3Moe, for a peak RSS of its own);
//  - the built-in model.
// The kernels run at the level activeKernelIsa() picks (the best this CPU has,
// or WS_KERNELS's); --ws_kernels=avx2,avx512 (any of portable, avx2, avx512)
// runs Decode and Prompt512 at each listed level instead, and the summary sets
// their tokens/s side by side with the ratio to the first level.
// Model files are written to the temp directory by a child process (so the
// writer's buffers never count in this process's RSS) and deleted at exit.
// A summary of the ratios the goals name is printed after the table.
#include "core/builtin_model.h"
#include "core/inference_context.h"
#include "core/llama_model.h"
#include "core/sampler.h"
#include "core/synthetic_model.h"
#include "core/tensor_ops.h"
#include "core/thread_pool.h"

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace ws::core;
namespace fs = std::filesystem;

constexpr int kTokensPerRun = 64;
constexpr int kPromptTokens = 512;

// Qwen2.5-Coder-0.5B (Hugging Face config.json of Qwen/Qwen2.5-Coder-0.5B):
// 24 layers, hidden 896, 14 heads, 2 KV heads (head dim 64), FFN 4864,
// vocabulary 151936, tied embeddings, RoPE theta 1e6, context 32768.
SyntheticModelShape qwenCoder05bShape(GgmlType type, bool mediumMix) {
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
  shape.matrixType = type;
  shape.mediumMix = mediumMix;
  return shape;
}

// Qwen3-Coder-30B-A3B-Instruct's config.json (48 layers, hidden 2048, 32
// heads / 4 KV, head_dim 128, 128 experts, 8 per token, moe_intermediate_size
// 768, vocabulary 151936, untied embeddings, RoPE theta 1e7) cut to 8 layers.
SyntheticModelShape qwen3MoeShape() {
  SyntheticModelShape shape;
  shape.architecture = "qwen3moe";
  shape.layers = 8;
  shape.hiddenSize = 2048;
  shape.heads = 32;
  shape.kvHeads = 4;
  shape.headDim = 128;
  shape.experts = 128;
  shape.expertsUsed = 8;
  shape.expertFfnSize = 768;
  shape.vocabSize = 151936;
  shape.contextLength = 32768;
  shape.ropeTheta = 10000000.0f;
  shape.tiedEmbeddings = false;
  shape.matrixType = GgmlType::Q4_K;
  shape.mediumMix = true;
  return shape;
}

struct BenchModel {
  std::string label; // "Q4_K_M", ...
  SyntheticModelShape shape;
  fs::path path;
};

std::vector<BenchModel>& benchModels() {
  static std::vector<BenchModel> models = [] {
    const fs::path tmp = fs::temp_directory_path();
    const auto qwen05b = [&](const std::string& label, GgmlType type, bool mix) {
      return BenchModel{label, qwenCoder05bShape(type, mix),
                        tmp / ("waferscope-bench-qwen2.5-coder-0.5b-" + label + ".gguf")};
    };
    return std::vector<BenchModel>{
        qwen05b("F16", GgmlType::F16, false),
        qwen05b("BF16", GgmlType::BF16, false),
        qwen05b("Q8_0", GgmlType::Q8_0, false),
        qwen05b("Q4_K_M", GgmlType::Q4_K, true),
        qwen05b("Q5_K_M", GgmlType::Q5_K, true),
        qwen05b("Q6_K", GgmlType::Q6_K, false),
        BenchModel{"qwen3moe-Q4_K_M", qwen3MoeShape(),
                   tmp / "waferscope-bench-qwen3moe-a3b-8-layers-q4_k_m.gguf"},
    };
  }();
  return models;
}

std::set<fs::path>& writtenFiles() {
  static std::set<fs::path> files;
  return files;
}

// Written by a child process so the writer's buffers never count in this
// process's peak RSS.
void writeInChild(const BenchModel& model) {
  if (writtenFiles().count(model.path) != 0) {
    return;
  }
  const auto start = std::chrono::steady_clock::now();
  const pid_t child = fork();
  if (child == 0) {
    try {
      writeSyntheticModel(model.shape, 2024, model.path);
      _exit(0);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "bench_inference: %s\n", e.what());
      _exit(1);
    }
  }
  int status = 0;
  waitpid(child, &status, 0);
  writtenFiles().insert(model.path);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "bench_inference: could not write %s\n", model.path.c_str());
    std::exit(1);
  }
  std::fprintf(stderr, "bench_inference: wrote %s (%.2f GB) in %.0f s\n", model.path.c_str(),
               static_cast<double>(fs::file_size(model.path)) / 1e9,
               std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}

double peakRssMiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0; // ru_maxrss is in KiB on Linux
}

const LlamaModel& cachedModel(const fs::path& path) {
  static std::map<fs::path, std::unique_ptr<LlamaModel>> models;
  auto& slot = models[path];
  if (!slot) {
    slot = LlamaModel::load(path);
  }
  return *slot;
}

double matrixBytes(const WeightMatrix& w) {
  return static_cast<double>(w.rowStride()) * static_cast<double>(w.rows);
}

// Weight bytes one decode step reads: one embedding row, every attention and
// dense FFN matrix, the router and the chosen experts' matrices, the LM head.
// (The KV cache and norm vectors are left out: under 1 % here.)
double weightBytesPerToken(const LlamaModel& model) {
  double bytes =
      static_cast<double>(model.tokenEmbedding().rowStride()) + matrixBytes(model.output());
  for (const LlamaLayer& layer : model.layers()) {
    bytes += matrixBytes(layer.query) + matrixBytes(layer.key) + matrixBytes(layer.value) +
             matrixBytes(layer.attentionOutput);
    if (layer.isMoe()) {
      bytes +=
          matrixBytes(layer.router) + model.expertsUsed() * (matrixBytes(layer.gateExperts.first) +
                                                             matrixBytes(layer.upExperts.first) +
                                                             matrixBytes(layer.downExperts.first));
    } else {
      bytes += matrixBytes(layer.ffnGate) + matrixBytes(layer.ffnUp) + matrixBytes(layer.ffnDown);
    }
  }
  return bytes;
}

// Rates measured here, for the summary: "decode Q8_0 t2" -> tokens/s, ...
std::map<std::string, double>& measured() {
  static std::map<std::string, double> rates;
  return rates;
}

double seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// The sum of n 64-bit words (n a multiple of 16), with 256-bit loads where the
// CPU has AVX2 so that the loop is bound by memory, not by the core.
#if defined(__x86_64__)
__attribute__((target("avx2"))) uint64_t sumWordsAvx2(const uint64_t* p, size_t n) {
  __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
  for (size_t i = 0; i < n; i += 16) {
    a0 = _mm256_add_epi64(a0, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i)));
    a1 = _mm256_add_epi64(a1, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 4)));
    a2 = _mm256_add_epi64(a2, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 8)));
    a3 = _mm256_add_epi64(a3, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 12)));
  }
  alignas(32) uint64_t lanes[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes),
                     _mm256_add_epi64(_mm256_add_epi64(a0, a1), _mm256_add_epi64(a2, a3)));
  return lanes[0] + lanes[1] + lanes[2] + lanes[3];
}
#endif

uint64_t sumWords(const uint64_t* p, size_t n) {
#if defined(__x86_64__)
  if (cpuSupports(KernelIsa::Avx2Fma)) {
    return sumWordsAvx2(p, n);
  }
#endif
  uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (size_t i = 0; i < n; i += 4) {
    s0 += p[i];
    s1 += p[i + 1];
    s2 += p[i + 2];
    s3 += p[i + 3];
  }
  return s0 + s1 + s2 + s3;
}

void BM_StreamingRead(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  constexpr size_t kBytes = size_t{1} << 30;
  std::vector<uint64_t> buffer(kBytes / sizeof(uint64_t));
  for (size_t i = 0; i < buffer.size(); ++i) {
    buffer[i] = i;
  }
  ThreadPool pool(threads);
  const int64_t chunks = 256;
  const size_t perChunk = buffer.size() / chunks;
  std::vector<uint64_t> partial(static_cast<size_t>(chunks));
  const auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    pool.parallelFor(chunks, 1, [&](int64_t begin, int64_t end) {
      for (int64_t c = begin; c < end; ++c) {
        partial[static_cast<size_t>(c)] =
            sumWords(buffer.data() + static_cast<size_t>(c) * perChunk, perChunk);
      }
    });
    benchmark::DoNotOptimize(partial.data());
  }
  const double rate = static_cast<double>(state.iterations()) * kBytes /
                      seconds(std::chrono::steady_clock::now() - start);
  measured()[fmt::format("bandwidth t{}", threads)] = rate / 1e9;
  state.counters["GB_per_s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * kBytes / 1e9, benchmark::Counter::kIsRate);
}

bool prepare(benchmark::State& state, const BenchModel& model, KernelIsa isa) {
  if (!cpuSupports(isa)) {
    state.SkipWithError(
        (std::string("this CPU lacks the ") + kernelIsaName(isa) + " kernels").c_str());
    return false;
  }
  writeInChild(model);
  setKernelIsa(isa);
  return true;
}

void runDecode(benchmark::State& state, const BenchModel& bench, KernelIsa isa) {
  const KernelIsa original = activeKernelIsa();
  if (!prepare(state, bench, isa)) {
    return;
  }
  const int threads = static_cast<int>(state.range(0));
  const LlamaModel& model = cachedModel(bench.path);
  InferenceContext context(model, {threads, kTokensPerRun});
  int32_t token = 1;
  const auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    if (context.position() == kTokensPerRun) {
      context.reset();
    }
    const auto logits = context.forward(token);
    token = topLogits(logits, 1)[0].first;
    benchmark::DoNotOptimize(token);
  }
  const double rate =
      static_cast<double>(state.iterations()) / seconds(std::chrono::steady_clock::now() - start);
  setKernelIsa(original);
  const double bytes = weightBytesPerToken(model);
  measured()[fmt::format("decode {} {} t{}", bench.label, kernelIsaName(isa), threads)] = rate;
  measured()[fmt::format("bytes {}", bench.label)] = bytes;
  state.counters["tokens_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["MB_per_token"] = bytes / 1e6;
  state.counters["effective_GB_per_s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * bytes / 1e9, benchmark::Counter::kIsRate);
  state.counters["peak_rss_MiB"] = peakRssMiB();
  state.SetLabel(fmt::format("{} {} layers, hidden {}, file {:.2f} GB", bench.label,
                             model.layerCount(), model.hiddenSize(),
                             static_cast<double>(fs::file_size(bench.path)) / 1e9));
}

// Tokens/s of a 512-token prompt fed from an empty cache as one forwardPrompt.
void runPrompt(benchmark::State& state, const BenchModel& bench, KernelIsa isa) {
  const KernelIsa original = activeKernelIsa();
  if (!prepare(state, bench, isa)) {
    return;
  }
  const int threads = static_cast<int>(state.range(0));
  const LlamaModel& model = cachedModel(bench.path);
  InferenceContext context(model, {threads, kPromptTokens});
  std::vector<int32_t> prompt(kPromptTokens);
  for (int i = 0; i < kPromptTokens; ++i) {
    prompt[static_cast<size_t>(i)] = (i * 7919 + 1) % model.vocabSize();
  }
  const auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    context.reset();
    benchmark::DoNotOptimize(context.forwardPrompt(prompt).data());
  }
  const double rate = static_cast<double>(state.iterations()) * kPromptTokens /
                      seconds(std::chrono::steady_clock::now() - start);
  setKernelIsa(original);
  measured()[fmt::format("prompt {} {} t{}", bench.label, kernelIsaName(isa), threads)] = rate;
  state.counters["prompt_tokens_per_s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * kPromptTokens, benchmark::Counter::kIsRate);
}

void BM_BuiltinModel(benchmark::State& state) {
  const fs::path path = builtinModelPath();
  if (!fs::exists(path)) {
    state.SkipWithError((path.string() + " does not exist: train and export the built-in model "
                                         "first (tools/train-builtin-model.py)")
                            .c_str());
    return;
  }
  const LlamaModel& model = cachedModel(path);
  InferenceContext context(model, {static_cast<int>(state.range(0)), kTokensPerRun});
  int32_t token = 1;
  for (auto _ : state) {
    if (context.position() == kTokensPerRun) {
      context.reset();
    }
    token = topLogits(context.forward(token), 1)[0].first;
    benchmark::DoNotOptimize(token);
  }
  state.counters["tokens_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["peak_rss_MiB"] = peakRssMiB();
}

// The kernel levels Decode and Prompt512 run at: --ws_kernels's, else the
// active one.
std::vector<KernelIsa>& benchLevels() {
  static std::vector<KernelIsa> levels;
  return levels;
}

void registerBenchmarks() {
  // Wall-clock rates (the pool's threads work in parallel); the CPU column is
  // the whole process's CPU time.
  benchmark::RegisterBenchmark("BM_StreamingRead", BM_StreamingRead)
      ->Arg(1)
      ->Arg(2)
      ->ArgName("threads")
      ->Unit(benchmark::kMillisecond)
      ->MinTime(1.0)
      ->UseRealTime()
      ->MeasureProcessCPUTime();
  // With several levels the level is part of the name: BM_Decode/Q8_0/avx512.
  const bool named = benchLevels().size() > 1;
  const auto levelName = [named](KernelIsa isa) {
    return named ? std::string("/") + kernelIsaName(isa) : std::string();
  };
  for (const BenchModel& model : benchModels()) {
    if (model.shape.architecture == "qwen3moe") {
      benchmark::RegisterBenchmark(
          ("BM_Qwen3MoeDecode/" + model.label).c_str(),
          [&model](benchmark::State& s) { runDecode(s, model, activeKernelIsa()); })
          ->Arg(2)
          ->ArgName("threads")
          ->Unit(benchmark::kMillisecond)
          ->MinTime(3.0)
          ->UseRealTime()
          ->MeasureProcessCPUTime();
      continue;
    }
    for (KernelIsa isa : benchLevels()) {
      benchmark::RegisterBenchmark(("BM_Decode/" + model.label + levelName(isa)).c_str(),
                                   [&model, isa](benchmark::State& s) { runDecode(s, model, isa); })
          ->Arg(1)
          ->Arg(2)
          ->ArgName("threads")
          ->Unit(benchmark::kMillisecond)
          ->MinTime(2.0)
          ->UseRealTime()
          ->MeasureProcessCPUTime();
    }
    for (KernelIsa isa : benchLevels()) {
      benchmark::RegisterBenchmark(("BM_Prompt512/" + model.label + levelName(isa)).c_str(),
                                   [&model, isa](benchmark::State& s) { runPrompt(s, model, isa); })
          ->Arg(1)
          ->Arg(2)
          ->ArgName("threads")
          ->Unit(benchmark::kMillisecond)
          ->Iterations(1)
          ->UseRealTime()
          ->MeasureProcessCPUTime();
    }
  }
  // The portable kernels of the two formats the goals name, for the SIMD gain.
  for (const BenchModel& model : benchModels()) {
    if (model.label == "Q8_0" || model.label == "Q4_K_M") {
      benchmark::RegisterBenchmark(
          ("BM_DecodePortable/" + model.label).c_str(),
          [&model](benchmark::State& s) { runDecode(s, model, KernelIsa::Portable); })
          ->Arg(2)
          ->ArgName("threads")
          ->Unit(benchmark::kMillisecond)
          ->MinTime(2.0)
          ->UseRealTime()
          ->MeasureProcessCPUTime();
    }
  }
  benchmark::RegisterBenchmark("BM_BuiltinModel", BM_BuiltinModel)
      ->Arg(1)
      ->Arg(2)
      ->ArgName("threads")
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime()
      ->MeasureProcessCPUTime();
}

// The goals' ratios from this run's measurements, at each level run.
void printSummary() {
  const auto& m = measured();
  const auto get = [&](const std::string& key) {
    const auto it = m.find(key);
    return it == m.end() ? 0.0 : it->second;
  };
  if (m.empty()) {
    return;
  }
  std::printf("\nSummary (this run; kernel level in use: %s", kernelIsaName(activeKernelIsa()));
  std::printf(", this CPU has:");
  for (KernelIsa isa : kKernelIsas) {
    if (cpuSupports(isa)) {
      std::printf(" %s", kernelIsaName(isa));
    }
  }
  std::printf("):\n");
  std::vector<KernelIsa> levels = benchLevels();
  if (get("decode Q8_0 portable t2") > 0.0 &&
      std::find(levels.begin(), levels.end(), KernelIsa::Portable) == levels.end()) {
    levels.push_back(KernelIsa::Portable);
  }
  for (int threads : {1, 2}) {
    const double bandwidth = get(fmt::format("bandwidth t{}", threads));
    if (bandwidth > 0.0) {
      std::printf("  %d thread(s): streaming read %.1f GB/s\n", threads, bandwidth);
    }
    for (KernelIsa isa : levels) {
      const std::string level = kernelIsaName(isa);
      const double q8 = get(fmt::format("decode Q8_0 {} t{}", level, threads));
      for (const BenchModel& model : benchModels()) {
        const double decode = get(fmt::format("decode {} {} t{}", model.label, level, threads));
        if (decode == 0.0) {
          continue;
        }
        const double gbps = decode * get("bytes " + model.label) / 1e9;
        const double prompt = get(fmt::format("prompt {} {} t{}", model.label, level, threads));
        std::printf("    %-8s %-16s decode %7.1f tokens/s, %6.1f MB/token, %5.1f GB/s",
                    level.c_str(), model.label.c_str(), decode, get("bytes " + model.label) / 1e6,
                    gbps);
        if (q8 > 0.0) {
          std::printf(" (%.2fx Q8_0's tokens/s)", decode / q8);
        }
        if (bandwidth > 0.0) {
          std::printf(" (%.0f %% of streaming)", 100.0 * gbps / bandwidth);
        }
        if (prompt > 0.0) {
          std::printf(", prompt %.1f tokens/s (%.2fx decode)", prompt, prompt / decode);
        }
        std::printf("\n");
      }
    }
  }
  // The levels side by side: each one's tokens/s over the first level's.
  if (benchLevels().size() > 1) {
    const std::string base = kernelIsaName(benchLevels().front());
    std::printf("\n  Kernel levels side by side (ratio to %s):\n", base.c_str());
    for (int threads : {1, 2}) {
      for (const BenchModel& model : benchModels()) {
        for (const char* what : {"decode", "prompt"}) {
          const double reference =
              get(fmt::format("{} {} {} t{}", what, model.label, base, threads));
          if (reference == 0.0) {
            continue;
          }
          std::printf("    %d thread(s) %-16s %-6s", threads, model.label.c_str(), what);
          for (KernelIsa isa : benchLevels()) {
            const double rate =
                get(fmt::format("{} {} {} t{}", what, model.label, kernelIsaName(isa), threads));
            if (rate > 0.0) {
              std::printf("  %s %7.1f tokens/s (%.2fx)", kernelIsaName(isa), rate,
                          rate / reference);
            }
          }
          std::printf("\n");
        }
      }
    }
  }
}

// Takes --ws_kernels=LIST out of argv (Google Benchmark rejects flags it does
// not know); false, after saying why, for an unknown or unsupported level.
bool parseLevels(int& argc, char** argv) {
  constexpr std::string_view kFlag = "--ws_kernels=";
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg.substr(0, kFlag.size()) != kFlag) {
      argv[kept++] = argv[i];
      continue;
    }
    std::string_view list = arg.substr(kFlag.size());
    while (!list.empty()) {
      const size_t comma = list.find(',');
      const std::string_view name = list.substr(0, comma);
      const std::optional<KernelIsa> isa = parseKernelIsa(name);
      if (!isa) {
        std::fprintf(stderr,
                     "bench_inference: error: --ws_kernels: '%.*s' is not portable, avx2 or "
                     "avx512\n",
                     static_cast<int>(name.size()), name.data());
        return false;
      }
      if (!cpuSupports(*isa)) {
        std::fprintf(stderr, "bench_inference: error: --ws_kernels: this CPU lacks %s\n",
                     kernelIsaName(*isa));
        return false;
      }
      benchLevels().push_back(*isa);
      list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    }
  }
  argc = kept;
  if (benchLevels().empty()) {
    benchLevels().push_back(activeKernelIsa());
  }
  return true;
}

} // namespace

int main(int argc, char** argv) {
  if (!parseLevels(argc, argv)) {
    return 1;
  }
  registerBenchmarks();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
    return 1;
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  printSummary();
  for (const fs::path& path : writtenFiles()) {
    std::error_code ec;
    fs::remove(path, ec);
  }
  return 0;
}
