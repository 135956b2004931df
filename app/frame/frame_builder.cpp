#include "app/frame/frame_builder.h"

#include <stdexcept>
#include <string>

namespace ws::app {

FrameBuilder::FrameBuilder(const sim::Placement& placement)
    : m_placement(placement), m_used(placement) {}

std::vector<sim::EngineObserver*> FrameBuilder::newRun(std::initializer_list<Plane> planes) {
  m_activity.reset();
  m_sram.reset();
  m_links.reset();
  std::vector<sim::EngineObserver*> observers;
  for (Plane plane : planes) {
    switch (plane) {
    case Plane::Activity:
      m_activity = std::make_unique<sim::ActivityField>(m_placement);
      observers.push_back(m_activity.get());
      break;
    case Plane::Sram:
      m_sram = std::make_unique<sim::SramField>(m_placement);
      observers.push_back(m_sram.get());
      break;
    case Plane::Links:
      m_links = std::make_unique<sim::LinkField>(m_placement);
      observers.push_back(m_links.get());
      break;
    }
  }
  return observers;
}

std::shared_ptr<Frame> FrameBuilder::build(const FrameWindow& window, Plane plane) {
  auto frame = std::make_shared<Frame>();
  frame->simStart = window.start;
  frame->simEnd = window.end;
  frame->contextTokens = window.contextTokens;
  frame->plane = plane;
  const bool recorded = plane == Plane::Activity ? bool(m_activity)
                        : plane == Plane::Sram   ? bool(m_sram)
                                                 : bool(m_links);
  if (!recorded) {
    throw std::logic_error(std::string("frame of the ") + cliName(plane) +
                           " plane, which this run does not record");
  }
  switch (plane) {
  case Plane::Activity:
    if (window.end > window.start) {
      m_activity->evaluate(window.start, window.end);
      m_used.toField(m_activity->data(), frame->field);
    } else {
      m_used.zeroField(frame->field);
    }
    break;
  case Plane::Sram:
    if (m_sram->contextTokens() != window.contextTokens) {
      m_sram->setContext(window.contextTokens);
    }
    m_used.toField(m_sram->data(), frame->field);
    break;
  case Plane::Links:
    if (window.end > window.start) {
      m_links->evaluate(window.start, window.end);
      m_used.toField(m_links->data(), frame->field);
    } else {
      m_used.zeroField(frame->field);
    }
    break;
  }
  return frame;
}

} // namespace ws::app
