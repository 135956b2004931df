#include "app/session/session.h"

#include "core/thread_check.h"
#include "sim/mapper.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <stdexcept>

namespace ws::app {

namespace {

using Clock = std::chrono::steady_clock;

// Frames are published at most this often while a run streams: the UI draws
// at a capped rate anyway, and evaluating a wafer-sized field costs.
constexpr double kFrameIntervalSeconds = 1.0 / 30.0;
// The pause gate re-checks the queue for scrubs this often.
constexpr auto kGatePoll = std::chrono::milliseconds(20);

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

} // namespace

// State the worker thread alone touches (with m_controller).
struct Session::Worker {
  std::thread::id thread;
  // Playback of the latest run: where the last published frame ended.
  double lastFrameSim = 0.0;
  Clock::time_point lastFrameWall{};
  // The window of the latest frame, built again when the plane changes.
  std::optional<FrameWindow> lastFrameWindow;
};

const char* toString(PlaybackSpeed speed) {
  switch (speed) {
  case PlaybackSpeed::RealTime:
    return "1x";
  case PlaybackSpeed::Tenth:
    return "1/10x";
  case PlaybackSpeed::Hundredth:
    return "1/100x";
  case PlaybackSpeed::Thousandth:
    return "1/1000x";
  case PlaybackSpeed::AsFastAsPossible:
    return "as fast as possible";
  }
  return "?";
}

double wallSecondsPerSimSecond(PlaybackSpeed speed) {
  switch (speed) {
  case PlaybackSpeed::RealTime:
    return 1.0;
  case PlaybackSpeed::Tenth:
    return 10.0;
  case PlaybackSpeed::Hundredth:
    return 100.0;
  case PlaybackSpeed::Thousandth:
    return 1000.0;
  case PlaybackSpeed::AsFastAsPossible:
    return 0.0;
  }
  return 0.0;
}

std::vector<PlaybackSpeed> allPlaybackSpeeds() {
  return {PlaybackSpeed::RealTime, PlaybackSpeed::Tenth, PlaybackSpeed::Hundredth,
          PlaybackSpeed::Thousandth, PlaybackSpeed::AsFastAsPossible};
}

Session::Session() : m_worker(std::make_unique<Worker>()) {
  m_thread = std::thread([this] { workerMain(); });
}

Session::~Session() {
  stopRunsUpTo(m_lastRunId.load());
  {
    std::lock_guard lock(m_queueMutex);
    m_quit = true;
    m_queue.clear();
  }
  m_queueChanged.notify_all();
  m_controlChanged.notify_all();
  m_thread.join();
}

void Session::setNotifier(std::function<void()> notifier) {
  std::lock_guard lock(m_eventMutex);
  m_notifier = std::move(notifier);
}

void Session::enqueue(std::string tag, std::function<void()> work, bool duringRun) {
  {
    std::lock_guard lock(m_queueMutex);
    if (!tag.empty()) {
      std::erase_if(m_queue, [&](const Request& queued) { return queued.tag == tag; });
    }
    m_queue.push_back({std::move(tag), std::move(work), duringRun});
  }
  m_queueChanged.notify_all();
  m_controlChanged.notify_all(); // a paused run serves scrubs
}

void Session::stopRunsUpTo(uint64_t runId) {
  uint64_t current = m_stopUpTo.load();
  while (current < runId && !m_stopUpTo.compare_exchange_weak(current, runId)) {
  }
  // The run in progress, if any, has an id up to runId: a new run's id is
  // taken before this is called, and its start clears the cancellation.
  m_controller.cancel();
  m_controlChanged.notify_all();
}

void Session::loadModel(const std::string& nameOrPath) {
  stopRunsUpTo(m_lastRunId.load());
  enqueue("model", [this, nameOrPath] {
    publish(ProgressEvent{"loading model", 0.0});
    ModelLoadedEvent loaded = m_controller.loadModel(nameOrPath);
    publish(ProgressEvent{"loading model", 1.0});
    publish(std::move(loaded));
    if (m_controller.hasChip()) {
      workerMap();
    }
  });
}

void Session::setChip(const std::string& nameOrPath) {
  stopRunsUpTo(m_lastRunId.load());
  enqueue("chip", [this, nameOrPath] {
    m_controller.setChip(nameOrPath);
    if (m_controller.hasModel()) {
      workerMap();
    }
  });
}

void Session::setServingProfile(const std::string& nameOrPath) {
  stopRunsUpTo(m_lastRunId.load());
  enqueue("serving", [this, nameOrPath] {
    m_controller.setServingProfile(nameOrPath);
    if (m_controller.hasModel() && m_controller.hasChip()) {
      workerMap();
    }
  });
}

void Session::setEngine(sim::EngineKind kind) {
  enqueue("engine", [this, kind] { m_controller.setEngine(kind); });
}

void Session::checkWorkerThread(const core::CallSite& where) const {
  core::requireThread(m_worker->thread, "a [worker] method called from another thread", where);
}

void Session::workerMap() {
  checkWorkerThread();
  publish(ProgressEvent{"mapping", 0.0});
  MappedEvent mapped;
  try {
    mapped = m_controller.map();
  } catch (const sim::FitError& error) {
    publish(ProgressEvent{"mapping", 1.0});
    publish(ErrorEvent{error.what(), true});
    return;
  } catch (const std::invalid_argument& error) {
    // A serving profile this model cannot run (its draft has no weights).
    publish(ProgressEvent{"mapping", 1.0});
    publish(ErrorEvent{error.what(), false});
    return;
  }
  publish(ProgressEvent{"mapping", 1.0});
  publish(std::move(mapped));
  m_worker->lastFrameSim = 0.0;
  m_frames.publish(frameOf(0.0, 0.0, 0));
  notifyConsumer();
}

void Session::run(const RunSettings& settings) {
  const uint64_t runId = ++m_lastRunId;
  stopRunsUpTo(runId - 1);
  m_stepBudget = 0;
  enqueue("run", [this, settings, runId] { workerRun(settings, runId); });
}

void Session::workerRun(const RunSettings& settings, uint64_t runId) {
  checkWorkerThread();
  Worker& w = *m_worker;
  if (workerStopRequested(runId)) {
    return;
  }
  RunStartedEvent started = m_controller.startRun(settings);
  if (workerStopRequested(runId)) {
    m_controller.cancel(); // a stop that came while the run was being set up
  }
  m_simClock = 0.0;
  w.lastFrameSim = 0.0;
  w.lastFrameWall = Clock::now();
  m_running = true;
  publish(StateEvent{true, m_paused.load()});
  publish(std::move(started));

  std::string failure;
  bool fitFailure = false;
  try {
    while (!m_controller.runEnded() && workerAwaitTurn(runId)) {
      std::optional<TokenEvent> token = m_controller.nextToken();
      if (!token || !workerPlay(token->timing, runId)) {
        break;
      }
      publish(std::move(*token));
    }
  } catch (const sim::FitError& error) {
    failure = error.what();
    fitFailure = true;
  } catch (const std::exception& error) {
    failure = error.what();
  }

  FinishedEvent finished = m_controller.finishRun();
  const std::vector<TokenEvent>& tokens = m_controller.tokens();
  if (!tokens.empty()) {
    const sim::TokenTiming& last = tokens.back().timing;
    // The closing frame covers at least the last token: playback may already
    // have published a frame that ends where the run ends.
    m_frames.publish(
        frameOf(std::min(w.lastFrameSim, last.simStart), last.simEnd, last.contextLength));
    m_simClock = last.simEnd;
    if (!failure.empty()) {
      finished.stopReason = "error";
    }
    publish(std::move(finished));
  }
  if (!failure.empty()) {
    publish(ErrorEvent{failure, fitFailure});
  }
  m_running = false;
  publish(StateEvent{false, m_paused.load()});
}

bool Session::workerAwaitTurn(uint64_t runId) {
  std::unique_lock lock(m_controlMutex);
  while (!workerStopRequested(runId)) {
    if (!m_paused) {
      return true;
    }
    int budget = m_stepBudget.load();
    if (budget > 0 && m_stepBudget.compare_exchange_strong(budget, budget - 1)) {
      return true;
    }
    lock.unlock();
    workerServeDuringRun();
    lock.lock();
    m_controlChanged.wait_for(lock, kGatePoll);
  }
  return false;
}

bool Session::workerPlay(const sim::TokenTiming& timing, uint64_t runId) {
  checkWorkerThread();
  Worker& w = *m_worker;
  // Paced playback: the simulated clock runs from where it stands to the
  // token's end at the chosen speed, with frames of the wavefront on the way.
  double simNow = std::max(m_simClock.load(), timing.simStart);
  auto anchorWall = Clock::now();
  double anchorSim = simNow;
  PlaybackSpeed anchorSpeed = m_speed.load();
  while (simNow < timing.simEnd) {
    if (workerStopRequested(runId)) {
      return false;
    }
    const PlaybackSpeed speed = m_speed.load();
    if (speed == PlaybackSpeed::AsFastAsPossible) {
      break;
    }
    if (speed != anchorSpeed) {
      anchorWall = Clock::now();
      anchorSim = simNow;
      anchorSpeed = speed;
    }
    const double slowdown = wallSecondsPerSimSecond(speed);
    simNow = std::min(timing.simEnd, anchorSim + secondsSince(anchorWall) / slowdown);
    m_simClock = simNow;
    if (secondsSince(w.lastFrameWall) >= kFrameIntervalSeconds && simNow > w.lastFrameSim) {
      m_frames.publish(frameOf(w.lastFrameSim, simNow, timing.contextLength));
      w.lastFrameSim = simNow;
      w.lastFrameWall = Clock::now();
      notifyConsumer();
    }
    const double wallLeft = (timing.simEnd - simNow) * slowdown;
    std::unique_lock lock(m_controlMutex);
    m_controlChanged.wait_for(
        lock, std::chrono::duration<double>(std::min(wallLeft, kFrameIntervalSeconds)));
  }
  m_simClock = timing.simEnd;
  if (secondsSince(w.lastFrameWall) >= kFrameIntervalSeconds && timing.simEnd > w.lastFrameSim) {
    m_frames.publish(frameOf(w.lastFrameSim, timing.simEnd, timing.contextLength));
    w.lastFrameSim = timing.simEnd;
    w.lastFrameWall = Clock::now();
    notifyConsumer();
  }
  return true;
}

std::shared_ptr<const Frame> Session::frameOf(double start, double end, int64_t context) {
  m_worker->lastFrameWindow = FrameWindow{start, end, context};
  return m_controller.makeFrame(start, end, context, m_framePlane.load());
}

void Session::setFramePlane(Plane plane) {
  m_framePlane = plane;
  // The latest frame again in the new plane (a run in progress sends its next
  // frames in it anyway).
  enqueue(
      "frame-plane",
      [this] {
        const std::optional<FrameWindow> last = m_worker->lastFrameWindow;
        if (!last || !m_controller.placement()) {
          return;
        }
        m_frames.publish(frameOf(last->start, last->end, last->contextTokens));
        notifyConsumer();
      },
      true);
}

void Session::scrub(double simTime) {
  enqueue(
      "scrub",
      [this, simTime] {
        const std::vector<TokenEvent>& tokens = m_controller.tokens();
        if (tokens.empty()) {
          return;
        }
        // The token whose interval holds simTime (the last one that started before it).
        auto it = std::upper_bound(
            tokens.begin(), tokens.end(), simTime,
            [](double t, const TokenEvent& token) { return t < token.timing.simStart; });
        const TokenEvent& event = it == tokens.begin() ? tokens.front() : *std::prev(it);
        const sim::TokenTiming& token = event.timing;
        if (event.speculative && simTime < event.speculative->stepEnd) {
          // A speculative step: the phase that holds simTime, so the draft's
          // regions are seen working while the target waits, and back.
          const SpeculativeTokenInfo& step = *event.speculative;
          const bool drafting = simTime < step.verifyStart;
          m_frames.publish(frameOf(drafting ? step.draftStart : step.verifyStart,
                                   drafting ? step.draftEnd : step.verifyEnd, token.contextLength));
        } else {
          m_frames.publish(frameOf(token.simStart, token.simEnd, token.contextLength));
        }
        notifyConsumer();
      },
      true);
}

void Session::exportTrace(const std::string& path) {
  enqueue("", [this, path] {
    m_controller.exportTrace(path);
    publish(ExportedEvent{"trace", path});
  });
}

void Session::exportCsv(const std::string& path) {
  enqueue("", [this, path] {
    m_controller.exportCsv(path);
    publish(ExportedEvent{"csv", path});
  });
}

void Session::exportReport(const std::string& path) {
  enqueue("", [this, path] {
    m_controller.exportReport(path);
    publish(ExportedEvent{"report", path});
  });
}

void Session::pause() {
  m_paused = true;
  m_controlChanged.notify_all();
  if (m_running) {
    publish(StateEvent{true, true});
  }
}

void Session::resume() {
  m_stepBudget = 0;
  m_paused = false;
  m_controlChanged.notify_all();
  if (m_running) {
    publish(StateEvent{true, false});
  }
}

void Session::step() {
  m_paused = true;
  ++m_stepBudget;
  m_controlChanged.notify_all();
}

void Session::stop() {
  stopRunsUpTo(m_lastRunId.load());
}

void Session::setPlaybackSpeed(PlaybackSpeed speed) {
  m_speed = speed;
  m_controlChanged.notify_all();
}

std::vector<SessionEvent> Session::takeEvents() {
  std::lock_guard lock(m_eventMutex);
  m_notified = false;
  return std::exchange(m_events, {});
}

bool Session::waitUntilIdle(double timeoutSeconds) {
  std::unique_lock lock(m_queueMutex);
  return m_queueChanged.wait_for(lock, std::chrono::duration<double>(timeoutSeconds),
                                 [&] { return m_queue.empty() && !m_busy; });
}

void Session::publish(SessionEvent event) {
  {
    std::lock_guard lock(m_eventMutex);
    m_events.push_back(std::move(event));
  }
  notifyConsumer();
}

void Session::notifyConsumer() {
  std::function<void()> notifier;
  {
    std::lock_guard lock(m_eventMutex);
    if (m_notified || !m_notifier) {
      return;
    }
    m_notified = true;
    notifier = m_notifier;
  }
  notifier();
}

void Session::workerServeDuringRun() {
  std::vector<Request> ready;
  {
    std::lock_guard lock(m_queueMutex);
    for (auto it = m_queue.begin(); it != m_queue.end();) {
      if (it->duringRun) {
        ready.push_back(std::move(*it));
        it = m_queue.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (Request& request : ready) {
    try {
      request.work();
    } catch (const std::exception& error) {
      publish(ErrorEvent{error.what(), false});
    }
  }
}

void Session::workerMain() {
  m_worker->thread = std::this_thread::get_id();
  std::unique_lock lock(m_queueMutex);
  while (true) {
    m_queueChanged.wait(lock, [&] { return m_quit || !m_queue.empty(); });
    if (m_quit) {
      return;
    }
    Request request = std::move(m_queue.front());
    m_queue.pop_front();
    m_busy = true;
    lock.unlock();
    try {
      request.work();
    } catch (const sim::FitError& error) {
      publish(ErrorEvent{error.what(), true});
    } catch (const std::exception& error) {
      publish(ErrorEvent{error.what(), false});
    }
    if (m_running) {
      m_running = false;
      publish(StateEvent{false, m_paused.load()});
    }
    lock.lock();
    m_busy = false;
    m_queueChanged.notify_all();
  }
}

} // namespace ws::app
