#pragma once
// Run dock: the prompt (with a few coding prompts to pick), sampling
// settings, the timing engine, Run / Pause / Step / Stop, the playback speed
// in simulated time and the simulated clock.
#include "app/session/session.h"

#include <QWidget>

QT_BEGIN_NAMESPACE
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QPlainTextEdit;
class QPushButton;
class QSettings;
class QSpinBox;
QT_END_NAMESPACE

namespace ws::app {

class RunPanel : public QWidget {
  Q_OBJECT
public:
  explicit RunPanel(QWidget* parent = nullptr);

  RunSettings settings() const;
  void setPrompt(const QString& prompt);
  void setMaxTokens(int tokens);
  // The timing engine. The detailed one is offered where the mapped chip is
  // small enough for it: `limit` (RunController::detailedEngineLimit, "" when
  // it fits) disables it and says why in the tooltip.
  sim::EngineKind engine() const;
  void setDetailedEngineLimit(const QString& limit);
  QComboBox* engineBox() const { return m_engine; }
  PlaybackSpeed speed() const;
  void setSpeed(PlaybackSpeed speed);
  void setState(bool running, bool paused);
  void setSimulatedClock(double seconds);

  QPushButton* runButton() const { return m_run; }
  QPushButton* pauseButton() const { return m_pause; }
  QPushButton* stepButton() const { return m_step; }
  QPushButton* stopButton() const { return m_stop; }

  // Sampling and prompt choices, for QSettings.
  void saveSettings(QSettings& settings) const;
  void restoreSettings(const QSettings& settings);

signals:
  void runRequested();
  void pauseToggled(bool paused);
  void stepRequested();
  void stopRequested();
  void speedChanged(ws::app::PlaybackSpeed speed);
  void engineChanged(ws::sim::EngineKind engine);

private:
  QComboBox* m_examples = nullptr;
  QPlainTextEdit* m_prompt = nullptr;
  QDoubleSpinBox* m_temperature = nullptr;
  QSpinBox* m_topK = nullptr;
  QDoubleSpinBox* m_topP = nullptr;
  QSpinBox* m_seed = nullptr;
  QSpinBox* m_maxTokens = nullptr;
  QComboBox* m_engine = nullptr;
  QPushButton* m_run = nullptr;
  QPushButton* m_pause = nullptr;
  QPushButton* m_step = nullptr;
  QPushButton* m_stop = nullptr;
  QComboBox* m_speed = nullptr;
  QLabel* m_clock = nullptr;
};

} // namespace ws::app
