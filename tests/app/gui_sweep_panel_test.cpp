// The Sweep panel on a real sweep folder (run by the sweep library): plots
// one series per value of the second axis, marks the Pareto front, follows a
// running sweep as its rows arrive, and opens a clicked point as a run in the
// workbench.
#include "app/gui/main_window.h"
#include "app/gui/screenshot_run.h"
#include "app/gui/sweep_panel.h"
#include "app/sweep/point_runner.h"
#include "app/sweep/sweep_store.h"
#include "sim/chip_spec.h"
#include "tests/test_paths.h"

#include <gtest/gtest.h>

#include <QApplication>
#include <QChart>
#include <QLineSeries>
#include <QScatterSeries>
#include <QSettings>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace ws::app {
namespace {

namespace fs = std::filesystem;

QApplication& application() {
  static int argc = 1;
  static char name[] = "app_tests";
  static char* argv[] = {name, nullptr};
  static QApplication* app = [] {
    const auto settingsDir = test::outputDir() / "qsettings" / "sweep_panel";
    fs::remove_all(settingsDir);
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope,
                       QString::fromStdString(settingsDir.string()));
    return new QApplication(argc, argv);
  }();
  return *app;
}

const char* kSweep = R"({
  "base": {"model": "builtin", "chip": "teach-32x32", "promptTokens": 8, "genTokens": 3},
  "axes": [{"field": "users", "values": [1, 2, 4, 8]},
           {"field": "chip.clockHz", "values": [1e9, 2e9]}]})";

int countSeries(QChart* chart, QAbstractSeries::SeriesType type) {
  int n = 0;
  for (QAbstractSeries* s : chart->series()) {
    n += s->type() == type ? 1 : 0;
  }
  return n;
}

class SweepPanelTest : public ::testing::Test {
protected:
  void SetUp() override {
    application();
    m_dir = test::outputDir() / "sweep_panel" /
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(m_dir);
    m_spec.emplace(sweep::SweepSpec::parse(kSweep, "panel.json", ""));
    m_store.emplace(m_dir, *m_spec);
  }
  void run(const std::vector<uint64_t>& points) {
    sweep::runPoints(*m_spec, *m_store, points, sweep::PointRunOptions{});
  }
  fs::path m_dir;
  std::optional<sweep::SweepSpec> m_spec;
  std::optional<sweep::SweepStore> m_store;
};

TEST_F(SweepPanelTest, PlotsASeriesPerSecondAxisValueAndMarksTheParetoFront) {
  run(m_store->pendingPoints());
  SweepPanel panel;
  QString error;
  ASSERT_TRUE(panel.open(QString::fromStdString(m_dir.string()), &error)) << error.toStdString();
  EXPECT_EQ(panel.table().rows.size(), 8u);
  panel.setPlot("tokens_per_s", "users", "chip.clockHz");
  EXPECT_EQ(countSeries(panel.chart(), QAbstractSeries::SeriesTypeScatter), 2);
  EXPECT_EQ(countSeries(panel.chart(), QAbstractSeries::SeriesTypeLine), 2);
  panel.setPlot("ttft_s", "chip.clockHz", "");
  EXPECT_EQ(countSeries(panel.chart(), QAbstractSeries::SeriesTypeScatter), 1);
  // Each clock has four user counts: dots only, no line through them.
  EXPECT_EQ(countSeries(panel.chart(), QAbstractSeries::SeriesTypeLine), 0);

  ASSERT_FALSE(panel.paretoRows().isEmpty());
  panel.setParetoView(true);
  bool hasFront = false;
  for (QAbstractSeries* s : panel.chart()->series()) {
    if (s->name() == "Pareto front") {
      hasFront = true;
      EXPECT_EQ(static_cast<QLineSeries*>(s)->count(), panel.paretoRows().size());
    }
  }
  EXPECT_TRUE(hasFront);
  // The front is monotone: more aggregate throughput, less per user.
  const auto& t = panel.table();
  for (int i = 1; i < panel.paretoRows().size(); ++i) {
    const size_t a = size_t(panel.paretoRows()[i - 1]);
    const size_t b = size_t(panel.paretoRows()[i]);
    EXPECT_LT(*t.number(a, t.column("tokens_per_s")), *t.number(b, t.column("tokens_per_s")));
    EXPECT_GT(*t.number(a, t.column("tokens_per_s_per_user")),
              *t.number(b, t.column("tokens_per_s_per_user")));
  }
  // The finished table reads the same.
  m_store->writeResults();
  SweepPanel fromCsv;
  ASSERT_TRUE(fromCsv.open(QString::fromStdString(m_store->resultsPath().string())));
  EXPECT_EQ(fromCsv.table().rows, panel.table().rows);
  EXPECT_EQ(fromCsv.paretoRows(), panel.paretoRows());
}

TEST_F(SweepPanelTest, FollowsARunningSweepAndRejectsWhatIsNotASweep) {
  run({0, 1, 2});
  SweepPanel panel;
  ASSERT_TRUE(panel.open(QString::fromStdString(m_dir.string())));
  EXPECT_EQ(panel.table().rows.size(), 3u);
  run({3, 4});
  panel.refresh();
  EXPECT_EQ(panel.table().rows.size(), 5u);
  QString error;
  EXPECT_FALSE(panel.open(QString::fromStdString((m_dir / "parts").string()), &error));
  EXPECT_TRUE(error.contains("not a sweep output folder")) << error.toStdString();
}

TEST_F(SweepPanelTest, AClickedPointOpensAsARunInTheWorkbench) {
  run(m_store->pendingPoints());
  SweepPanel panel;
  ASSERT_TRUE(panel.open(QString::fromStdString(m_dir.string())));
  std::vector<SweepPointRun> requests;
  QObject::connect(&panel, &SweepPanel::runPointRequested,
                   [&](const SweepPointRun& run) { requests.push_back(run); });
  panel.activateRow(7); // users 8, 2 GHz
  ASSERT_EQ(requests.size(), 1u);
  const SweepPointRun request = requests.front();
  EXPECT_EQ(request.point, 7u);
  EXPECT_EQ(request.model, "builtin");
  EXPECT_EQ(request.genTokens, 3);
  EXPECT_TRUE(request.note.contains("8 users")) << request.note.toStdString();
  const sim::ChipSpec chip = sim::loadChipSpec(request.chipFile.toStdString());
  EXPECT_DOUBLE_EQ(chip.clockHz, 2e9);
  EXPECT_EQ(chip.name, "teach-32x32 (sweep point 7)");

  MainWindowOptions options;
  options.model = "builtin";
  options.chip = "teach-32x32";
  options.restoreSettings = false;
  MainWindow window(options);
  window.resize(1280, 800);
  window.show();
  ASSERT_TRUE(waitUntil([&] { return window.hasMapping(); }, 120000));
  bool finished = false;
  QObject::connect(&window.bridge(), &SessionBridge::finished,
                   [&](const FinishedEvent&) { finished = true; });
  QObject::connect(&window.bridge(), &SessionBridge::failed,
                   [&](const ErrorEvent& e) { ADD_FAILURE() << e.message; });
  window.runSweepPoint(request);
  ASSERT_TRUE(waitUntil([&] { return finished; }, 300000));
  EXPECT_TRUE(window.hasMapping());
  EXPECT_GT(window.simulatedTokensPerSecond(), 0.0);
}

} // namespace
} // namespace ws::app
