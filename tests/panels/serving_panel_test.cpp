// The serving dock (app/gui/serving_panel.h): its profile picker and its
// what-if plot, computed on the panel's worker thread.
#include "app/gui/serving_panel.h"
#include "core/builtin_model.h"
#include "core/model_spec.h"
#include "sim/mapper.h"
#include "tests/test_paths.h"

#include <gtest/gtest.h>

#include <QApplication>
#include <QChart>
#include <QLabel>
#include <QLineSeries>
#include <QSignalSpy>
#include <QTest>
#include <QValueAxis>

namespace {

using namespace ws;
using ws::app::ServingPanel;

constexpr int kWhatIfTimeoutMs = 300'000;

class Serving : public ::testing::Test {
protected:
  void SetUp() override {
    // One application per process: panels_test.cpp's when its tests ran first.
    if (QCoreApplication::instance() == nullptr) {
      static int argc = 1;
      static char name[] = "panel_tests";
      static char* argv[] = {name, nullptr};
      static QApplication application(argc, argv);
    }
  }
};

std::shared_ptr<const sim::Placement> mapped(const std::string& model, const std::string& chip) {
  return std::make_shared<const sim::Placement>(
      sim::mapModel(core::loadModelSpec(model), sim::loadChipSpec(chip), sim::MapOptions{}));
}

std::vector<QLineSeries*> lines(const ServingPanel& panel) {
  std::vector<QLineSeries*> result;
  for (QAbstractSeries* series : panel.chart()->series()) {
    result.push_back(qobject_cast<QLineSeries*>(series));
  }
  return result;
}

TEST_F(Serving, PickerListsTheShippedProfilesAndShowsKAcceptanceRangeAndSources) {
  ServingPanel panel;
  EXPECT_EQ(panel.profileNames(), QStringList({"launch-2024", "speculative-2025"}));
  EXPECT_EQ(panel.currentProfile(), "launch-2024");
  auto* summary = panel.findChild<QLabel*>("servingSummary");
  ASSERT_NE(summary, nullptr);
  EXPECT_TRUE(summary->text().contains("No speculative decoding")) << summary->text().toStdString();
  EXPECT_TRUE(summary->text().contains("16 bits")) << summary->text().toStdString();
  QSignalSpy activated(&panel, &ServingPanel::profileActivated);
  panel.selectProfile("speculative-2025");
  EXPECT_EQ(panel.currentProfile(), "speculative-2025");
  ASSERT_EQ(activated.count(), 1) << "the session's runs follow the choice";
  EXPECT_EQ(activated.takeFirst().at(0).toString(), "speculative-2025");
  EXPECT_TRUE(summary->text().contains("K = 4 draft tokens")) << summary->text().toStdString();
  EXPECT_TRUE(summary->text().contains("acceptance 0.88 per draft token (UNCONFIRMED: 0.60–0.90)"))
      << summary->text().toStdString();
  EXPECT_TRUE(summary->toolTip().contains("devquasar.com")) << "the acceptance rate's source";
  EXPECT_TRUE(summary->toolTip().contains("Draft llama-3.2-1b:"));
  EXPECT_FALSE(panel.computing()) << "nothing is mapped yet";
}

// Llama-3.1-8B on wse3 with speculative-2025's draft, Llama-3.2-1B: one line
// per acceptance rate (the range's ends and the profile's) over K = 1..8 and
// plain decoding, the same figures as `simulate --sweep-draft-tokens`.
TEST_F(Serving, WhatIfPlotsTokensPerSecondAgainstKForEachAcceptanceRate) {
  ServingPanel panel;
  panel.resize(640, 360);
  panel.show();
  panel.selectProfile("speculative-2025");
  const auto placement = mapped("llama-3.1-8b", "wse3");
  QSignalSpy finished(&panel, &ServingPanel::whatIfFinished);
  panel.setPlacement(placement);
  EXPECT_TRUE(panel.computing()) << "the what-if runs on the worker";
  ASSERT_TRUE(finished.wait(kWhatIfTimeoutMs));
  EXPECT_FALSE(panel.computing());

  const std::vector<QLineSeries*> series = lines(panel);
  ASSERT_EQ(series.size(), 4u) << panel.statusText().toStdString();
  EXPECT_EQ(series[0]->name(), "a = 0.60");
  EXPECT_EQ(series[1]->name(), "a = 0.88 (profile)");
  EXPECT_EQ(series[2]->name(), "a = 0.90");
  EXPECT_EQ(series[3]->name(), "plain decoding");

  const sim::ServingProfile profile = sim::loadServingProfile("speculative-2025");
  const sim::ServingWhatIf whatIf =
      sim::prepareServingWhatIf(profile, placement->model(), placement->chip(),
                                sim::withServingPrecision(profile, placement->options()));
  EXPECT_EQ(whatIf.draft->name, "Llama-3.2-1B");
  const sim::SpeculativeStepTiming k4 =
      sim::sweepDraftTokens(*whatIf.pair, 4, 4, whatIf.contextTokens).front();
  for (int r = 0; r < 3; ++r) {
    ASSERT_EQ(series[r]->count(), ServingPanel::kMaxWhatIfK);
    for (int k = 1; k <= ServingPanel::kMaxWhatIfK; ++k) {
      EXPECT_EQ(series[r]->at(k - 1).x(), k);
      if (r > 0) {
        EXPECT_GT(series[r]->at(k - 1).y(), series[r - 1]->at(k - 1).y()) << "higher acceptance";
      }
    }
    EXPECT_NEAR(series[r]->at(3).y(),
                sim::speculativeTokensPerSecond(whatIf.acceptanceRates[r], k4),
                1e-9 * series[r]->at(3).y());
  }
  ASSERT_EQ(series[3]->count(), 2);
  EXPECT_NEAR(series[3]->at(0).y(), whatIf.plainTokensPerSecond,
              1e-9 * whatIf.plainTokensPerSecond);
  EXPECT_EQ(series[3]->at(1).y(), series[3]->at(0).y());

  auto* kAxis = qobject_cast<QValueAxis*>(panel.chart()->axes(Qt::Horizontal).front());
  ASSERT_NE(kAxis, nullptr);
  EXPECT_EQ(kAxis->min(), 1.0);
  EXPECT_EQ(kAxis->max(), ServingPanel::kMaxWhatIfK);
  EXPECT_EQ(kAxis->tickCount(), ServingPanel::kMaxWhatIfK) << "one tick per whole K";
  EXPECT_EQ(kAxis->labelFormat(), "%d");
  EXPECT_TRUE(panel.statusText().contains("best K = ")) << panel.statusText().toStdString();
}

// The tiny llama test model on teach-32x32 has no draft in speculative-2025
// (its 32,000-token vocabulary is no listed card's): plain decoding and the
// reason. A what-if still
// running for the previous mapping is dropped.
TEST_F(Serving, WhatIfDropsTheSupersededMappingAndSaysWhenNoDraftFits) {
  ServingPanel panel;
  panel.selectProfile("speculative-2025");
  QSignalSpy finished(&panel, &ServingPanel::whatIfFinished);
  panel.setPlacement(mapped("llama-3.1-8b", "wse3"));
  panel.setPlacement(mapped(
      (test::testdataDir() / "models" / "tiny-random-llama-f32.gguf").string(), "teach-32x32"));
  ASSERT_TRUE(finished.wait(kWhatIfTimeoutMs));
  QTest::qWait(200); // a stale result would arrive here
  EXPECT_EQ(finished.count(), 1);
  const std::vector<QLineSeries*> series = lines(panel);
  ASSERT_EQ(series.size(), 1u) << panel.statusText().toStdString();
  EXPECT_EQ(series[0]->name(), "plain decoding");
  EXPECT_GT(series[0]->at(0).y(), 0.0);
  EXPECT_TRUE(panel.statusText().contains("teach-32x32")) << panel.statusText().toStdString();
  EXPECT_TRUE(panel.statusText().contains("no draft of serving profile speculative-2025 fits"))
      << panel.statusText().toStdString();

  panel.setPlacement({});
  EXPECT_TRUE(lines(panel).empty());
  EXPECT_FALSE(panel.computing());
}

} // namespace
