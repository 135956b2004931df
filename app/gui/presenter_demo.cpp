#include "app/gui/presenter_demo.h"

#include "app/gui/coding_prompts.h"

namespace ws::app {

PresenterDemo::PresenterDemo(std::function<void(const QString&)> startRun,
                             std::function<void()> reset, QObject* parent)
    : QObject(parent), m_startRun(std::move(startRun)), m_reset(std::move(reset)) {
  m_timer.setSingleShot(true);
}

void PresenterDemo::setTimings(int showResultMs, int blankMs) {
  m_showResultMs = showResultMs;
  m_blankMs = blankMs;
}

void PresenterDemo::start() {
  if (m_active) {
    return;
  }
  m_active = true;
  next();
}

void PresenterDemo::stop() {
  m_active = false;
  m_waitingForRun = false;
  m_timer.stop();
  m_timer.disconnect();
}

void PresenterDemo::next() {
  if (!m_active) {
    return;
  }
  const auto& prompts = codingPrompts();
  const CodingPrompt& prompt = prompts[size_t(m_runs) % prompts.size()];
  ++m_runs;
  m_waitingForRun = true;
  m_startRun(prompt.text);
}

void PresenterDemo::runEnded() {
  if (!m_active || !m_waitingForRun) {
    return;
  }
  m_waitingForRun = false;
  m_timer.disconnect();
  connect(&m_timer, &QTimer::timeout, this, [this] {
    m_reset();
    m_timer.disconnect();
    connect(&m_timer, &QTimer::timeout, this, &PresenterDemo::next);
    m_timer.start(m_blankMs);
  });
  m_timer.start(m_showResultMs);
}

} // namespace ws::app
