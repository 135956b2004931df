// The workbench window end to end on lavapipe under Xvfb: runs the built-in
// model, checks the panels, the heatmap and the controls, and writes
// screenshots (X-level captures, which include the native Vulkan child).
#include "app/gui/chip_panel.h"
#include "app/gui/generated_text_panel.h"
#include "app/gui/heatmap_panel.h"
#include "app/gui/main_window.h"
#include "app/gui/model_panel.h"
#include "app/gui/presenter_demo.h"
#include "app/gui/run_panel.h"
#include "app/gui/screenshot_run.h"
#include "app/gui/serving_panel.h"
#include "app/gui/sram_chart_panel.h"
#include "app/gui/token_timeline_panel.h"
#include "render/qt/heatmap_window.h"
#include "tests/test_paths.h"

#include <gtest/gtest.h>

#include <QApplication>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QLineSeries>
#include <QMessageBox>
#include <QMimeData>
#include <QPushButton>
#include <QSettings>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>

namespace ws::app {
namespace {

constexpr int kTokens = 32;
constexpr int kLoadTimeoutMs = 120000;
constexpr int kRunTimeoutMs = 300000;

// One application per process (ctest runs each test in its own process).
// Settings go to a fresh folder per test, away from the user's and from
// tests running beside it.
QApplication& application() {
  static int argc = 1;
  static char name[] = "app_tests";
  static char* argv[] = {name, nullptr};
  static QApplication* app = [] {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    const auto settingsDir = test::outputDir() / "qsettings" / test->name();
    std::filesystem::remove_all(settingsDir);
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope,
                       QString::fromStdString(settingsDir.string()));
    auto* created = new QApplication(argc, argv);
    QApplication::setOrganizationName("Waferscope");
    QApplication::setApplicationName("waferscope-tests");
    return created;
  }();
  return *app;
}

// The message box on screen, if any.
QMessageBox* visibleMessageBox() {
  for (QWidget* widget : QApplication::topLevelWidgets()) {
    if (auto* box = qobject_cast<QMessageBox*>(widget); box && box->isVisible()) {
      return box;
    }
  }
  return nullptr;
}

// Drops local files on the window as a file manager would.
void dropFiles(MainWindow& window, const std::vector<std::filesystem::path>& files) {
  QMimeData data;
  QList<QUrl> urls;
  for (const auto& file : files) {
    urls.append(QUrl::fromLocalFile(QString::fromStdString(file.string())));
  }
  data.setUrls(urls);
  const QPointF centre(window.width() / 2.0, window.height() / 2.0);
  QDragEnterEvent enter(centre.toPoint(), Qt::CopyAction, &data, Qt::LeftButton, Qt::NoModifier);
  QCoreApplication::sendEvent(&window, &enter);
  ASSERT_TRUE(enter.isAccepted());
  QDropEvent drop(centre, Qt::CopyAction, &data, Qt::LeftButton, Qt::NoModifier);
  QCoreApplication::sendEvent(&window, &drop);
}

// Distinct colours inside the central half of an image.
size_t distinctColours(const QImage& image) {
  std::set<QRgb> colours;
  const QRect centre(image.width() / 4, image.height() / 4, image.width() / 2, image.height() / 2);
  for (int y = centre.top(); y <= centre.bottom(); y += 2) {
    for (int x = centre.left(); x <= centre.right(); x += 2) {
      colours.insert(image.pixel(x, y));
    }
  }
  return colours.size();
}

class GuiTest : public ::testing::Test {
protected:
  void SetUp() override { application(); }

  std::unique_ptr<MainWindow> openWindow(const QString& chip, const QString& model = "builtin") {
    MainWindowOptions options;
    options.model = model;
    options.chip = chip;
    options.restoreSettings = false;
    auto window = std::make_unique<MainWindow>(options);
    window->resize(1280, 800);
    window->move(0, 0);
    window->show();
    return window;
  }

