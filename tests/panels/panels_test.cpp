#include "app/frame/frame_builder.h"
#include "app/gui/compact_chart.h"
#include "app/gui/comparison_panel.h"
#include "app/gui/generated_text_panel.h"
#include "app/gui/heatmap_panel.h"
#include "app/gui/python_highlighter.h"
#include "app/gui/run_panel.h"
#include "app/gui/sram_chart_panel.h"
#include "app/gui/token_timeline_panel.h"
#include "core/builtin_model.h"
#include "core/model_spec.h"
#include "render/qt/heatmap_window.h"
#include "sim/chip_spec.h"
#include "sim/mapper.h"

#include <gtest/gtest.h>

#include <QAbstractSeries>
#include <QApplication>
#include <QChart>
#include <QChartView>
#include <QCheckBox>
#include <QComboBox>
#include <QKeyEvent>
#include <QLabel>
#include <QLineSeries>
#include <QSignalSpy>
#include <QStandardItemModel>
#include <QTableWidget>
#include <QTest>
#include <QTextBlock>
#include <QTextLayout>
#include <QValueAxis>

#include <cmath>
#include <set>

namespace {

using namespace ws::app;

QApplication& app() {
  static int argc = 1;
  static char name[] = "panel_tests";
  static char* argv[] = {name, nullptr};
  static QApplication application(argc, argv);
  return application;
}

class Panels : public ::testing::Test {
protected:
  void SetUp() override { app(); }
};

TokenEvent token(int index, double start, double us) {
  TokenEvent t;
  t.timing.index = index;
  t.timing.simStart = start;
  t.timing.simEnd = start + us * 1e-6;
  t.timing.breakdown.compute = us * 0.25e-6;
  t.timing.breakdown.hop = us * 0.5e-6;
  t.timing.breakdown.dispatch = us * 0.25e-6;
  t.criticalRegionName = index % 2 ? "layer 1 ffn" : "layer 0 attention";
  return t;
}

TEST_F(Panels, TimelineHoldsOnePointPerTokenAndScrubsToTheTokenUnderTheCursor) {
  TokenTimelinePanel panel;
  panel.resize(600, 300);
  panel.show();
  for (int i = 1; i <= 32; ++i) {
    panel.addToken(token(i, i * 1e-3, 500.0));
  }
  panel.setTimeToFirstToken(2e-3);
  EXPECT_EQ(panel.tokenCount(), 32);
  auto* view = panel.findChild<QChartView*>();
  ASSERT_NE(view, nullptr);
  QTest::qWait(50);
  // The x axis spans tokens 1..32: the middle of the plot area is token ~16.
  const QRectF plot = view->chart()->plotArea();
  const QPoint middle = view->mapFromScene(plot.center());
  QSignalSpy spy(&panel, &TokenTimelinePanel::scrubbed);
  QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, middle);
  ASSERT_EQ(spy.count(), 1);
  const double time = spy.takeFirst().at(0).toDouble();
  const int index = int(std::lround((time - 250e-6) / 1e-3));
  EXPECT_NEAR(index, 16, 1);
  panel.clear();
  EXPECT_EQ(panel.tokenCount(), 0);
}

TEST_F(Panels, TimelineHighlightsTokensWhoseCriticalRegionIsSelected) {
  TokenTimelinePanel panel;
  for (int i = 1; i <= 10; ++i) {
    panel.addToken(token(i, i * 1e-3, 100.0));
  }
  panel.highlightRegion("layer 1 ffn");
  auto* chart = panel.findChild<QChartView*>()->chart();
  int highlighted = -1;
  for (auto* series : chart->series()) {
    if (series->name().startsWith("critical: layer 1 ffn")) {
      highlighted = int(static_cast<QXYSeries*>(series)->count());
    }
  }
  EXPECT_EQ(highlighted, 5); // odd indices
}

