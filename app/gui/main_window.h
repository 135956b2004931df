#pragma once
// The workbench window: the central heatmap and one dock per panel (model,
// chip, run, token timeline, SRAM chart, generated text, comparison). All
// simulation runs in the Session behind SessionBridge; this class only routes
// events to panels and user actions to the session.
#include "app/gui/heatmap_panel.h"
#include "app/gui/session_bridge.h"

#include <QImage>
#include <QMainWindow>
#include <QPointer>

QT_BEGIN_NAMESPACE
class QAction;
class QLabel;
class QMessageBox;
QT_END_NAMESPACE

namespace ws::app {

class ChipPanel;
class ComparisonPanel;
class GeneratedTextPanel;
class ModelPanel;
class PresenterDemo;
class RunPanel;
class SramChartPanel;
class SweepPanel;
struct SweepPointRun;
class TokenTimelinePanel;

struct MainWindowOptions {
  QString model; // empty: the last one (settings), else the built-in model
  QString chip;  // empty: the last one (settings), else wse3
  bool restoreSettings = true;
};

class MainWindow : public QMainWindow {
  Q_OBJECT
public:
  // Throws render::VulkanError when Vulkan cannot be used.
  explicit MainWindow(const MainWindowOptions& options = {}, QWidget* parent = nullptr);
  ~MainWindow() override;

  void loadModel(const QString& nameOrPath);
  void setChip(const QString& nameOrPath);
  void startRun();
  void setPresenterMode(bool on);
  bool presenterMode() const { return m_presenter; }

  // The window as it is on screen, native Vulkan child included (an X-level
  // capture: QWidget::grab cannot see the Vulkan surface).
  QImage captureScreen() const;

  SessionBridge& bridge() { return *m_bridge; }
  bool hasMapping() const { return m_placement != nullptr; }
  HeatmapPanel* heatmapPanel() const { return m_heatmap; }
  RunPanel* runPanel() const { return m_runPanel; }
  ModelPanel* modelPanel() const { return m_modelPanel; }
  ChipPanel* chipPanel() const { return m_chipPanel; }
  TokenTimelinePanel* timelinePanel() const { return m_timeline; }
  SramChartPanel* sramChartPanel() const { return m_sramChart; }
  GeneratedTextPanel* textPanel() const { return m_text; }
  ComparisonPanel* comparisonPanel() const { return m_comparison; }
  PresenterDemo* presenterDemo() const { return m_demo; }
  SweepPanel* sweepPanel() const { return m_sweep; }
  // Opens a sweep's output folder or results CSV in the Sweep panel; a dialog on failure.
  void openSweep(const QString& path);
  // Loads a sweep point's model and chip and runs it once it is mapped.
  void runSweepPoint(const SweepPointRun& run);
  // Simulated decode tokens/s the status bar shows (0 before a decode step).
  double simulatedTokensPerSecond() const { return m_tokensPerSecond; }
  QString statusText() const;
  // Writes the heatmap's current frame as a PNG (atomically); a dialog on failure.
  void exportHeatmapPng(const QString& path);

protected:
  void closeEvent(QCloseEvent* event) override;
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;

private:
  static constexpr int kStatusMessageMs = 5000;

  // main_window_actions.cpp
  void buildMenus();
  QDockWidget* addPanelDock(QWidget* panel, const QString& title, const QString& name,
                            Qt::DockWidgetArea area);
  void restoreWindowSettings();
  void saveWindowSettings() const;
  void showError(const QString& title, const QString& message);
  void resetRunPanels();
  void exportWith(const QString& title, const QString& filter, const QString& suffix,
                  const std::function<void(const QString&)>& write);

  void onModelLoaded(const ModelLoadedEvent& event);
  void onMapped(const MappedEvent& event);
  void onRunStarted(const RunStartedEvent& event);
  void onToken(const TokenEvent& event);
  void onFinished(const FinishedEvent& event);
  void onFailed(const ErrorEvent& event);
  void onStateChanged(bool running, bool paused);

  SessionBridge* m_bridge = nullptr;
  HeatmapPanel* m_heatmap = nullptr;
  ModelPanel* m_modelPanel = nullptr;
  ChipPanel* m_chipPanel = nullptr;
  RunPanel* m_runPanel = nullptr;
  TokenTimelinePanel* m_timeline = nullptr;
  SramChartPanel* m_sramChart = nullptr;
  GeneratedTextPanel* m_text = nullptr;
  ComparisonPanel* m_comparison = nullptr;
  SweepPanel* m_sweep = nullptr;
  PresenterDemo* m_demo = nullptr;
  QLabel* m_statusRate = nullptr;
  QLabel* m_statusClock = nullptr;
  QLabel* m_statusMode = nullptr;
  QPointer<QMessageBox> m_errorBox;
  QAction* m_presenterAction = nullptr;

  std::shared_ptr<const sim::Placement> m_placement;
  QString m_chipName;
  double m_tokensPerSecond = 0.0;
  double m_timeToFirstToken = 0.0;
  bool m_presenter = false;
  bool m_replayed = false;
  // A sweep point waits for its model to load, then for that model's mapping.
  enum class SweepPointStage { None, WaitingForModel, WaitingForMapping };
  SweepPointStage m_sweepPointStage = SweepPointStage::None;
  PlaybackSpeed m_speedBeforePresenter = PlaybackSpeed::AsFastAsPossible;
  QByteArray m_stateBeforePresenter;
};

} // namespace ws::app
