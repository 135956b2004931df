// Encoding speed of the tokenizers, one thread, on ~1 MiB of Python source:
// the standard library's /usr/lib/python3.11/*.py in name order, cut at the
// last line end before 1 MiB. Goal (issue 4): at least 5 MB/s.
//
//   Encode/<vocab>        Tokenizer::encode of the whole text (no BOS, no specials)
//   Decode/<vocab>        Tokenizer::decode of those ids
//   PreTokenize/<kind>    preTokenize alone: the cut into words before BPE, for
//                         every pre-tokenizer (also those without a test vocabulary)
#include "core/gguf.h"
#include "core/pretokenizer.h"
#include "core/tokenizer.h"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

constexpr size_t kTextBytes = size_t{1} << 20;

std::string pythonSource() {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/python3.11")) {
    if (entry.is_regular_file() && entry.path().extension() == ".py") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  std::string text;
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    text += content.str();
    if (text.size() >= kTextBytes) {
      break;
    }
  }
  if (text.size() < kTextBytes) {
    throw std::runtime_error("/usr/lib/python3.11/*.py holds less than 1 MiB of source");
  }
  text.resize(text.rfind('\n', kTextBytes) + 1);
  return text;
}

const std::string& sourceText() {
  static const std::string text = pythonSource();
  return text;
}

const ws::core::Tokenizer& tokenizer(const std::string& name) {
  static std::vector<std::pair<std::string, std::unique_ptr<ws::core::Tokenizer>>> loaded;
  for (const auto& [loadedName, t] : loaded) {
    if (loadedName == name) {
      return *t;
    }
  }
  const std::filesystem::path path =
      std::filesystem::path(WS_TESTDATA_DIR) / "tokenizers" / ("ggml-vocab-" + name + ".gguf");
  loaded.emplace_back(name, ws::core::Tokenizer::fromGguf(ws::core::GgufFile::open(path)));
  return *loaded.back().second;
}

void Encode(benchmark::State& state, const std::string& vocab) {
  const auto& t = tokenizer(vocab);
  const std::string& text = sourceText();
  size_t tokens = 0;
  for (auto _ : state) {
    const auto ids = t.encode(text);
    tokens = ids.size();
    benchmark::DoNotOptimize(ids.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.counters["tokens"] = static_cast<double>(tokens);
  state.counters["bytes_per_token"] =
      static_cast<double>(text.size()) / static_cast<double>(tokens);
}

void Decode(benchmark::State& state, const std::string& vocab) {
  const auto& t = tokenizer(vocab);
  const auto ids = t.encode(sourceText());
  for (auto _ : state) {
    const std::string text = t.decode(ids);
    benchmark::DoNotOptimize(text.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * sourceText().size()));
}

void PreTokenize(benchmark::State& state, ws::core::PreTokenizerKind kind) {
  const std::string& text = sourceText();
  std::vector<std::string_view> words;
  for (auto _ : state) {
    words.clear();
    ws::core::preTokenize(kind, text, words);
    benchmark::DoNotOptimize(words.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.counters["words"] = static_cast<double>(words.size());
}

BENCHMARK_CAPTURE(Encode, qwen2, std::string("qwen2"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(Encode, llama_spm, std::string("llama-spm"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(Encode, llama_bpe, std::string("llama-bpe"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(Encode, gpt2, std::string("gpt-2"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(Encode, starcoder, std::string("starcoder"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(Encode, deepseek_coder, std::string("deepseek-coder"))
    ->Unit(benchmark::kMillisecond);
using Kind = ws::core::PreTokenizerKind;
BENCHMARK_CAPTURE(PreTokenize, default, Kind::Default)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(PreTokenize, gpt2, Kind::Gpt2)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(PreTokenize, llama3, Kind::Llama3)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(PreTokenize, qwen2, Kind::Qwen2)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(PreTokenize, deepseek_coder, Kind::DeepseekCoder)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(PreTokenize, starcoder, Kind::Starcoder)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(PreTokenize, falcon, Kind::Falcon)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(PreTokenize, deepseek_llm, Kind::DeepseekLlm)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(PreTokenize, deepseek_v3, Kind::DeepseekV3)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(PreTokenize, gpt4o, Kind::Gpt4o)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(PreTokenize, tekken, Kind::Tekken)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(PreTokenize, qwen35, Kind::Qwen35)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(PreTokenize, seed_coder, Kind::SeedCoder)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(PreTokenize, bloom, Kind::Bloom)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(PreTokenize, viking, Kind::Viking)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(PreTokenize, superbpe, Kind::Superbpe)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(PreTokenize, kimi_k2, Kind::KimiK2)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(PreTokenize, spark2_5, Kind::Spark25)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(PreTokenize, jais2, Kind::Jais2)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(PreTokenize, minicpm5, Kind::MiniCpm5)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(PreTokenize, ufakzeka, Kind::Ufakzeka)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(PreTokenize, laguna, Kind::Laguna)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(PreTokenize, exaone_moe, Kind::ExaoneMoe)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(PreTokenize, youtu, Kind::Youtu)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(PreTokenize, chameleon, Kind::Chameleon)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(Decode, qwen2, std::string("qwen2"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(Decode, llama_spm, std::string("llama-spm"))->Unit(benchmark::kMillisecond);

} // namespace

BENCHMARK_MAIN();
