#include "core/model_spec.h"
#include "sim/layer_window.h"
#include "sim/mapper.h"

#include <gtest/gtest.h>

namespace ws::sim {
namespace {

TEST(LayerWindow, CutsOneLayerOutAtItsRealSize) {
  MapOptions options;
  options.contextTokens = 1024;
  const Placement full =
      mapModel(core::loadModelSpec("llama-3.1-8b"), loadChipSpec("wse3"), options);
  const Placement window = layerWindow(full, 3);
  int64_t layerPes = 0;
  std::vector<const Region*> originals;
  for (const Region& r : full.regions()) {
    if (r.layer == 3) {
      layerPes += r.rect.area();
      originals.push_back(&r);
    }
  }
  ASSERT_EQ(window.regions().size(), originals.size());
  EXPECT_EQ(window.usedPes(), layerPes);
  EXPECT_LE(window.width(), full.width());
  EXPECT_EQ(window.wafers(), 1);
  for (size_t i = 0; i < originals.size(); ++i) {
    const Region& r = window.regions()[i];
    EXPECT_EQ(r.rect.w, originals[i]->rect.w) << "same shape";
    EXPECT_EQ(r.rect.h, originals[i]->rect.h);
    EXPECT_EQ(r.sramPerPe.total(), originals[i]->sramPerPe.total());
    EXPECT_GE(r.rect.x, 0);
    EXPECT_LE(r.rect.x + r.rect.w, window.width());
    for (const Op& op : r.ops) {
      EXPECT_LT(op.sourceRegion, int(window.regions().size()));
      EXPECT_LT(op.targetRegion, int(window.regions().size()));
    }
  }
  // The hand-off inside the layer (attention to FFN) stays; the one to the
  // next layer goes.
  int transfers = 0;
  for (const Region& r : window.regions()) {
    for (const Op& op : r.ops) {
      transfers += op.kind == OpKind::Transfer;
    }
  }
  EXPECT_EQ(transfers, 1);
  EXPECT_EQ(window.stages().size(), originals.size());
  EXPECT_THROW(layerWindow(full, 999), std::invalid_argument);
}

} // namespace
} // namespace ws::sim