// Issue 15: the detailed engine is offered where the chip is small enough
// and disabled, naming the limit, on a larger one.
TEST_F(Panels, RunPanelOffersTheDetailedEngineWhereTheChipAllowsIt) {
  RunPanel panel;
  QSignalSpy changed(&panel, &RunPanel::engineChanged);
  QComboBox* box = panel.engineBox();
  auto* items = qobject_cast<QStandardItemModel*>(box->model());
  ASSERT_NE(items, nullptr);
  const int detailed = box->findData(int(ws::sim::EngineKind::Detailed));
  ASSERT_GE(detailed, 0);
  EXPECT_EQ(panel.engine(), ws::sim::EngineKind::Fast);
  box->setCurrentIndex(detailed);
  EXPECT_EQ(panel.engine(), ws::sim::EngineKind::Detailed);
  EXPECT_EQ(changed.count(), 1);

  const QString limit = QString::fromStdString(RunController::detailedEngineLimit(900000));
  panel.setDetailedEngineLimit(limit);
  EXPECT_FALSE(items->item(detailed)->isEnabled());
  EXPECT_TRUE(box->toolTip().contains(limit)) << box->toolTip().toStdString();
  EXPECT_EQ(panel.engine(), ws::sim::EngineKind::Fast) << "a disabled engine stayed selected";

  panel.setDetailedEngineLimit(QString::fromStdString(RunController::detailedEngineLimit(32 * 32)));
  EXPECT_TRUE(items->item(detailed)->isEnabled());
}

TEST_F(Panels, SramChartGroupsLargeMappingsAndKeepsTheSelectedRegionsHistory) {
  SramChartPanel panel;
  QStringList names, groups;
  for (int i = 0; i < 40; ++i) {
    names << QString("layer %1 %2").arg(i / 2).arg(i % 2 ? "ffn" : "attention");
    groups << (i % 2 ? "ffn" : "attention");
  }
  panel.reset(names, groups, 48 * 1024);
  EXPECT_EQ(panel.lineCount(), 3); // attention, ffn, capacity
  std::vector<double> bytes(40, 20000.0);
  for (int s = 0; s < 5; ++s) {
    bytes[0] += 1000.0; // the KV cache of region 0 grows
    panel.addSample(s * 1e-3, bytes);
  }
  EXPECT_EQ(panel.sampleCount(), 5);
  panel.highlightRegion(0);
  auto* chart = panel.findChild<QChartView*>()->chart();
  QLineSeries* selected = nullptr;
  for (auto* series : chart->series()) {
    if (series->name().startsWith("selected:")) {
      selected = static_cast<QLineSeries*>(series);
    }
  }
  ASSERT_NE(selected, nullptr);
  ASSERT_EQ(selected->count(), 5);
  EXPECT_NEAR(selected->at(4).y(), 25000.0 / 1024.0, 1e-9);
  EXPECT_GT(selected->at(4).y(), selected->at(0).y());

  QStringList few = names.mid(0, 4);
  panel.reset(few, groups.mid(0, 4), 48 * 1024);
  EXPECT_EQ(panel.lineCount(), 5); // one per region + capacity
}

TEST_F(Panels, GeneratedTextKeepsTokensTintsByLatencyAndExplainsEachToken) {
  GeneratedTextPanel panel;
  panel.setPrompt("def add(a, b):\n");
  panel.appendToken("    return", 100e-6, "token 1");
  panel.appendToken(" a", 100e-6, "token 2");
  panel.appendToken(" + b", 400e-6, "token 3: slow");
  EXPECT_EQ(panel.tokenCount(), 3);
  EXPECT_EQ(panel.generatedText(), "    return a + b");
  // The slow token's background is warmer than the fast ones'.
  auto backgroundAt = [&](int position) {
    QTextCursor cursor(panel.document());
    cursor.setPosition(position + 1);
    return cursor.charFormat().background().color();
  };
  const int promptLength = int(QString("def add(a, b):\n").size());
  const QColor fast = backgroundAt(promptLength + 1);
  const QColor slow = backgroundAt(promptLength + 12);
  EXPECT_EQ(fast.alpha(), 0); // at the median: untinted
  EXPECT_GT(slow.alpha(), 0);
  EXPECT_GT(slow.red(), slow.blue()); // slower than the median: warm
}

