#include "core/model_spec.h"
#include "sim/fast_engine.h"
#include "sim/mapper.h"
#include "tests/sim/sim_test_util.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace ws::sim {
namespace {

TEST(Mapper, Llama8bOnWse3AccountsForEveryByte) {
  const core::ModelSpec model = core::loadModelSpec("llama-3.1-8b");
  const ChipSpec chip = loadChipSpec("wse3");
  MapOptions options;
  options.contextTokens = 4096;
  const Placement p = mapModel(model, chip, options);
  const SramBreakdown total = p.sramTotal();
  // Per-PE bytes summed over the PEs = model bytes + KV + reserve (+ buffers).
  EXPECT_NEAR(total.weights / model.weightBytes(), 1.0, 1e-9);
  EXPECT_NEAR(total.kv / (model.kvBytesPerToken() * 4096), 1.0, 1e-9);
  EXPECT_DOUBLE_EQ(total.reserve, double(p.usedPes()) * double(chip.reserveBytesPerPe));
  EXPECT_GT(total.activations, 0.0);
  EXPECT_LE(p.usedPes(), chip.pesPerWafer());
  for (const Region& r : p.regions()) {
    EXPECT_LE(r.sramPerPe.total(), double(chip.sramBytesPerPe)) << r.name;
    EXPECT_EQ(p.regionIdAt(r.rect.x, r.rect.y), r.id);
    EXPECT_EQ(p.regionAt(r.rect.x + r.rect.w - 1, r.rect.y + r.rect.h - 1), &r);
  }
  // Embedding, 32 x (attention, ffn), LM head.
  EXPECT_EQ(p.regions().size(), 66u);
  EXPECT_EQ(p.stages().size(), 66u);
  EXPECT_GE(p.maxContextTokens(), 4096);
  EXPECT_EQ(p.regionIdAt(-1, 0), -1);
}

TEST(Mapper, SramAccountingHoldsAtOtherContexts) {
  const core::ModelSpec model = core::loadModelSpec("llama-3.1-8b");
  const Placement p = mapModel(model, loadChipSpec("wse3"), {});
  EXPECT_NEAR(p.sramTotal(100).kv, model.kvBytesPerToken() * 100, 1.0);
  EXPECT_NEAR(p.sramTotal(0).kv, 0.0, 1e-6);
}

TEST(Mapper, Llama405bOnOneWse3IsAFitErrorWithNumbers) {
  const core::ModelSpec model = core::loadModelSpec("llama-3.1-405b");
  try {
    mapModel(model, loadChipSpec("wse3"), {});
    ADD_FAILURE() << "405B fitted one wafer";
  } catch (const FitError& e) {
    const std::string msg = e.what();
    EXPECT_GT(e.neededBytes(), 800e9);
    EXPECT_LT(e.availableBytes(), 45e9);
    EXPECT_NE(msg.find("GB"), std::string::npos) << msg;
    EXPECT_NE(msg.find("wse3"), std::string::npos) << msg;
    EXPECT_NE(msg.find("wafers"), std::string::npos) << msg;
  }
}

// The wafer count a FitError suggests must map: enough SRAM by bytes and by
// PEs (per-PE reserve and buffers), and regions that pack into rectangles.
TEST(Mapper, SuggestedWaferCountMaps) {
  const core::ModelSpec model = core::loadModelSpec("llama-3.1-405b");
  MapOptions options;
  options.contextTokens = 2048;
  options.wafers = 19;
  std::string msg;
  try {
    mapModel(model, loadChipSpec("wse3"), options);
    ADD_FAILURE() << "405B fitted 19 wafers";
  } catch (const FitError& e) {
    msg = e.what();
  }
  const size_t at = msg.find("--wafers ");
  ASSERT_NE(at, std::string::npos) << msg;
  options.wafers = std::stoi(msg.substr(at + 9));
  EXPECT_NO_THROW(mapModel(model, loadChipSpec("wse3"), options)) << msg;
  MapOptions fewest = options;
  fewest.wafers = 64;
  fewest.fewestWafers = true;
  EXPECT_EQ(mapModel(model, loadChipSpec("wse3"), fewest).wafers(), options.wafers) << msg;
}

TEST(Mapper, Llama70bFitsFourWafersButNotOne) {
  const core::ModelSpec model = core::loadModelSpec("llama-3.1-70b");
  EXPECT_THROW(mapModel(model, loadChipSpec("wse3"), {}), FitError);
  MapOptions options;
  options.contextTokens = 2048;
  const Placement p = mapModel(model, loadChipSpec("wse3x4"), options);
  EXPECT_EQ(p.wafers(), 4);
  std::set<int> wafers;
  for (const Region& r : p.regions()) {
    wafers.insert(r.wafer);
    EXPECT_EQ(r.rect.x / p.chip().fabricWidth, r.wafer) << r.name;
    EXPECT_EQ((r.rect.x + r.rect.w - 1) / p.chip().fabricWidth, r.wafer) << r.name;
  }
  EXPECT_EQ(wafers.size(), 4u);
  // 8-bit weights fit one wafer less: 70 GB of weights in 3 x 44 GB.
  MapOptions eight = options;
  eight.bytesPerWeight = 1.0;
  eight.wafers = 3;
  EXPECT_NO_THROW(mapModel(model, loadChipSpec("wse3"), eight));
}

TEST(Mapper, FewestWafers) {
  const core::ModelSpec model = core::loadModelSpec("llama-3.1-70b");
  MapOptions options;
  options.contextTokens = 2048;
  options.wafers = 16;
  options.fewestWafers = true;
  const Placement p = mapModel(model, loadChipSpec("wse3"), options);
  EXPECT_EQ(p.wafers(), 4);
}

TEST(Mapper, MixtureOfExpertsGetsARegionPerExpert) {
  const core::ModelSpec model = core::loadModelSpec("gpt-oss-120b");
  MapOptions options;
  options.contextTokens = 2048;
  options.wafers = 8;
  options.fewestWafers = true;
  const Placement p = mapModel(model, loadChipSpec("wse3"), options);
  int experts = 0;
  for (const Region& r : p.regions()) {
    experts += r.kind == RegionKind::Expert;
  }
  EXPECT_EQ(experts, int(model.layers * model.experts));
  int moeStages = 0;
  for (const Stage& s : p.stages()) {
    if (!s.routed.empty()) {
      ++moeStages;
      EXPECT_EQ(s.activeRouted, int(model.activeExperts));
      EXPECT_EQ(s.routed.size(), model.experts);
    }
  }
  EXPECT_EQ(moeStages, int(model.layers));
  EXPECT_NEAR(p.sramTotal().weights / model.weightBytes(), 1.0, 1e-9);
}

// A small model with every new shape at once: MLA attention, a leading dense
// layer, MoE every other layer after it, a shared expert.
core::ModelSpec tinyLatentMoe() {
  core::ModelSpec m = test::tinyModel();
  m.name = "tiny-mla";
  m.layers = 5;
  m.hiddenSize = 64;
  m.heads = 4;
  m.kvHeads = 4;
  m.qLoraRank = 32;
  m.kvLoraRank = 16;
  m.qkNopeHeadDim = 8;
  m.qkRopeHeadDim = 8;
  m.vHeadDim = 8;
  m.headDim = 16;
  m.experts = 4;
  m.activeExperts = 2;
  m.expertFfnSize = 32;
  m.sharedExperts = 1;
  m.denseLayers = 1;
  m.moeLayerStep = 2; // MoE layers 2 and 4
  return m;
}

TEST(Mapper, LatentAttentionAndInterleavedMoeLayers) {
  const core::ModelSpec model = tinyLatentMoe();
  MapOptions options;
  options.contextTokens = 64;
  const Placement p = mapModel(model, test::plainTeachChip(), options);
  std::vector<int> ffnLayers, expertLayers;
  for (const Region& r : p.regions()) {
    if (r.kind == RegionKind::Ffn) {
      ffnLayers.push_back(r.layer);
    }
    if (r.kind == RegionKind::Expert && r.expert == 0) {
      expertLayers.push_back(r.layer);
    }
    if (r.kind != RegionKind::Attention) {
      continue;
    }
    const auto attention = std::find_if(r.ops.begin(), r.ops.end(),
                                        [](const Op& op) { return op.kind == OpKind::Attention; });
    ASSERT_NE(attention, r.ops.end());
    EXPECT_EQ(attention->name, "attention_latent");
    // heads x headDim x 2 multiply-adds per token = heads x (latent + rope +
    // latent), MLA's absorbed cost.
    EXPECT_EQ(attention->heads * attention->headDim * 2, 4 * (16 + 8 + 16));
    // The cache per token is the latent and the RoPE key, once per replica.
    EXPECT_NEAR(r.kvBytesPerTokenPerPe * double(r.rect.area()),
                (16 + 8) * kActivationBytes * double(attention->kvHeads), 1e-9);
  }
  EXPECT_EQ(ffnLayers, (std::vector<int>{0, 1, 3}));
  EXPECT_EQ(expertLayers, (std::vector<int>{2, 4}));
  EXPECT_NEAR(p.sramTotal().weights / model.weightBytes(), 1.0, 1e-9);
  EXPECT_NEAR(p.sramTotal().kv, model.kvBytesPerToken() * 64, 1e-6);
}

// gpt-oss-style storage: experts at MXFP4, the rest at BF16; each region holds
// its weights at its own width, and the engines read them at it.
TEST(Mapper, ExpertsAndTheRestAtTheirOwnBytesPerWeight) {
  core::ModelSpec model = tinyLatentMoe();
  model.expertBytesPerWeight = 17.0 / 32.0;
  const core::ParamCounts c = model.paramCounts();
  model.bytesPerWeight =
      (double(c.experts) * 17.0 / 32.0 + double(c.total() - c.experts) * 2.0) / double(c.total());
  const Placement p = mapModel(model, test::plainTeachChip(), {});
  for (const Region& r : p.regions()) {
    EXPECT_NEAR(r.bytesPerWeightOr(p.bytesPerWeight()),
                r.kind == RegionKind::Expert ? 17.0 / 32.0 : 2.0, 1e-9)
        << r.name;
  }
  EXPECT_NEAR(p.sramTotal().weights / model.weightBytes(), 1.0, 1e-9);
  // One width for all when the options set it.
  MapOptions eightBit;
  eightBit.bytesPerWeight = 1.0;
  const Placement q = mapModel(model, test::plainTeachChip(), eightBit);
  for (const Region& r : q.regions()) {
    EXPECT_DOUBLE_EQ(r.bytesPerWeightOr(q.bytesPerWeight()), 1.0) << r.name;
  }
}

TEST(Mapper, TiedEmbeddingsServeLookupAndHeadFromOneRegion) {
  core::ModelSpec model = test::tinyModel();
  model.tiedEmbeddings = true;
  const Placement p = mapModel(model, test::plainTeachChip(), {});
  int heads = 0;
  for (const Region& r : p.regions()) {
    EXPECT_NE(r.kind, RegionKind::Embedding);
    heads += r.kind == RegionKind::LmHead;
  }
  EXPECT_EQ(heads, 1);
  EXPECT_EQ(p.stages().front().always, p.stages().back().always);
  EXPECT_EQ(p.stages().front().endOp, 2);
  EXPECT_EQ(p.stages().back().firstOp, 2);
  EXPECT_NEAR(p.sramTotal().weights / model.weightBytes(), 1.0, 1e-9);
}

TEST(Mapper, LayersOnlyMapsNoEmbeddingOrHead) {
  MapOptions options;
  options.layersOnly = true;
  const Placement p = mapModel(test::tinyModel(), test::plainTeachChip(), options);
  for (const Region& r : p.regions()) {
    EXPECT_GE(r.layer, 0) << r.name;
  }
  EXPECT_EQ(p.stages().size(), 4u);
}

TEST(Mapper, TileShapeMinimisesPredictedLatency) {
  // The chosen layout must be at least as fast as a squeezed one (the
  // smallest fill the mapper considers), at the context it optimises for.
  const core::ModelSpec model = core::loadModelSpec("llama-3.1-8b");
  MapOptions options;
  options.contextTokens = 2048;
  const Placement p = mapModel(model, loadChipSpec("wse3"), options);
  const double chosen = predictDecodeSeconds(p, 1024);
  EXPECT_GT(chosen, 0.0);
  EXPECT_LT(chosen, 1.0 / 1000.0);
  EXPECT_GT(p.usedPes(), p.chip().pesPerWafer() / 2) << "decode latency falls with more PEs";
}

TEST(Mapper, RejectsBadOptions) {
  MapOptions options;
  options.sequences = 0;
  EXPECT_THROW(mapModel(test::tinyModel(), test::plainTeachChip(), options), std::invalid_argument);
  options.sequences = 1;
  options.contextTokens = 0;
  EXPECT_THROW(mapModel(test::tinyModel(), test::plainTeachChip(), options), std::invalid_argument);
}

TEST(Placement, ShortLabelsKeepTheLayerNumber) {
  const Placement p =
      mapModel(core::loadModelSpec("llama-3.1-8b"), loadChipSpec("wse3"), MapOptions{});
  std::set<std::string> labels;
  for (const Region& r : p.regions()) {
    labels.insert(shortLabel(r));
    EXPECT_LE(shortLabel(r).size(), 9u) << r.name;
  }
  EXPECT_EQ(labels.size(), p.regions().size()) << "labels must tell regions apart";
  EXPECT_TRUE(labels.count("L31 attn"));
  EXPECT_TRUE(labels.count("L0 ffn"));
  EXPECT_TRUE(labels.count("embed"));
  Region expert;
  expert.kind = RegionKind::Expert;
  expert.layer = 3;
  expert.expert = 12;
  EXPECT_EQ(shortLabel(expert), "L3 e12");
}

TEST(Placement, RejectsOverlapsAndOutOfBounds) {
  const ChipSpec chip = test::plainTeachChip();
  EXPECT_THROW(test::handPlacement(
                   chip, {test::region(0, {0, 0, 8, 8}, {}), test::region(1, {4, 4, 8, 8}, {})}),
               std::invalid_argument);
  EXPECT_THROW(test::handPlacement(chip, {test::region(0, {30, 0, 8, 8}, {})}),
               std::invalid_argument);
  const Placement ok = test::handPlacement(chip, {test::region(0, {0, 0, 8, 8}, {})});
  EXPECT_EQ(ok.usedPes(), 64);
  EXPECT_EQ(ok.regionIdAt(8, 0), -1);
  EXPECT_STREQ(toString(RegionKind::Expert), "expert");
  EXPECT_STREQ(toString(OpKind::MatVec), "matvec");
}

} // namespace
} // namespace ws::sim
