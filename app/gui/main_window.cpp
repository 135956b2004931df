#include "app/gui/main_window.h"

#include "app/gui/chip_panel.h"
#include "app/gui/comparison_panel.h"
#include "app/gui/generated_text_panel.h"
#include "app/gui/model_panel.h"
#include "app/gui/presenter_demo.h"
#include "app/gui/run_panel.h"
#include "app/gui/serving_panel.h"
#include "app/gui/sram_chart_panel.h"
#include "app/gui/sweep_panel.h"
#include "app/gui/token_timeline_panel.h"
#include "app/gui/units.h"
#include "render/qt/heatmap_window.h"

#include <QDockWidget>
#include <QFileDialog>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QStatusBar>

#include <algorithm>

namespace ws::app {

namespace {

constexpr const char* kDefaultChip = "wse3";
constexpr int kChartDockHeight = 220; // pixels: room for the timeline and SRAM charts
constexpr int kSideColumnWidth = 360;
// The GPU the comparison panel shows when the report has several baselines.
constexpr const char* kPreferredGpu = "h100-sxm";

QString tokenTooltip(const TokenEvent& event) {
  QString tip = QString("token %1 (id %2)\nsimulated %3 (%4 – %5)")
                    .arg(event.timing.index)
                    .arg(event.id)
                    .arg(formatSimTime(event.timing.simEnd - event.timing.simStart),
                         formatSimTime(event.timing.simStart), formatSimTime(event.timing.simEnd));
  tip += "\n";
  for (int c = 0; c < sim::TimeBreakdown::kCategories; ++c) {
    tip += QString("%1%2 %3").arg(c == 0 ? "" : (c == 4 ? ",\n" : ", "),
                                  sim::TimeBreakdown::categoryName(c),
                                  formatSimTime(event.timing.breakdown.category(c)));
  }
  if (!event.criticalRegionName.empty()) {
    tip += "\ncritical region: " + QString::fromStdString(event.criticalRegionName);
  }
  tip += QString("\nhost forward pass %1 ms").arg(event.hostSeconds * 1e3, 0, 'f', 2);
  if (event.timing.prefill) {
    tip += "\n(first token: its time is the prefill)";
  }
  if (event.speculative) {
    const SpeculativeTokenInfo& s = *event.speculative;
    tip += QString("\nspeculative step %1: %2 of %3 guesses kept; draft %4, verify %5")
               .arg(s.step)
               .arg(s.accepted)
               .arg(s.drafted)
               .arg(formatSimTime(s.draftEnd - s.draftStart),
                    formatSimTime(s.verifyEnd - s.verifyStart));
    if (s.acceptedDraft) {
      tip += "\nthe draft's guess, kept by the target";
    } else {
      tip += "\nthe target's own token";
      if (!s.rejectedPieces.empty()) {
        QStringList rejected;
        for (const std::string& piece : s.rejectedPieces) {
          rejected << "'" + QString::fromStdString(piece) + "'";
        }
        tip += ", replacing the rejected guesses " + rejected.join(" ");
      }
    }
  }
  return tip;
}

// How the text panel marks a speculative run's token.
DraftMark draftMarkOf(const TokenEvent& event) {
  if (!event.speculative) {
    return DraftMark::None;
  }
  if (event.speculative->acceptedDraft) {
    return DraftMark::AcceptedGuess;
  }
  return event.speculative->rejectedPieces.empty() ? DraftMark::None : DraftMark::ReplacedGuesses;
}

// The latency a token's tint shows: a speculative step's time shared by the
// tokens it commits (they come out together).
double tintLatency(const TokenEvent& event) {
  if (!event.speculative) {
    return event.timing.seconds();
  }
  const SpeculativeTokenInfo& s = *event.speculative;
  return (s.stepEnd - s.draftStart) / double(s.accepted + 1);
}

} // namespace

MainWindow::MainWindow(const MainWindowOptions& options, QWidget* parent) : QMainWindow(parent) {
  setObjectName("mainWindow");
  setWindowTitle("Waferscope");
  setAcceptDrops(true);
  setDockNestingEnabled(true);

  m_bridge = new SessionBridge(this);
  m_heatmap = new HeatmapPanel(this); // throws when Vulkan is unusable
  setCentralWidget(m_heatmap);

  m_modelPanel = new ModelPanel(this);
  m_chipPanel = new ChipPanel(this);
  m_runPanel = new RunPanel(this);
  m_timeline = new TokenTimelinePanel(this);
  m_sramChart = new SramChartPanel(this);
  m_text = new GeneratedTextPanel(this);
  m_comparison = new ComparisonPanel(this);
  m_sweep = new SweepPanel(this);
  // The side columns run the full height; the timeline sits under the
  // heatmap. Model and chip share a tabbed dock so everything fits a
  // 1280 x 800 screen.
  setCorner(Qt::BottomLeftCorner, Qt::LeftDockWidgetArea);
  setCorner(Qt::BottomRightCorner, Qt::RightDockWidgetArea);
  QDockWidget* modelDock = addPanelDock(m_modelPanel, "Model", "modelDock", Qt::LeftDockWidgetArea);
  QDockWidget* chipDock = addPanelDock(m_chipPanel, "Chip", "chipDock", Qt::LeftDockWidgetArea);
  tabifyDockWidget(modelDock, chipDock);
  modelDock->raise();
  addPanelDock(m_runPanel, "Run", "runDock", Qt::LeftDockWidgetArea);
  QDockWidget* textDock =
      addPanelDock(m_text, "Generated code", "textDock", Qt::RightDockWidgetArea);
  QDockWidget* comparisonDock =
      addPanelDock(m_comparison, "Chip vs GPU", "comparisonDock", Qt::RightDockWidgetArea);
  QDockWidget* sramDock =
      addPanelDock(m_sramChart, "SRAM per PE by region", "sramDock", Qt::RightDockWidgetArea);
  QDockWidget* timelineDock = addPanelDock(m_timeline, "Token timeline: latency per token",
                                           "timelineDock", Qt::BottomDockWidgetArea);
  QDockWidget* sweepDock =
      addPanelDock(m_sweep, "Sweep: metric against axis", "sweepDock", Qt::BottomDockWidgetArea);
  tabifyDockWidget(timelineDock, sweepDock);
  auto* serving = new ServingPanel(this);
  serving->setObjectName("servingPanel");
  serving->followMappings(*m_bridge);
  connect(serving, &ServingPanel::profileActivated, this, [this](const QString& name) {
    m_bridge->session().setServingProfile(name.toStdString());
  });
  tabifyDockWidget(timelineDock, addPanelDock(serving, "Serving: tokens/s against K", "servingDock",
                                              Qt::BottomDockWidgetArea));
  timelineDock->raise();
  resizeDocks({timelineDock}, {kChartDockHeight}, Qt::Vertical);
  resizeDocks({textDock, comparisonDock, sramDock},
              {kChartDockHeight, kChartDockHeight, kChartDockHeight}, Qt::Vertical);
  resizeDocks({textDock}, {kSideColumnWidth}, Qt::Horizontal);

  m_statusRate = new QLabel(this);
  m_statusRate->setObjectName("statusTokensPerSecond");
  m_statusClock = new QLabel(this);
  m_statusMode = new QLabel(this);
  statusBar()->addPermanentWidget(m_statusMode);
  statusBar()->addPermanentWidget(m_statusClock);
  statusBar()->addPermanentWidget(m_statusRate);

  m_demo = new PresenterDemo(
      [this](const QString& prompt) {
        m_runPanel->setPrompt(prompt);
        if (m_runPanel->pauseButton()->isChecked()) {
          m_runPanel->pauseButton()->click(); // the demo runs unattended
        }
        startRun();
      },
      [this] { resetRunPanels(); }, this);

  buildMenus();

  Session& session = m_bridge->session();
  connect(m_bridge, &SessionBridge::progress, m_modelPanel, &ModelPanel::showProgress);
  connect(m_bridge, &SessionBridge::modelLoaded, this, &MainWindow::onModelLoaded);
  connect(m_bridge, &SessionBridge::mapped, this, &MainWindow::onMapped);
  connect(m_bridge, &SessionBridge::runStarted, this, &MainWindow::onRunStarted);
  connect(m_bridge, &SessionBridge::tokenArrived, this, &MainWindow::onToken);
  connect(m_bridge, &SessionBridge::finished, this, &MainWindow::onFinished);
  connect(m_bridge, &SessionBridge::failed, this, &MainWindow::onFailed);
  connect(m_bridge, &SessionBridge::stateChanged, this, &MainWindow::onStateChanged);
  connect(m_bridge, &SessionBridge::frameArrived, this, [this](std::shared_ptr<const Frame> frame) {
    m_statusClock->setText("simulated clock " + formatSimTime(frame->simEnd));
    m_runPanel->setSimulatedClock(frame->simEnd);
    m_heatmap->setFrame(std::move(frame));
  });
  connect(m_bridge, &SessionBridge::exported, this, [this](const ExportedEvent& event) {
    statusBar()->showMessage(
        QString("Wrote %1: %2")
            .arg(QString::fromStdString(event.kind), QString::fromStdString(event.path)),
        kStatusMessageMs);
  });

  connect(m_modelPanel, &ModelPanel::modelChosen, this, &MainWindow::loadModel);
  connect(m_modelPanel, &ModelPanel::openFileRequested, this, [this] {
    const QString path = QFileDialog::getOpenFileName(
        this, "Open model", QString(),
        "Models (*.gguf *.safetensors config.json);;GGUF (*.gguf);;safetensors (*.safetensors)");
    if (!path.isEmpty()) {
      m_modelPanel->choose(path);
    }
  });
  connect(m_chipPanel, &ChipPanel::chipChosen, this, &MainWindow::setChip);
  connect(m_chipPanel, &ChipPanel::openFileRequested, this, [this] {
    const QString path =
        QFileDialog::getOpenFileName(this, "Open chip", QString(), "Chip JSON (*.json)");
    if (!path.isEmpty()) {
      m_chipPanel->choose(path);
    }
  });
  connect(m_runPanel, &RunPanel::runRequested, this, &MainWindow::startRun);
  connect(m_sweep, &SweepPanel::openRequested, this, [this] {
    const QString path = QFileDialog::getExistingDirectory(
        this, "Open sweep output folder (or cancel to pick a results CSV)");
    if (!path.isEmpty()) {
      openSweep(path);
      return;
    }
    const QString csv =
        QFileDialog::getOpenFileName(this, "Open sweep results", QString(), "CSV (*.csv)");
    if (!csv.isEmpty()) {
      openSweep(csv);
    }
  });
  connect(m_sweep, &SweepPanel::runPointRequested, this, &MainWindow::runSweepPoint);
  connect(m_runPanel, &RunPanel::pauseToggled, this, [&session](bool paused) {
    if (paused) {
      session.pause();
    } else {
      session.resume();
    }
  });
  connect(m_runPanel, &RunPanel::stepRequested, this, [&session] { session.step(); });
  connect(m_runPanel, &RunPanel::stopRequested, this, [&session] { session.stop(); });
  connect(m_runPanel, &RunPanel::engineChanged, this,
          [&session](sim::EngineKind engine) { session.setEngine(engine); });
  connect(m_runPanel, &RunPanel::speedChanged, this,
          [&session](PlaybackSpeed speed) { session.setPlaybackSpeed(speed); });
  connect(m_timeline, &TokenTimelinePanel::scrubbed, this,
          [&session](double simTime) { session.scrub(simTime); });
  connect(m_heatmap, &HeatmapPanel::regionSelected, this, [this](int region) {
    m_sramChart->highlightRegion(region);
    const bool valid = m_placement && region >= 0 && size_t(region) < m_placement->regions().size();
    m_timeline->highlightRegion(
        valid ? QString::fromStdString(m_placement->regions()[size_t(region)].name) : QString());
    if (valid) {
      statusBar()->showMessage(
          "Selected " + QString::fromStdString(m_placement->regions()[size_t(region)].name),
          kStatusMessageMs);
    }
  });
  connect(m_heatmap, &HeatmapPanel::modeChanged, this, [this, &session](HeatmapMode mode) {
    m_statusMode->setText(toString(mode));
    session.setFramePlane(mode);
  });
  m_statusMode->setText(toString(m_heatmap->mode()));
  m_statusRate->setText("simulated — tokens/s");

  QSettings settings;
  if (options.restoreSettings) {
    restoreWindowSettings();
    m_runPanel->restoreSettings(settings);
  } else {
    resize(1280, 800);
  }
  session.setPlaybackSpeed(m_runPanel->speed());
  QString model = options.model;
  QString chip = options.chip;
  if (options.restoreSettings) {
    model = model.isEmpty() ? settings.value("model").toString() : model;
    chip = chip.isEmpty() ? settings.value("chip").toString() : chip;
  }
  m_chipPanel->choose(chip.isEmpty() ? QString(kDefaultChip) : chip);
  m_modelPanel->choose(model.isEmpty() ? QString(kBuiltinModelName) : model);
}

MainWindow::~MainWindow() {
  m_demo->stop();
}

QDockWidget* MainWindow::addPanelDock(QWidget* panel, const QString& title, const QString& name,
                                      Qt::DockWidgetArea area) {
  auto* dock = new QDockWidget(title, this);
  dock->setObjectName(name);
  dock->setWidget(panel);
  addDockWidget(area, dock);
  return dock;
}

void MainWindow::loadModel(const QString& nameOrPath) {
  m_placement.reset();
  m_heatmap->clearMapping();
  resetRunPanels();
  m_modelPanel->showProgress("loading model", 0.0);
  m_bridge->session().loadModel(nameOrPath.toStdString());
  QSettings().setValue("model", nameOrPath);
}

void MainWindow::setChip(const QString& nameOrPath) {
  m_placement.reset();
  m_heatmap->clearMapping();
  m_chipPanel->clearMapping("mapping...");
  resetRunPanels();
  m_bridge->session().setChip(nameOrPath.toStdString());
  QSettings().setValue("chip", nameOrPath);
}

void MainWindow::startRun() {
  if (!m_placement) {
    showError("Cannot run", "There is no mapping: load a model that fits the chosen chip.");
    m_demo->runEnded();
    return;
  }
  // A run started while Pause is down waits before its first token, so it can
  // be stepped from the start.
  m_bridge->session().run(m_runPanel->settings());
}

void MainWindow::openSweep(const QString& path) {
  QString error;
  if (!m_sweep->open(path, &error)) {
    showError("Cannot open the sweep", error);
    return;
  }
  if (auto* dock = findChild<QDockWidget*>("sweepDock")) {
    dock->show();
    dock->raise();
  }
}

void MainWindow::runSweepPoint(const SweepPointRun& run) {
  m_runPanel->setMaxTokens(run.genTokens);
  m_sweepPointStage = SweepPointStage::WaitingForModel;
  m_chipPanel->choose(run.chipFile);
  m_modelPanel->choose(run.model);
  statusBar()->showMessage(run.note, 3 * kStatusMessageMs);
}

void MainWindow::resetRunPanels() {
  m_text->clear();
  m_timeline->clear();
  m_comparison->clear();
  m_tokensPerSecond = 0.0;
  m_timeToFirstToken = 0.0;
  m_statusRate->setText("simulated — tokens/s");
}

void MainWindow::onModelLoaded(const ModelLoadedEvent& event) {
  // Any mapping shown so far belongs to the previous model; this one's follows.
  m_placement.reset();
  m_heatmap->clearMapping();
  m_modelPanel->showLoaded(event);
  if (m_sweepPointStage == SweepPointStage::WaitingForModel) {
    m_sweepPointStage = SweepPointStage::WaitingForMapping;
  }
  setWindowTitle("Waferscope — " + QString::fromStdString(event.spec.name));
}

void MainWindow::onMapped(const MappedEvent& event) {
  m_modelPanel->hideProgress();
  m_placement = event.placement;
  m_chipName = QString::fromStdString(event.chip.name);
  m_chipPanel->showMapping(event);
  m_runPanel->setDetailedEngineLimit(
      QString::fromStdString(RunController::detailedEngineLimit(event.chip.pes)));
  m_heatmap->setMapping(event.placement);
  QStringList names;
  QStringList groups;
  for (const sim::Region& region : event.placement->regions()) {
    names << QString::fromStdString(region.name);
    groups << sim::toString(region.kind);
  }
  m_sramChart->reset(names, groups, double(event.placement->chip().sramBytesPerPe));
  if (m_sweepPointStage == SweepPointStage::WaitingForMapping) {
    m_sweepPointStage = SweepPointStage::None;
    startRun();
  }
}

void MainWindow::onRunStarted(const RunStartedEvent& event) {
  resetRunPanels();
  m_replayed = event.replayedTokens;
  m_text->setPrompt(QString::fromStdString(event.prompt));
  if (m_placement) {
    QStringList names;
    QStringList groups;
    for (const sim::Region& region : m_placement->regions()) {
      names << QString::fromStdString(region.name);
      groups << sim::toString(region.kind);
    }
    m_sramChart->reset(names, groups, double(m_placement->chip().sramBytesPerPe));
  }
  if (event.replayedTokens) {
    statusBar()->showMessage(QString::fromStdString(event.note));
  }
}

void MainWindow::onToken(const TokenEvent& event) {
  const sim::TokenTiming& timing = event.timing;
  m_text->appendToken(QString::fromStdString(event.piece), tintLatency(event), tokenTooltip(event),
                      draftMarkOf(event));
  m_timeline->addToken(event);
  if (timing.prefill) {
    m_timeToFirstToken = timing.simEnd;
    m_timeline->setTimeToFirstToken(timing.simEnd);
  }
  m_sramChart->addSample(timing.simEnd, event.sramBytesPerPe);
  m_runPanel->setSimulatedClock(timing.simEnd);
  if (event.decodeTokensPerSecond > 0.0) {
    m_tokensPerSecond = event.decodeTokensPerSecond;
  }
  m_statusRate->setText(statusText());
}

QString MainWindow::statusText() const {
  QString text = m_tokensPerSecond > 0.0
                     ? QString("simulated %1 tokens/s").arg(m_tokensPerSecond, 0, 'f', 1)
                     : QString("simulated — tokens/s");
  if (m_timeToFirstToken > 0.0) {
    text += " · TTFT " + formatSimTime(m_timeToFirstToken);
  }
  if (m_replayed) {
    text += " · timing only (tokens replayed)";
  }
  return text;
}

void MainWindow::onFinished(const FinishedEvent& event) {
  const sim::RunReport& report = event.report;
  if (report.decodeTokensPerSecond > 0.0) {
    m_tokensPerSecond = report.decodeTokensPerSecond;
  }
  m_statusRate->setText(statusText());
  if (!report.gpus.empty()) {
    SystemFigures chip;
    chip.name = m_chipName;
    chip.tokensPerSecond = report.decodeTokensPerSecond;
    chip.timeToFirstToken = report.timeToFirstTokenSeconds;
    chip.joulesPerToken = report.joulesPerToken;
    chip.source = QString("simulated (%1 engine)").arg(QString::fromStdString(report.engine));
    chip.tokensPerSecondLow = report.decodeTokensPerSecondLow;
    chip.tokensPerSecondHigh = report.decodeTokensPerSecondHigh;
    const auto preferred =
        std::find_if(report.gpus.begin(), report.gpus.end(), [](const sim::GpuEstimate& estimate) {
          return estimate.gpu == kPreferredGpu;
        });
    const sim::GpuEstimate& gpu = preferred != report.gpus.end() ? *preferred : report.gpus.front();
    SystemFigures baseline;
    baseline.name = QString("%1 × %2").arg(gpu.gpus).arg(QString::fromStdString(gpu.gpu));
    baseline.tokensPerSecond = gpu.decodeTokensPerSecond;
    baseline.timeToFirstToken = gpu.timeToFirstTokenSeconds;
    baseline.joulesPerToken = gpu.joulesPerToken;
    baseline.source = QString("roofline, assets/gpus/%1.json").arg(QString::fromStdString(gpu.gpu));
    m_comparison->setFigures(chip, baseline);
  }
  statusBar()->showMessage(QString("Run ended (%1): %2 tokens")
                               .arg(QString::fromStdString(event.stopReason))
                               .arg(event.generatedTokens),
                           kStatusMessageMs);
  m_demo->runEnded();
}

void MainWindow::onFailed(const ErrorEvent& event) {
  m_modelPanel->hideProgress();
  m_sweepPointStage = SweepPointStage::None;
  const QString message = QString::fromStdString(event.message);
  if (event.fitError) {
    m_placement.reset();
    m_heatmap->clearMapping();
    m_chipPanel->clearMapping("does not fit: " + message);
    showError("The model does not fit", message);
  } else {
    showError("Waferscope", message);
  }
  m_demo->runEnded();
}

void MainWindow::onStateChanged(bool running, bool paused) {
  m_runPanel->setState(running, paused);
}

void MainWindow::showError(const QString& title, const QString& message) {
  if (m_presenter) {
    // An unattended demo must not wait for a click.
    statusBar()->showMessage(title + ": " + message, kStatusMessageMs);
    return;
  }
  // A closed box lingers until its deferred delete: only one on screen is reused.
  if (m_errorBox && m_errorBox->isVisible()) {
    m_errorBox->setWindowTitle(title);
    m_errorBox->setText(message);
    return;
  }
  m_errorBox = new QMessageBox(QMessageBox::Warning, title, message, QMessageBox::Ok, this);
  m_errorBox->setObjectName("errorDialog");
  m_errorBox->setAttribute(Qt::WA_DeleteOnClose);
  m_errorBox->open(); // window-modal without a nested event loop
}

} // namespace ws::app