// Issue 17: a speculative run's kept guesses and the target's tokens that
// replaced rejected guesses are marked; the text stays the generated text.
TEST_F(Panels, GeneratedTextMarksKeptAndReplacedDraftGuesses) {
  GeneratedTextPanel panel;
  panel.setPrompt("x = ");
  panel.appendToken("1", 100e-6, "prompt's token");
  panel.appendToken(" +", 50e-6, "kept guess", DraftMark::AcceptedGuess);
  panel.appendToken(" 2", 50e-6, "target's own, replaced ' 3'", DraftMark::ReplacedGuesses);
  EXPECT_EQ(panel.generatedText(), "1 + 2");
  ASSERT_EQ(panel.spans().size(), 3u);
  EXPECT_EQ(panel.spans()[1].mark, DraftMark::AcceptedGuess);
  auto formatAt = [&](int position) {
    QTextCursor cursor(panel.document());
    cursor.setPosition(position + 1);
    return cursor.charFormat();
  };
  EXPECT_EQ(formatAt(panel.spans()[0].start).underlineStyle(), QTextCharFormat::NoUnderline);
  const QTextCharFormat kept = formatAt(panel.spans()[1].start);
  EXPECT_EQ(kept.underlineStyle(), QTextCharFormat::SingleUnderline);
  EXPECT_GT(kept.underlineColor().green(), kept.underlineColor().red());
  const QTextCharFormat replaced = formatAt(panel.spans()[2].start);
  EXPECT_EQ(replaced.underlineStyle(), QTextCharFormat::WaveUnderline);
  EXPECT_GT(replaced.underlineColor().red(), replaced.underlineColor().green());
}

// Issue 17: the timeline splits a speculative step's time into the draft's
// phase and the verify pass, on the token that carries the step.
TEST_F(Panels, TimelineShowsTheDraftAndVerifyPhasesOfSpeculativeSteps) {
  TokenTimelinePanel panel;
  panel.addToken(token(0, 0.0, 300.0));
  EXPECT_FALSE(panel.draftPhase()->isVisible()) << "a plain run has no phases";
  SpeculativeTokenInfo step;
  step.step = 1;
  step.drafted = 4;
  step.accepted = 1;
  step.draftStart = 300e-6;
  step.draftEnd = 340e-6;
  step.verifyStart = 341e-6;
  step.verifyEnd = 400e-6;
  step.stepEnd = 401e-6;
  TokenEvent first = token(1, step.draftStart, 101.0);
  first.speculative = step;
  first.speculative->acceptedDraft = true;
  TokenEvent own = token(2, step.stepEnd, 0.0);
  own.speculative = step;
  panel.addToken(first);
  panel.addToken(own);
  ASSERT_TRUE(panel.draftPhase()->isVisible());
  ASSERT_EQ(panel.draftPhase()->count(), 3);
  EXPECT_NEAR(panel.draftPhase()->at(1).y(), 40.0, 1e-9);
  EXPECT_NEAR(panel.verifyPhase()->at(1).y(), 59.0, 1e-9);
  EXPECT_EQ(panel.draftPhase()->at(2).y(), 0.0) << "the step's time sits on its first token";
  panel.clear();
  EXPECT_FALSE(panel.verifyPhase()->isVisible());
}

TEST_F(Panels, PythonHighlighterColoursKeywordsStringsAndComments) {
  QTextDocument document;
  PythonHighlighter highlighter(&document);
  document.setPlainText("def f(x):  # note 'quoted'\n    return \"#text\" + x\n");
  highlighter.rehighlight(); // without an event loop the first pass is still pending
  auto formatAt = [&](int line, int column) {
    const QTextBlock block = document.findBlockByNumber(line);
    for (const auto& range : block.layout()->formats()) {
      if (column >= range.start && column < range.start + range.length) {
        return range.format;
      }
    }
    return QTextCharFormat();
  };
  EXPECT_EQ(formatAt(0, 0).fontWeight(), QFont::Bold); // def
  EXPECT_TRUE(formatAt(0, 13).fontItalic());           // the comment, quotes included
  EXPECT_TRUE(formatAt(0, 20).fontItalic());
  EXPECT_FALSE(formatAt(1, 13).fontItalic()); // '#' inside a string
  EXPECT_EQ(formatAt(1, 13).foreground().color(), formatAt(1, 11).foreground().color());
}

TEST_F(Panels, ComparisonComputesTheSpeedupFromBothSystems) {
  ComparisonPanel panel;
  panel.setFigures({"wse3", 1800.0, 0.01, 0.012, "simulated"},
                   {"H100 SXM", 200.0, 0.05, 3.5, "roofline"});
  EXPECT_DOUBLE_EQ(panel.speedup(), 9.0);
  panel.setFigures({"wse3", 1800.0, 0.01, 0.012, "simulated"}, {"H100 SXM", 0.0, 0.0, 0.0, ""});
  EXPECT_EQ(panel.speedup(), 0.0);
}