  // Runs the current prompt to the end; false on a timeout or an error.
  bool runToEnd(MainWindow& window, int tokens) {
    bool ended = false;
    bool failed = false;
    const auto onFinished = QObject::connect(&window.bridge(), &SessionBridge::finished,
                                             [&](const FinishedEvent&) { ended = true; });
    const auto onFailed =
        QObject::connect(&window.bridge(), &SessionBridge::failed, [&](const ErrorEvent& error) {
          ADD_FAILURE() << error.message;
          failed = ended = true;
        });
    window.runPanel()->setMaxTokens(tokens);
    window.runPanel()->runButton()->click();
    const bool done = waitUntil([&] { return ended; }, kRunTimeoutMs);
    QObject::disconnect(onFinished);
    QObject::disconnect(onFailed);
    return done && !failed;
  }

  // The full check of one run of the built-in model on `chip`.
  void checkRun(MainWindow& window) {
    ASSERT_TRUE(waitUntil([&] { return window.hasMapping(); }, kLoadTimeoutMs))
        << "the built-in model was not mapped";
    ASSERT_TRUE(runToEnd(window, kTokens));
    EXPECT_EQ(window.textPanel()->tokenCount(), kTokens);
    EXPECT_FALSE(window.textPanel()->generatedText().isEmpty());
    EXPECT_EQ(window.timelinePanel()->tokenCount(), kTokens);
    EXPECT_EQ(window.sramChartPanel()->sampleCount(), kTokens);
    EXPECT_GT(window.simulatedTokensPerSecond(), 0.0);
    EXPECT_TRUE(window.statusText().contains("tokens/s")) << window.statusText().toStdString();
    EXPECT_FALSE(window.statusText().contains("—")) << window.statusText().toStdString();

    // The heatmap shows a non-uniform activity frame.
    // The run's last frame (the mapping's own frame covers no time).
    ASSERT_TRUE(waitUntil(
        [&] {
          const auto frame = window.heatmapPanel()->frame();
          return frame && frame->simEnd > 0.0;
        },
        10000));
    const auto frame = window.heatmapPanel()->frame();
    EXPECT_EQ(frame->plane, Plane::Activity);
    float lo = INFINITY;
    float hi = -INFINITY;
    for (float v : frame->field.values) {
      if (!std::isnan(v)) {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
    }
    EXPECT_LT(lo, hi) << "uniform activity field";
    int frames = 0;
    const auto counter =
        QObject::connect(window.heatmapPanel()->view(), &render::HeatmapView::frameRendered,
                         [&frames](double) { ++frames; });
    ASSERT_TRUE(waitUntil(
        [&] {
          window.heatmapPanel()->view()->window()->requestUpdate();
          return frames >= 3;
        },
        20000));
    QObject::disconnect(counter);
    const QImage image = window.heatmapPanel()->view()->grabFrame();
    ASSERT_FALSE(image.isNull());
    EXPECT_GT(distinctColours(image), 4u) << "the heatmap frame is uniform";
    EXPECT_EQ(render::HeatmapWindow::validationMessageCount(), 0u);
  }
};

TEST_F(GuiTest, RunsTheBuiltinModelOnTheTeachingChipWithPauseStepAndScreenshots) {
  auto window = openWindow("teach-32x32");
  checkRun(*window);

  // Clicking a PE selects its region; the inspector describes it.
  const auto placement = window->heatmapPanel()->placement();
  ASSERT_NE(placement, nullptr);
  const sim::Region& region = placement->regions().back();
  emit window->heatmapPanel()->view()->cellClicked(region.rect.x, region.rect.y);
  EXPECT_EQ(window->heatmapPanel()->selectedRegion(), region.id);
  const std::string inspector = window->heatmapPanel()->inspectorText(region.rect.x, region.rect.y);
  EXPECT_NE(inspector.find("PE ("), std::string::npos) << inspector;
  EXPECT_NE(inspector.find(region.name), std::string::npos) << inspector;
  EXPECT_NE(inspector.find("busy"), std::string::npos) << inspector;
  EXPECT_NE(inspector.find("op: "), std::string::npos) << inspector;
  EXPECT_EQ(inspector.find("op: idle"), std::string::npos) << inspector;
  EXPECT_NE(inspector.find("SRAM"), std::string::npos) << inspector;

  // Scrubbing the timeline shows the heatmap at that token.
  const sim::TokenTiming& third = window->timelinePanel()->tokens()[2].timing;
  emit window->timelinePanel()->scrubbed(0.5 * (third.simStart + third.simEnd));
  ASSERT_TRUE(waitUntil(
      [&] {
        const auto frame = window->heatmapPanel()->frame();
        return frame && frame->simStart == third.simStart && frame->simEnd == third.simEnd;
      },
      10000))
      << "no frame for the scrubbed moment";

  // Screenshots of the whole window in activity and SRAM modes.
  const QString dir = QString::fromStdString((test::outputDir() / "screenshots").string());
  const QStringList written = saveModeScreenshots(*window, dir);
  std::cout << "screenshots in " << dir.toStdString() << std::endl;
  ASSERT_GE(written.size(), 2);
  for (const QString& path : written) {
    const QImage shot(path);
    ASSERT_FALSE(shot.isNull()) << path.toStdString();
    EXPECT_GE(shot.width(), 1000);
    EXPECT_GT(distinctColours(shot), 16u) << path.toStdString();
  }
  EXPECT_NE(QImage(written[0]), QImage(written[1])) << "activity and SRAM screenshots are the same";

  // Pause before the first token, step one, resume to the end.
  window->runPanel()->setSpeed(PlaybackSpeed::AsFastAsPossible);
  bool ended = false;
  QObject::connect(&window->bridge(), &SessionBridge::finished,
                   [&](const FinishedEvent&) { ended = true; });
  window->runPanel()->setMaxTokens(4);
  window->runPanel()->pauseButton()->click();
  ASSERT_TRUE(window->runPanel()->pauseButton()->isChecked());
  window->runPanel()->runButton()->click();
  // The panels clear when the new run starts.
  ASSERT_TRUE(waitUntil([&] { return window->textPanel()->tokenCount() == 0; }, 10000));
  EXPECT_FALSE(waitUntil([&] { return window->textPanel()->tokenCount() > 0; }, 500))
      << "a token arrived while paused";
  ASSERT_TRUE(waitUntil([&] { return window->runPanel()->stepButton()->isEnabled(); }, 10000));
  window->runPanel()->stepButton()->click();
  ASSERT_TRUE(waitUntil([&] { return window->textPanel()->tokenCount() == 1; }, 30000));
  EXPECT_FALSE(waitUntil([&] { return window->textPanel()->tokenCount() > 1; }, 500))
      << "step let more than one token through";
  window->runPanel()->pauseButton()->click(); // resume
  ASSERT_TRUE(waitUntil([&] { return ended; }, kRunTimeoutMs));
  EXPECT_EQ(window->textPanel()->tokenCount(), 4);
}

TEST_F(GuiTest, RunsTheBuiltinModelOnWse3) {
  auto window = openWindow("wse3");
  checkRun(*window);
}

// Issue 17: the Serving dock's picker drives the window's own run: with
// speculative-2025 the draft maps beside the model (its regions in the
// heatmap), the text marks kept guesses and the timeline splits each step
// into the draft's phase and the verify pass.
TEST_F(GuiTest, ServingPickerRunsSpeculativeDecodingInTheWindow) {
  auto window = openWindow("wse3");
  ASSERT_TRUE(waitUntil([&] { return window->hasMapping(); }, kLoadTimeoutMs));
  auto* serving = window->findChild<ServingPanel*>("servingPanel");
  ASSERT_NE(serving, nullptr);
  bool remapped = false;
  const auto onMapped =
      QObject::connect(&window->bridge(), &SessionBridge::mapped, [&](const MappedEvent& event) {
        for (const auto& region : event.placement->regions()) {
          remapped |= region.name.starts_with("draft ");
        }
      });
  serving->selectProfile("speculative-2025");
  ASSERT_TRUE(waitUntil([&] { return remapped; }, kLoadTimeoutMs)) << "no draft was mapped";
  QObject::disconnect(onMapped);
  ASSERT_TRUE(runToEnd(*window, 24));
  EXPECT_EQ(window->textPanel()->tokenCount(), 24);
  int kept = 0;
  for (const TokenSpan& span : window->textPanel()->spans()) {
    kept += span.mark == DraftMark::AcceptedGuess ? 1 : 0;
  }
  EXPECT_GT(kept, 0) << "the built-in draft's guesses are kept sometimes";
  EXPECT_TRUE(window->timelinePanel()->draftPhase()->isVisible());
  double draftUs = 0.0;
  for (const QPointF& point : window->timelinePanel()->draftPhase()->points()) {
    draftUs += point.y();
  }
  EXPECT_GT(draftUs, 0.0);
}

// A model card runs timing only, its tokens replayed from the built-in model,
// and the window says so. Its screenshot is the README's (WS_UPDATE_SCREENSHOT=1).
TEST_F(GuiTest, ModelCardOnWse3IsTimingOnlyAndMakesTheReadmeScreenshot) {
  auto window = openWindow("wse3", "llama-3.1-8b");
  ASSERT_TRUE(waitUntil([&] { return window->hasMapping(); }, kLoadTimeoutMs));
  ASSERT_TRUE(runToEnd(*window, 16));
  EXPECT_EQ(window->textPanel()->tokenCount(), 16);
  EXPECT_GT(window->simulatedTokensPerSecond(), 0.0);
  EXPECT_TRUE(window->statusText().contains("replayed")) << window->statusText().toStdString();
  const QString dir =
      QString::fromStdString((test::outputDir() / "screenshots-llama-3.1-8b-wse3").string());
  const QStringList written = saveModeScreenshots(*window, dir);
  std::cout << "screenshots in " << dir.toStdString() << std::endl;
  ASSERT_FALSE(written.isEmpty());
  if (qEnvironmentVariable("WS_UPDATE_SCREENSHOT") == "1") {
    const auto target =
        std::filesystem::path(WS_TEST_SOURCE_DIR) / ".." / ".." / "docs" / "screenshot.png";
    std::filesystem::create_directories(target.parent_path());
    std::filesystem::copy_file(written.front().toStdString(), target,
                               std::filesystem::copy_options::overwrite_existing);
    std::cout << "updated " << target.lexically_normal() << std::endl;
  }
}

TEST_F(GuiTest, FitErrorDialogForLlama405bOnOneWse3) {
  auto window = openWindow("wse3");
  window->loadModel("llama-3.1-405b");
  QMessageBox* dialog = nullptr;
  ASSERT_TRUE(waitUntil([&] { return (dialog = visibleMessageBox()) != nullptr; }, kLoadTimeoutMs))
      << "no FitError dialog";
  EXPECT_TRUE(dialog->text().contains("wse3")) << dialog->text().toStdString();
  EXPECT_TRUE(dialog->windowTitle().contains("fit")) << dialog->windowTitle().toStdString();
  EXPECT_FALSE(window->hasMapping());
  dialog->close();
  EXPECT_TRUE(waitUntil([] { return visibleMessageBox() == nullptr; }, 5000));
}

TEST_F(GuiTest, DroppedFilesOpenAsModelOrChipAndABadOneGivesADialog) {
  auto window = openWindow("teach-32x32");
  ASSERT_TRUE(waitUntil([&] { return window->hasMapping(); }, kLoadTimeoutMs));
  const auto dir = test::outputDir() / "dropped";
  std::filesystem::create_directories(dir);

  // A truncated model file: the dialog names it, the window keeps working.
  const auto truncated = dir / "truncated.gguf";
  {
    std::ifstream in(test::assetsDir() / "models" / "builtin-coder.gguf", std::ios::binary);
    std::string head(4096, '\0');
    in.read(head.data(), std::streamsize(head.size()));
    std::ofstream(truncated, std::ios::binary).write(head.data(), std::streamsize(head.size()));
  }
  dropFiles(*window, {truncated});
  QMessageBox* dialog = nullptr;
  ASSERT_TRUE(waitUntil([&] { return (dialog = visibleMessageBox()) != nullptr; }, kLoadTimeoutMs))
      << "no dialog for a truncated model file";
  EXPECT_TRUE(dialog->text().contains("truncated.gguf")) << dialog->text().toStdString();
  dialog->close();
  ASSERT_TRUE(waitUntil([] { return visibleMessageBox() == nullptr; }, 5000));

  // A file that is neither a model nor a chip.
  const auto notes = dir / "notes.txt";
  std::ofstream(notes) << "not a model\n";
  dropFiles(*window, {notes});
  ASSERT_TRUE(waitUntil([&] { return (dialog = visibleMessageBox()) != nullptr; }, 5000));
  EXPECT_TRUE(dialog->text().contains("notes.txt")) << dialog->text().toStdString();
  dialog->close();
  ASSERT_TRUE(waitUntil([] { return visibleMessageBox() == nullptr; }, 5000));

  // A chip JSON and the built-in model file: both are taken and mapped.
  const auto chip = test::assetsDir() / "chips" / "teach-32x32.json";
  const auto model = test::assetsDir() / "models" / "builtin-coder.gguf";
  int mappings = 0;
  QObject::connect(&window->bridge(), &SessionBridge::mapped,
                   [&](const MappedEvent&) { ++mappings; });
  dropFiles(*window, {chip, model});
  EXPECT_EQ(window->chipPanel()->currentChip().toStdString(), chip.string());
  EXPECT_EQ(window->modelPanel()->currentModel().toStdString(), model.string());
  ASSERT_TRUE(waitUntil([&] { return mappings > 0 && window->hasMapping(); }, kLoadTimeoutMs))
      << "the dropped model and chip were not mapped";
  EXPECT_EQ(visibleMessageBox(), nullptr);
}

TEST_F(GuiTest, HeatmapExportWritesThePngAtomically) {
  auto window = openWindow("teach-32x32");
  ASSERT_TRUE(waitUntil([&] { return window->hasMapping(); }, kLoadTimeoutMs));
  ASSERT_TRUE(runToEnd(*window, 4));
  const auto path = test::outputDir() / "export" / "heatmap.png";
  std::filesystem::create_directories(path.parent_path());
  std::filesystem::remove(path);
  ASSERT_TRUE(waitUntil(
      [&] {
        window->exportHeatmapPng(QString::fromStdString(path.string()));
        return std::filesystem::exists(path);
      },
      20000));
  const QImage image(QString::fromStdString(path.string()));
  ASSERT_FALSE(image.isNull());
  EXPECT_GT(distinctColours(image), 4u);
  // QSaveFile leaves no temporary beside it.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(path.parent_path()),
                          std::filesystem::directory_iterator()),
            1);
  EXPECT_EQ(visibleMessageBox(), nullptr);
}

