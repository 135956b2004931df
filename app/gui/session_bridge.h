#pragma once
// The GUI side of a Session: the worker's notifier becomes a queued
// invocation that wakes a refresh timer capped at kRefreshHz; each tick
// drains the session's events and takes the newest frame, and re-emits them
// as signals on the UI thread (Ripes' capped UI refresh).
#include "app/session/session.h"

#include <QObject>
#include <QTimer>

#include <memory>

namespace ws::app {

class SessionBridge : public QObject {
  Q_OBJECT
public:
  static constexpr int kRefreshHz = 60;

  explicit SessionBridge(QObject* parent = nullptr);
  ~SessionBridge() override;

  Session& session() { return *m_session; }
  // Drains now (tests; also each timer tick).
  void refresh();

signals:
  void progress(const QString& stage, double fraction);
  void modelLoaded(const ws::app::ModelLoadedEvent& event);
  void mapped(const ws::app::MappedEvent& event);
  void runStarted(const ws::app::RunStartedEvent& event);
  void tokenArrived(const ws::app::TokenEvent& event);
  void finished(const ws::app::FinishedEvent& event);
  void exported(const ws::app::ExportedEvent& event);
  void failed(const ws::app::ErrorEvent& event);
  void stateChanged(bool running, bool paused);
  void frameArrived(std::shared_ptr<const ws::app::Frame> frame);

private:
  void wake();

  std::unique_ptr<Session> m_session;
  QTimer m_timer;
  int m_idleTicks = 0;
};

} // namespace ws::app