// The chip's figure carries the band over its unconfirmed parameters, in the
// table and in the headline's speedup.
TEST_F(Panels, ComparisonShowsTheBandOverUnconfirmedParameters) {
  ComparisonPanel panel;
  panel.setFigures({"wse3", 1800.0, 0.01, 0.012, "simulated", 1200.0, 2000.0},
                   {"H100 SXM", 200.0, 0.05, 3.5, "roofline"});
  const auto* table = panel.findChild<QTableWidget*>();
  ASSERT_NE(table, nullptr);
  EXPECT_TRUE(table->item(0, 0)->text().contains("1200–2000"))
      << table->item(0, 0)->text().toStdString();
  const auto labels = panel.findChildren<QLabel*>();
  bool headline = false;
  for (const QLabel* label : labels) {
    headline = headline || label->text().contains("6.0–10.0×");
  }
  EXPECT_TRUE(headline);
}

// The labels a value axis draws: its dynamic ticks, printed with its format.
QStringList tickLabels(const QValueAxis* axis) {
  QStringList labels;
  const double step = axis->tickInterval();
  EXPECT_EQ(axis->tickType(), QValueAxis::TicksDynamic);
  if (step <= 0.0) {
    ADD_FAILURE() << "no tick interval";
    return labels;
  }
  const double slack = 1e-9 * step;
  for (double v = axis->tickAnchor(); v <= axis->max() + slack; v += step) {
    if (v >= axis->min() - slack) {
      labels << QString::asprintf(axis->labelFormat().toUtf8().constData(), v);
    }
  }
  return labels;
}

void expectDistinctLabels(const QValueAxis* axis, const char* what) {
  const QStringList labels = tickLabels(axis);
  EXPECT_GE(labels.size(), 2) << what;
  EXPECT_EQ(int(std::set<QString>(labels.begin(), labels.end()).size()), int(labels.size()))
      << what << ": " << labels.join(", ").toStdString();
}

// Empty charts used to label their token axis "0, 0, 1, 1".
TEST_F(Panels, EmptyAndFilledChartsHaveDistinctTickLabelsAndIntegerTokenTicks) {
  TokenTimelinePanel timeline;
  auto* chart = timeline.findChild<QChartView*>()->chart();
  auto axes = [&](QChart* c, Qt::Orientation o) {
    return static_cast<QValueAxis*>(c->axes(o).front());
  };
  expectDistinctLabels(axes(chart, Qt::Horizontal), "empty timeline, tokens");
  expectDistinctLabels(axes(chart, Qt::Vertical), "empty timeline, µs");
  for (const QString& label : tickLabels(axes(chart, Qt::Horizontal))) {
    EXPECT_FALSE(label.contains('.')) << label.toStdString();
  }
  for (int i = 1; i <= 3; ++i) {
    timeline.addToken(token(i, i * 1e-3, 500.0));
  }
  expectDistinctLabels(axes(chart, Qt::Horizontal), "three tokens");
  EXPECT_EQ(tickLabels(axes(chart, Qt::Horizontal)), QStringList({"1", "2", "3"}));

  SramChartPanel sram;
  auto* sramChart = sram.findChild<QChartView*>()->chart();
  expectDistinctLabels(axes(sramChart, Qt::Horizontal), "empty SRAM chart, ms");
  expectDistinctLabels(axes(sramChart, Qt::Vertical), "empty SRAM chart, KiB");
  sram.reset({"layer 0 attention"}, {"attention"}, 48 * 1024);
  sram.addSample(0.0, {20000.0});
  expectDistinctLabels(axes(sramChart, Qt::Horizontal), "one SRAM sample, ms");
  expectDistinctLabels(axes(sramChart, Qt::Vertical), "one SRAM sample, KiB");
}

