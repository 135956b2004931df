#include "app/gui/session_bridge.h"

#include <QMetaObject>

namespace ws::app {

namespace {
// Ticks without news before the timer sleeps until the worker wakes it again.
constexpr int kIdleTicksBeforeSleep = SessionBridge::kRefreshHz;
} // namespace

SessionBridge::SessionBridge(QObject* parent)
    : QObject(parent), m_session(std::make_unique<Session>()) {
  m_timer.setInterval(1000 / kRefreshHz);
  m_timer.setTimerType(Qt::PreciseTimer);
  connect(&m_timer, &QTimer::timeout, this, &SessionBridge::refresh);
  m_session->setNotifier(
      [this] { QMetaObject::invokeMethod(this, &SessionBridge::wake, Qt::QueuedConnection); });
}

SessionBridge::~SessionBridge() {
  m_session->setNotifier({});
  m_session.reset(); // joins the worker before the queued invocations' target goes
}

void SessionBridge::wake() {
  m_idleTicks = 0;
  if (!m_timer.isActive()) {
    m_timer.start();
  }
}

void SessionBridge::refresh() {
  std::vector<SessionEvent> events = m_session->takeEvents();
  std::shared_ptr<const Frame> frame = m_session->takeFrame();
  if (events.empty() && !frame) {
    if (++m_idleTicks > kIdleTicksBeforeSleep && !m_session->running()) {
      m_timer.stop();
    }
    return;
  }
  m_idleTicks = 0;
  for (const SessionEvent& event : events) {
    std::visit(
        [this](const auto& e) {
          using T = std::decay_t<decltype(e)>;
          if constexpr (std::is_same_v<T, ProgressEvent>) {
            emit progress(QString::fromStdString(e.stage), e.fraction);
          } else if constexpr (std::is_same_v<T, ModelLoadedEvent>) {
            emit modelLoaded(e);
          } else if constexpr (std::is_same_v<T, MappedEvent>) {
            emit mapped(e);
          } else if constexpr (std::is_same_v<T, RunStartedEvent>) {
            emit runStarted(e);
          } else if constexpr (std::is_same_v<T, TokenEvent>) {
            emit tokenArrived(e);
          } else if constexpr (std::is_same_v<T, FinishedEvent>) {
            emit finished(e);
          } else if constexpr (std::is_same_v<T, ExportedEvent>) {
            emit exported(e);
          } else if constexpr (std::is_same_v<T, ErrorEvent>) {
            emit failed(e);
          } else if constexpr (std::is_same_v<T, StateEvent>) {
            emit stateChanged(e.running, e.paused);
          }
        },
        event);
  }
  if (frame) {
    emit frameArrived(std::move(frame));
  }
}

} // namespace ws::app