TEST_F(GuiTest, PresenterModeLoopsTheDemoUnattended) {
  auto window = openWindow("teach-32x32");
  ASSERT_TRUE(waitUntil([&] { return window->hasMapping(); }, kLoadTimeoutMs));
  window->runPanel()->setMaxTokens(4);
  window->presenterDemo()->setTimings(200, 100);
  window->setPresenterMode(true);
  EXPECT_TRUE(window->isFullScreen() || window->windowState().testFlag(Qt::WindowFullScreen));
  window->runPanel()->setSpeed(PlaybackSpeed::AsFastAsPossible);
  // Three demo runs: prompt, generation, reset, and again.
  ASSERT_TRUE(waitUntil([&] { return window->presenterDemo()->runsStarted() >= 3; }, 120000));
  window->setPresenterMode(false);
  EXPECT_FALSE(window->presenterDemo()->active());
  EXPECT_FALSE(window->isFullScreen());
}

TEST_F(GuiTest, LayoutAndSettingsPersist) {
  {
    auto window = openWindow("teach-32x32");
    window->heatmapPanel()->setMode(HeatmapMode::Sram);
    window->runPanel()->setMaxTokens(17);
    window->close();
  }
  MainWindowOptions options;
  auto window = std::make_unique<MainWindow>(options);
  EXPECT_EQ(window->heatmapPanel()->mode(), HeatmapMode::Sram);
  EXPECT_EQ(window->runPanel()->settings().maxTokens, 17);
  EXPECT_EQ(QSettings().value("chip").toString(), "teach-32x32");
}

} // namespace
} // namespace ws::app
