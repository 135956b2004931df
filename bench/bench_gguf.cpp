// GGUF parsing and dequantisation throughput.
//   BM_OpenGguf: open + parse the largest shared vocabulary file (Llama 3:
//     128,256 tokens, 280,147 merges), the metadata-heavy case.
//   BM_Dequantize/<type>: floats decoded per second for a 1 Mi-element row.
#include "core/dequantize.h"
#include "core/gguf.h"

#include <benchmark/benchmark.h>

#include <cmath>
#include <vector>

namespace {

using ws::core::GgmlType;

void BM_OpenGguf(benchmark::State& state) {
  const std::filesystem::path path =
      std::filesystem::path(WS_TESTDATA_DIR) / "tokenizers" / "ggml-vocab-llama-bpe.gguf";
  for (auto _ : state) {
    const auto file = ws::core::GgufFile::open(path);
    benchmark::DoNotOptimize(file.metadata().size());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(std::filesystem::file_size(path)));
}
BENCHMARK(BM_OpenGguf)->Unit(benchmark::kMillisecond);

void BM_Dequantize(benchmark::State& state) {
  const auto type = static_cast<GgmlType>(state.range(0));
  constexpr int64_t n = 1 << 20;
  // Bytes that decode to finite values for every type: Q8_0 rows quantised
  // from a sine, other types filled with a small repeating pattern.
  std::vector<std::byte> src(ws::core::rowBytes(type, n));
  if (type == GgmlType::Q8_0) {
    std::vector<float> x(n);
    for (int64_t i = 0; i < n; ++i) {
      x[i] = std::sin(static_cast<float>(i) * 0.01f);
    }
    ws::core::quantizeRowQ8_0(x.data(), src.data(), n);
  } else {
    for (size_t i = 0; i < src.size(); ++i) {
      src[i] = static_cast<std::byte>(0x30 + i % 7);
    }
  }
  std::vector<float> dst(n);
  for (auto _ : state) {
    ws::core::dequantizeRow(type, src.data(), dst.data(), n);
    benchmark::DoNotOptimize(dst.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * n);
  state.SetLabel(std::string(ws::core::ggmlTypeName(type)));
}
BENCHMARK(BM_Dequantize)
    ->Arg(static_cast<int>(GgmlType::F16))
    ->Arg(static_cast<int>(GgmlType::BF16))
    ->Arg(static_cast<int>(GgmlType::Q8_0))
    ->Arg(static_cast<int>(GgmlType::Q4_0))
    ->Arg(static_cast<int>(GgmlType::Q5_0))
    ->Arg(static_cast<int>(GgmlType::Q4_K))
    ->Arg(static_cast<int>(GgmlType::Q6_K))
    ->Unit(benchmark::kMillisecond);

} // namespace

BENCHMARK_MAIN();
