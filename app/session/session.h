#pragma once
// The GUI's threads around a run: a Session owns one worker thread fed by
// tagged requests (RenderDoc's AsyncInvoke): a new request with the same tag
// replaces the stale one still queued, so scrubbing the timeline never queues
// a hundred frames. On the worker, a RunController (app/run) loads, maps,
// runs and exports; the Session adds what is about threads: the queue,
// pause/step/stop, playback pacing of simulated time, and the hand-off of
// events (drained in batches) and of the newest frame (a triple buffer: the
// worker publishes, the consumer takes the latest, neither blocks).
// waferscope-cli drives the same RunController without a Session.
//
// Threads: methods marked [consumer] are called from the thread that owns the
// Session (the UI thread in the GUI); they never block on the worker except
// the destructor and waitUntilIdle(). Methods marked [any] are thread-safe.
// Everything prefixed `worker` in the implementation runs on the worker.
#include "app/run/run_controller.h"
#include "app/session/frame_buffer.h"
#include "app/session/session_events.h"
#include "core/thread_check.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ws::app {

// Simulated seconds played per wall-clock second.
enum class PlaybackSpeed { RealTime, Tenth, Hundredth, Thousandth, AsFastAsPossible };
const char* toString(PlaybackSpeed speed);
// Wall seconds per simulated second (1, 10, 100, 1000); 0 for as fast as possible.
double wallSecondsPerSimSecond(PlaybackSpeed speed);
// All speeds, fastest pacing last, for menus.
std::vector<PlaybackSpeed> allPlaybackSpeeds();

class Session {
public:
  Session();
  ~Session(); // [consumer] stops the run and joins the worker
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // [consumer] Called on the worker whenever events or a frame become
  // available, at most once until the consumer drains (takeEvents); the GUI
  // turns it into a queued invocation that wakes its capped refresh timer.
  void setNotifier(std::function<void()> notifier);

  // [consumer] Requests. Each is queued for the worker; loadModel, setChip and
  // run stop a run in progress first.
  // Model: kBuiltinModelName, a model card name, a .gguf file, a config.json,
  // a directory holding one, or a .safetensors file (its config.json beside it).
  void loadModel(const std::string& nameOrPath);
  // Chip: a preset name or a chip JSON file. Maps the loaded model when there is one.
  void setChip(const std::string& nameOrPath);
  // Serving profile of the next mappings and runs ("": plain decoding;
  // RunController::setServingProfile). Remaps the loaded model: a
  // speculative profile maps its draft beside it.
  void setServingProfile(const std::string& nameOrPath);
  // Timing engine of the next run (RunController::detailedEngineLimit says
  // which chips the detailed one takes; a run on a larger one is an error).
  void setEngine(sim::EngineKind kind);
  void run(const RunSettings& settings);
  // Heatmap at a moment of the latest run: the token whose interval holds
  // simTime (in a speculative step: its draft or verify phase). Droppable: only the newest scrub
  // waiting in the queue runs.
  void scrub(double simTime);
  // [any] The heatmap plane frames carry (only that one is built); the latest
  // frame is published again in it.
  void setFramePlane(Plane plane);
  // Atomic writes (temp file, then rename) of the latest run.
  void exportTrace(const std::string& path);
  void exportCsv(const std::string& path);
  void exportReport(const std::string& path);

  // [any] Run control, effective at the next token boundary (pause, step),
  // within a layer of the host's forward pass (stop) or at once (speed).
  void pause();
  void resume();
  void step(); // lets one token through, then pauses
  void stop();
  void setPlaybackSpeed(PlaybackSpeed speed);
  PlaybackSpeed playbackSpeed() const { return m_speed.load(); }
  bool paused() const { return m_paused.load(); }
  bool running() const { return m_running.load(); }
  // Simulated time the playback has reached, seconds.
  double simulatedClock() const { return m_simClock.load(); }

  // [consumer] Everything the worker reported since the last call, in order.
  std::vector<SessionEvent> takeEvents();
  // [consumer] The newest frame, or null when none was published since the last take.
  std::shared_ptr<const Frame> takeFrame() { return m_frames.take(); }

  // [consumer] Blocks until the queue is empty and the worker idle, or the
  // timeout passes; true when idle. For the CLI and tests.
  bool waitUntilIdle(double timeoutSeconds);

private:
  struct Request {
    std::string tag; // "" never replaces another request
    std::function<void()> work;
    bool duringRun = false; // may run while a run is paused (scrub)
  };
  struct Worker;

  void enqueue(std::string tag, std::function<void()> work, bool duringRun = false);
  void workerMap();
  void workerRun(const RunSettings& settings, uint64_t runId);
  // [worker] Advances the simulated clock to the token's end at the playback
  // speed, publishing frames on the way; false when the run must stop.
  bool workerPlay(const sim::TokenTiming& timing, uint64_t runId);
  // [worker] The frame of [start, end) in the plane shown, remembered for
  // setFramePlane.
  std::shared_ptr<const Frame> frameOf(double start, double end, int64_t context);
  // Aborts, in every build, when not called on the worker thread.
  void checkWorkerThread(const core::CallSite& where = core::CallSite()) const;
  void stopRunsUpTo(uint64_t runId);
  void workerMain();
  // [worker] Runs the queued requests that may interleave with a paused run.
  void workerServeDuringRun();
  // [worker] The run loop's gate before each token: waits while paused
  // (serving scrubs), lets a step through; false when the run must stop.
  bool workerAwaitTurn(uint64_t runId);
  bool workerStopRequested(uint64_t runId) const { return runId <= m_stopUpTo.load(); }
  void publish(SessionEvent event); // [any] queues an event for the consumer
  void notifyConsumer();            // [worker]

  std::unique_ptr<Worker> m_worker; // state only the worker thread touches
  // Worker-owned like m_worker, but for cancel(), which stop() calls from any thread.
  RunController m_controller;
  FrameBuffer m_frames;

  std::mutex m_queueMutex;
  std::condition_variable m_queueChanged;
  std::deque<Request> m_queue;
  bool m_busy = false;
  bool m_quit = false;

  std::mutex m_eventMutex;
  std::vector<SessionEvent> m_events;
  std::function<void()> m_notifier;
  std::atomic<bool> m_notified{false};

  // Run control shared with the worker's run loop.
  std::mutex m_controlMutex;
  std::condition_variable m_controlChanged;
  std::atomic<bool> m_paused{false};
  std::atomic<bool> m_running{false};
  std::atomic<uint64_t> m_lastRunId{0}; // ids of run() requests, from 1
  std::atomic<uint64_t> m_stopUpTo{0};  // runs with an id up to this one stop
  std::atomic<int> m_stepBudget{0};
  std::atomic<PlaybackSpeed> m_speed{PlaybackSpeed::AsFastAsPossible};
  std::atomic<double> m_simClock{0.0};
  std::atomic<Plane> m_framePlane{Plane::Activity};

  std::thread m_thread; // last: started after every member above exists
};

} // namespace ws::app
