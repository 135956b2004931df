// hostSupport: what a GGUF file lacks to run on the host, each gap named.
#include "core/host_support.h"
#include "tests/core/model_test_support.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace ws::core {
namespace {

const HostSupportGap* findGap(const HostSupport& support, const std::string& what) {
  const auto it = std::find_if(support.gaps.begin(), support.gaps.end(),
                               [&](const HostSupportGap& g) { return g.what == what; });
  return it == support.gaps.end() ? nullptr : &*it;
}

TEST(HostSupport, ReferenceModelsRun) {
  for (const char* name : {"tiny-random-qwen3-q4_k_m.gguf", "tiny-random-qwen3moe-q8_0.gguf",
                           "tiny-random-llama-k-q2_k.gguf"}) {
    const HostSupport support = hostSupport(GgufFile::open(test::testdataDir() / "models" / name));
    EXPECT_TRUE(support.runs()) << name << ": " << support.gaps.front().detail;
  }
}

TEST(HostSupport, NamesArchitectureAndEveryUnsupportedTensorType) {
  const auto path = test::editedTinyLlama(
      "deepseek2-iq2.gguf",
      [](const GgufTensorInfo& t, GgufWriter& writer) {
        if (t.name != "blk.0.ffn_gate.weight" && t.name != "blk.1.ffn_gate.weight") {
          return true;
        }
        const std::vector<std::byte> bytes(rowBytes(GgmlType::IQ2_XXS, 256) * 48);
        writer.addTensor(t.name, GgmlType::IQ2_XXS, {256, 48}, bytes);
        return false;
      },
      [](GgufWriter& writer) { writer.setString("general.architecture", "deepseek2"); });
  const HostSupport support = hostSupport(GgufFile::open(path));
  ASSERT_FALSE(support.runs());
  const HostSupportGap* arch = findGap(support, "architecture");
  ASSERT_NE(arch, nullptr);
  EXPECT_EQ(arch->name, "deepseek2");
  EXPECT_NE(arch->detail.find("qwen3moe"), std::string::npos) << arch->detail;
  const HostSupportGap* type = findGap(support, "tensor type");
  ASSERT_NE(type, nullptr);
  EXPECT_EQ(type->name, "IQ2_XXS");
  EXPECT_NE(type->detail.find("2 tensors"), std::string::npos) << type->detail;
}

TEST(HostSupport, NamesUnknownPreTokenizer) {
  const auto path = test::editedModel(
      test::testdataDir() / "tokenizers" / "ggml-vocab-gpt-2.gguf", "unknown-pre.gguf",
      [](const GgufTensorInfo&, GgufWriter&) { return true; },
      [](GgufWriter& writer) { writer.setString("tokenizer.ggml.pre", "no-such-pre"); });
  const HostSupport support = hostSupport(GgufFile::open(path));
  const HostSupportGap* pre = findGap(support, "pre-tokenizer");
  ASSERT_NE(pre, nullptr);
  EXPECT_EQ(pre->name, "no-such-pre");
}

TEST(HostSupport, ReportsTheLoadersProblemLast) {
  const auto path =
      test::editedTinyLlama("no-ffn-up.gguf", [](const GgufTensorInfo& t, GgufWriter&) {
        return t.name != "blk.1.ffn_up.weight";
      });
  const HostSupport support = hostSupport(GgufFile::open(path));
  ASSERT_EQ(support.gaps.size(), 1u);
  EXPECT_EQ(support.gaps[0].what, "model");
  EXPECT_NE(support.gaps[0].detail.find("missing tensor blk.1.ffn_up.weight"), std::string::npos);
}

} // namespace
} // namespace ws::core
