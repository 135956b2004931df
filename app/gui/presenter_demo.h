#pragma once
// The unattended demo of presenter mode: picks the next coding prompt, runs
// it, shows the result for a while, resets the panels and starts over. Holds
// no history of its own, so it can loop for hours without growing.
#include <QObject>
#include <QString>
#include <QTimer>

#include <functional>

namespace ws::app {

class PresenterDemo : public QObject {
  Q_OBJECT
public:
  static constexpr int kShowResultMs = 8000; // result on screen before the reset
  static constexpr int kBlankMs = 1500;      // cleared panels before the next prompt

  // startRun(prompt) begins a run; reset() clears the panels.
  PresenterDemo(std::function<void(const QString&)> startRun, std::function<void()> reset,
                QObject* parent = nullptr);

  // Pauses between runs (tests shorten them).
  void setTimings(int showResultMs, int blankMs);
  void start();
  void stop();
  bool active() const { return m_active; }
  int runsStarted() const { return m_runs; }

  // Called when the run the demo started has ended (finished or failed).
  void runEnded();

private:
  void next();

  std::function<void(const QString&)> m_startRun;
  std::function<void()> m_reset;
  QTimer m_timer;
  int m_showResultMs = kShowResultMs;
  int m_blankMs = kBlankMs;
  bool m_active = false;
  bool m_waitingForRun = false;
  int m_runs = 0;
};

} // namespace ws::app
