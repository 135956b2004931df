// MainWindow's menus and shortcuts, exports, presenter mode, drag and drop
// and the settings it keeps between sessions.
#include "app/gui/chip_panel.h"
#include "app/gui/main_window.h"
#include "app/gui/model_panel.h"
#include "app/gui/presenter_demo.h"
#include "app/gui/run_panel.h"
#include "app/gui/sweep_panel.h"
#include "render/qt/heatmap_window.h"

#include <QAction>
#include <QCloseEvent>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QGuiApplication>
#include <QKeyEvent>
#include <QMenuBar>
#include <QMimeData>
#include <QPushButton>
#include <QSaveFile>
#include <QScreen>
#include <QSettings>
#include <QSignalBlocker>
#include <QStatusBar>

namespace ws::app {

namespace {

bool isModelFile(const QString& path) {
  const QFileInfo info(path);
  return info.suffix() == "gguf" || info.suffix() == "safetensors" ||
         info.fileName() == "config.json" || info.isDir();
}

} // namespace

void MainWindow::buildMenus() {
  Session& session = m_bridge->session();
  QMenu* file = menuBar()->addMenu("&File");
  QAction* openModel = file->addAction("Open &model...");
  openModel->setShortcut(QKeySequence::Open);
  connect(openModel, &QAction::triggered, m_modelPanel, &ModelPanel::openFileRequested);
  QAction* openChip = file->addAction("Open &chip JSON...");
  openChip->setShortcut(QKeySequence("Ctrl+Shift+O"));
  connect(openChip, &QAction::triggered, m_chipPanel, &ChipPanel::openFileRequested);
  QAction* openSweepAction = file->addAction("Open s&weep...");
  connect(openSweepAction, &QAction::triggered, m_sweep, &SweepPanel::openRequested);
  file->addSeparator();

  QAction* trace = file->addAction("Export &Perfetto trace...");
  trace->setShortcut(QKeySequence("Ctrl+Shift+T"));
  connect(trace, &QAction::triggered, this, [this, &session] {
    exportWith("Export Perfetto trace", "Trace Event JSON (*.json)", "trace.json",
               [&session](const QString& path) { session.exportTrace(path.toStdString()); });
  });
  QAction* csv = file->addAction("Export token &CSV...");
  csv->setShortcut(QKeySequence("Ctrl+Shift+C"));
  connect(csv, &QAction::triggered, this, [this, &session] {
    exportWith("Export token CSV", "CSV (*.csv)", "csv",
               [&session](const QString& path) { session.exportCsv(path.toStdString()); });
  });
  QAction* report = file->addAction("Export &report JSON...");
  report->setShortcut(QKeySequence("Ctrl+Shift+R"));
  connect(report, &QAction::triggered, this, [this, &session] {
    exportWith("Export report", "JSON (*.json)", "json",
               [&session](const QString& path) { session.exportReport(path.toStdString()); });
  });
  QAction* png = file->addAction("Export heatmap &PNG...");
  png->setShortcut(QKeySequence("Ctrl+Shift+P"));
  connect(png, &QAction::triggered, this, [this] {
    exportWith("Export heatmap", "PNG (*.png)", "png",
               [this](const QString& path) { exportHeatmapPng(path); });
  });
  file->addSeparator();
  QAction* quit = file->addAction("&Quit");
  quit->setShortcut(QKeySequence::Quit);
  connect(quit, &QAction::triggered, this, &QWidget::close);

  QMenu* run = menuBar()->addMenu("&Run");
  QAction* start = run->addAction("&Run");
  start->setShortcut(QKeySequence(Qt::Key_F5));
  connect(start, &QAction::triggered, this, &MainWindow::startRun);
  QAction* pause = run->addAction("&Pause / resume");
  pause->setShortcut(QKeySequence(Qt::Key_F6));
  connect(pause, &QAction::triggered, this, [this] { m_runPanel->pauseButton()->click(); });
  QAction* step = run->addAction("&Step one token");
  step->setShortcut(QKeySequence(Qt::Key_F10));
  connect(step, &QAction::triggered, this, [&session] { session.step(); });
  QAction* stop = run->addAction("S&top");
  stop->setShortcut(QKeySequence(Qt::SHIFT | Qt::Key_F5));
  connect(stop, &QAction::triggered, this, [&session] { session.stop(); });

  QMenu* view = menuBar()->addMenu("&View");
  const std::pair<HeatmapMode, const char*> modes[] = {{HeatmapMode::Activity, "Ctrl+1"},
                                                       {HeatmapMode::Sram, "Ctrl+2"},
                                                       {HeatmapMode::Links, "Ctrl+3"}};
  for (const auto& [mode, key] : modes) {
    QAction* action = view->addAction(QString("Heatmap: ") + toString(mode));
    action->setShortcut(QKeySequence(key));
    connect(action, &QAction::triggered, this, [this, mode = mode] { m_heatmap->setMode(mode); });
  }
  QAction* stretch = view->addAction("Heatmap: stretch colours to data");
  stretch->setCheckable(true);
  stretch->setShortcut(QKeySequence("Ctrl+D"));
  connect(stretch, &QAction::toggled, this, [this](bool on) {
    m_heatmap->setColourScale(on ? ColourScale::Data : ColourScale::Absolute);
  });
  connect(m_heatmap, &HeatmapPanel::colourScaleChanged, stretch, [stretch](ColourScale scale) {
    const QSignalBlocker blocker(stretch);
    stretch->setChecked(scale == ColourScale::Data);
  });
  // The heatmap opens on the PEs the mapping uses; its own keys are F and W.
  QAction* used = view->addAction("Heatmap: fit the used region (F)");
  used->setShortcut(QKeySequence("Ctrl+9"));
  connect(used, &QAction::triggered, this, [this] { m_heatmap->view()->fitToView(); });
  QAction* whole = view->addAction("Heatmap: whole wafer (W)");
  whole->setShortcut(QKeySequence("Ctrl+0"));
  connect(whole, &QAction::triggered, this, [this] { m_heatmap->view()->showWholeField(); });
  view->addSeparator();
  m_presenterAction = view->addAction("&Presenter mode");
  m_presenterAction->setCheckable(true);
  m_presenterAction->setShortcut(QKeySequence(Qt::Key_F11));
  connect(m_presenterAction, &QAction::toggled, this, &MainWindow::setPresenterMode);
  view->addSeparator();
  for (QDockWidget* dock : findChildren<QDockWidget*>()) {
    view->addAction(dock->toggleViewAction());
  }
}

void MainWindow::exportWith(const QString& title, const QString& filter, const QString& suffix,
                            const std::function<void(const QString&)>& write) {
  const QString path = QFileDialog::getSaveFileName(this, title, "waferscope." + suffix, filter);
  if (!path.isEmpty()) {
    write(path);
  }
}

void MainWindow::exportHeatmapPng(const QString& path) {
  const QImage image = m_heatmap->view()->grabFrame();
  QSaveFile file(path);
  if (image.isNull() || !file.open(QIODevice::WriteOnly) || !image.save(&file, "PNG") ||
      !file.commit()) {
    showError("Export failed",
              path + ": " +
                  (image.isNull() ? QString("no heatmap frame to save") : file.errorString()));
    return;
  }
  statusBar()->showMessage("Wrote heatmap: " + path, kStatusMessageMs);
}

void MainWindow::setPresenterMode(bool on) {
  if (on == m_presenter) {
    return;
  }
  m_presenter = on;
  {
    const QSignalBlocker blocker(m_presenterAction);
    m_presenterAction->setChecked(on);
  }
  if (on) {
    m_stateBeforePresenter = saveState();
    m_speedBeforePresenter = m_runPanel->speed();
    m_runPanel->setSpeed(PlaybackSpeed::Thousandth);
    setStyleSheet("QWidget { font-size: 16pt; }");
    showFullScreen();
    m_demo->start();
  } else {
    m_demo->stop();
    m_bridge->session().stop();
    setStyleSheet(QString());
    m_runPanel->setSpeed(m_speedBeforePresenter);
    showNormal();
    restoreState(m_stateBeforePresenter);
  }
}

QImage MainWindow::captureScreen() const {
  QScreen* screen = QGuiApplication::primaryScreen();
  const QRect frame = frameGeometry();
  return screen->grabWindow(0, frame.x(), frame.y(), frame.width(), frame.height()).toImage();
}

void MainWindow::closeEvent(QCloseEvent* event) {
  if (m_presenter) {
    setPresenterMode(false);
  }
  saveWindowSettings();
  QMainWindow::closeEvent(event);
}

void MainWindow::keyPressEvent(QKeyEvent* event) {
  if (event->key() == Qt::Key_Escape && m_presenter) {
    setPresenterMode(false);
    return;
  }
  QMainWindow::keyPressEvent(event);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
  if (event->mimeData()->hasUrls()) {
    event->acceptProposedAction();
  }
}

void MainWindow::dropEvent(QDropEvent* event) {
  for (const QUrl& url : event->mimeData()->urls()) {
    const QString path = url.toLocalFile();
    if (path.isEmpty()) {
      continue;
    }
    if (isModelFile(path)) {
      m_modelPanel->choose(path);
    } else if (QFileInfo(path).suffix() == "json") {
      m_chipPanel->choose(path);
    } else {
      showError("Cannot open", path + ": not a model (.gguf, .safetensors, config.json) or chip "
                                      "(.json) file");
    }
  }
  event->acceptProposedAction();
}

void MainWindow::restoreWindowSettings() {
  QSettings settings;
  if (!restoreGeometry(settings.value("window/geometry").toByteArray())) {
    resize(1280, 800);
  }
  restoreState(settings.value("window/state").toByteArray());
  m_heatmap->setMode(
      HeatmapMode(settings.value("window/heatmapMode", int(HeatmapMode::Activity)).toInt()));
}

void MainWindow::saveWindowSettings() const {
  QSettings settings;
  settings.setValue("window/geometry", saveGeometry());
  settings.setValue("window/state", saveState());
  settings.setValue("window/heatmapMode", int(m_heatmap->mode()));
  m_runPanel->saveSettings(settings);
}

} // namespace ws::app