TEST_F(Panels, NiceTickStepsAreRoundAndIntegerWhereAsked) {
  EXPECT_DOUBLE_EQ(niceTickStep(1.0), 0.5);
  EXPECT_DOUBLE_EQ(niceTickStep(1.0, 1.0), 1.0);
  EXPECT_DOUBLE_EQ(niceTickStep(31.0, 1.0), 10.0);
  EXPECT_DOUBLE_EQ(niceTickStep(4000.0), 1000.0);
  EXPECT_DOUBLE_EQ(niceTickStep(0.0, 1.0), 1.0);
  EXPECT_DOUBLE_EQ(niceTickStep(7.0, 1.0), 2.0);
}

// A small model on a wafer: the heatmap opens on the used strip, W shows the
// whole wafer, F goes back; colours are absolute until stretched, and the
// legend says which.
TEST_F(Panels, HeatmapOpensOnTheUsedRegionAndNamesItsColourScale) {
  ws::sim::MapOptions options;
  options.contextTokens = 256;
  auto placement = std::make_shared<const ws::sim::Placement>(
      ws::sim::mapModel(ws::core::loadModelSpec(ws::core::builtinModelPath().string()),
                        ws::sim::loadChipSpec("wse3"), options));
  const UsedCells used(*placement);
  ASSERT_LT(used.count() * 4, placement->regionIndex().size()) << "not a small model";

  HeatmapPanel panel;
  panel.resize(800, 600);
  panel.show();
  panel.setMapping(placement);
  FrameBuilder frames(*placement);
  frames.newRun();
  panel.setFrame(frames.build({0.0, 0.0, 16}, Plane::Activity));
  int rendered = 0;
  QObject::connect(panel.view(), &ws::render::HeatmapView::frameRendered,
                   [&rendered](double) { ++rendered; });
  for (int i = 0; i < 400 && rendered < 2; ++i) {
    panel.view()->window()->requestUpdate();
    QTest::qWait(10);
  }
  ASSERT_GE(rendered, 2) << "the heatmap never drew";

  const ws::render::HeatmapWindow* window = panel.view()->window();
  const glm::dvec2 viewport = window->camera().viewport();
  auto onScreen = [&](glm::dvec2 cell) {
    const glm::dvec2 px = window->camera().cellToScreen(cell);
    return px.x >= -0.5 && px.y >= -0.5 && px.x <= viewport.x + 0.5 && px.y <= viewport.y + 0.5;
  };
  const ws::render::CellRect box = used.bounds();
  const glm::dvec2 boxMin(box.x, box.y);
  const glm::dvec2 boxMax(box.x + box.w, box.y + box.h);
  EXPECT_TRUE(onScreen(boxMin) && onScreen(boxMax));
  const double usedZoom = window->camera().zoom();
  // The used region fills the view along one side.
  const glm::dvec2 extent = (boxMax - boxMin) * usedZoom;
  EXPECT_GT(std::max(extent.x / viewport.x, extent.y / viewport.y), 0.9);

  QKeyEvent wholeKey(QEvent::KeyPress, Qt::Key_W, Qt::NoModifier, "w");
  QCoreApplication::sendEvent(panel.view()->window(), &wholeKey);
  EXPECT_LT(window->camera().zoom(), usedZoom);
  EXPECT_TRUE(onScreen({0.0, 0.0}));
  EXPECT_TRUE(onScreen({double(placement->width()), double(placement->height())}));
  QKeyEvent fitKey(QEvent::KeyPress, Qt::Key_F, Qt::NoModifier, "f");
  QCoreApplication::sendEvent(panel.view()->window(), &fitKey);
  EXPECT_DOUBLE_EQ(window->camera().zoom(), usedZoom);

  EXPECT_EQ(panel.colourScale(), ColourScale::Absolute);
  EXPECT_TRUE(panel.legendText().contains("0-100 %")) << panel.legendText().toStdString();
  auto* stretch = panel.findChild<QCheckBox*>("heatmapStretch");
  ASSERT_NE(stretch, nullptr);
  EXPECT_FALSE(stretch->isChecked());
  QSignalSpy scaleChanged(&panel, &HeatmapPanel::colourScaleChanged);
  stretch->setChecked(true);
  EXPECT_EQ(panel.colourScale(), ColourScale::Data);
  EXPECT_EQ(scaleChanged.count(), 1);
  EXPECT_TRUE(panel.legendText().contains("stretched")) << panel.legendText().toStdString();
  panel.setColourScale(ColourScale::Absolute);
  EXPECT_FALSE(stretch->isChecked());
}

} // namespace
