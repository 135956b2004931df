#include "app/session/session.h"

#include "app/frame/frame_builder.h"
#include "app/session/atomic_file.h"
#include "app/session/op_history.h"
#include "core/builtin_model.h"
#include "core/generator.h"
#include "core/inference_context.h"
#include "core/llama_model.h"
#include "core/thread_check.h"
#include "core/tokenizer.h"
#include "sim/bottleneck_report.h"
#include "sim/gpu_baseline.h"
#include "sim/mapper.h"
#include "sim/run_report.h"
#include "sim/timing_engine.h"
#include "sim/token_timeline.h"
#include "sim/trace_writer.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <optional>
#include <sstream>
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

// A runnable model and its tokenizer.
struct FunctionalModel {
  std::unique_ptr<core::LlamaModel> model;
  std::unique_ptr<core::Tokenizer> tokenizer;
  std::unique_ptr<core::InferenceContext> context; // made on first run, reused after
};

FunctionalModel loadFunctional(const std::filesystem::path& path) {
  FunctionalModel functional;
  functional.model = core::LlamaModel::load(path);
  functional.tokenizer = core::Tokenizer::fromGguf(functional.model->file());
  return functional;
}

std::string csvField(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) {
    return text;
  }
  std::string quoted = "\"";
  for (char c : text) {
    quoted += c;
    if (c == '"') {
      quoted += '"';
    }
  }
  return quoted + "\"";
}

} // namespace

// State the worker thread alone touches.
struct Session::Worker {
  std::thread::id thread;

  // Model
  std::optional<core::ModelSpec> spec;
  std::optional<FunctionalModel> ownWeights; // the model's own, when core can run them
  std::optional<FunctionalModel> builtin;    // token source for timing-only models
  bool hasWeights = false;
  std::string note;

  // Chip and mapping
  std::optional<sim::ChipSpec> chip;
  std::shared_ptr<const sim::Placement> placement;
  std::unique_ptr<FrameBuilder> frames; // of `placement`: its used PEs found once
  std::optional<std::vector<sim::GpuSpec>> gpus;

  // The latest run; kept after it ends for scrubbing and exports.
  std::unique_ptr<sim::TimingEngine> engine;
  std::unique_ptr<sim::TokenTimeline> timeline;
  std::unique_ptr<sim::BottleneckReport> bottlenecks;
  std::unique_ptr<OpHistory> ops;
  std::vector<TokenEvent> tokens;
  std::optional<sim::RunReport> report;
  int64_t promptTokens = 0;

  uint64_t frameSerial = 0;
  FrameWindow lastFrameWindow; // of the latest frame, built again when the plane changes
  double lastFrameSim = 0.0;
  Clock::time_point lastFrameWall{};

  void clearRun() {
    engine.reset();
    timeline.reset();
    bottlenecks.reset();
    ops.reset();
    tokens.clear();
    report.reset();
    promptTokens = 0;
    lastFrameSim = 0.0;
  }

  FunctionalModel& tokenSource() {
    if (ownWeights) {
      return *ownWeights;
    }
    if (!builtin) {
      const auto path = core::builtinModelPath();
      try {
        builtin = loadFunctional(path);
      } catch (const std::exception& error) {
        throw std::runtime_error("built-in model (token source of timing-only runs): " +
                                 std::string(error.what()));
      }
    }
    return *builtin;
  }

  const std::vector<sim::GpuSpec>& gpuBaselines() {
    if (!gpus) {
      gpus.emplace();
      for (const auto& name : sim::listGpuPresets()) {
        gpus->push_back(sim::loadGpuSpec(name));
      }
    }
    return *gpus;
  }

  // The plane over [start, end) of simulated time, SRAM at `context`.
  std::shared_ptr<const Frame> makeFrame(double start, double end, int64_t context, Plane plane) {
    lastFrameWindow = {start, end, context};
    std::shared_ptr<Frame> frame = frames->build(lastFrameWindow, plane);
    frame->serial = ++frameSerial;
    const double clockHz = placement->chip().clockHz;
    frame->regionOp = ops->opsIn(start * clockHz, end * clockHz, placement->regions().size());
    return frame;
  }

  // Observers for a new run over the current placement.
  void startRun() {
    clearRun();
    engine = sim::makeTimingEngine(sim::EngineKind::Fast, *placement);
    timeline = std::make_unique<sim::TokenTimeline>();
    bottlenecks = std::make_unique<sim::BottleneckReport>(*placement);
    ops = std::make_unique<OpHistory>();
    for (sim::EngineObserver* observer : frames->newRun()) {
      engine->addObserver(observer);
    }
    for (sim::EngineObserver* observer : std::initializer_list<sim::EngineObserver*>{
             timeline.get(), bottlenecks.get(), ops.get()}) {
      engine->addObserver(observer);
    }
  }
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
  m_controlChanged.notify_all();
}

void Session::loadModel(const std::string& nameOrPath) {
  stopRunsUpTo(m_lastRunId.load());
  enqueue("model", [this, nameOrPath] {
    Worker& w = *m_worker;
    publish(ProgressEvent{"loading model", 0.0});
    w.clearRun();
    w.frames.reset();
    w.placement.reset();
    w.spec.reset();
    w.ownWeights.reset();
    w.hasWeights = false;
    w.note.clear();

    std::filesystem::path path = nameOrPath == kBuiltinModelName
                                     ? core::builtinModelPath()
                                     : std::filesystem::path(nameOrPath);
    std::error_code ignored;
    const bool isFile = std::filesystem::is_regular_file(path, ignored);
    if (isFile && path.extension() == ".safetensors") {
      path = path.parent_path(); // its config.json describes the model
    }
    if (isFile && path.extension() == ".gguf") {
      try {
        w.ownWeights = loadFunctional(path);
        w.spec = w.ownWeights->model->spec();
        w.hasWeights = true;
      } catch (const std::exception& error) {
        // The shape may still be readable when core cannot run the weights.
        w.ownWeights.reset();
        w.note = std::string("weights not runnable (") + error.what() +
                 "): timing only, tokens replayed from the built-in model";
      }
    }
    if (!w.spec) {
      w.spec = core::loadModelSpec(path.string());
      w.spec->validate();
      if (w.note.empty()) {
        w.note = "no weights: timing only, tokens replayed from the built-in model";
      }
    }
    publish(ProgressEvent{"loading model", 1.0});
    publish(ModelLoadedEvent{*w.spec, w.hasWeights, w.note});
    if (w.chip) {
      workerMap();
    }
  });
}

void Session::setChip(const std::string& nameOrPath) {
  stopRunsUpTo(m_lastRunId.load());
  enqueue("chip", [this, nameOrPath] {
    Worker& w = *m_worker;
    w.clearRun();
    w.frames.reset();
    w.placement.reset();
    w.chip = sim::loadChipSpec(nameOrPath);
    if (w.spec) {
      workerMap();
    }
  });
}

void Session::checkWorkerThread(const core::CallSite& where) const {
  core::requireThread(m_worker->thread, "a [worker] method called from another thread", where);
}

void Session::workerMap() {
  checkWorkerThread();
  Worker& w = *m_worker;
  publish(ProgressEvent{"mapping", 0.0});
  sim::MapOptions options;
  options.contextTokens = std::min<int64_t>(options.contextTokens, int64_t(w.spec->contextLength));
  try {
    w.placement = std::make_shared<const sim::Placement>(sim::mapModel(*w.spec, *w.chip, options));
    w.frames = std::make_unique<FrameBuilder>(*w.placement);
  } catch (const sim::FitError& error) {
    publish(ProgressEvent{"mapping", 1.0});
    publish(ErrorEvent{error.what(), true});
    return;
  }
  const sim::ChipSpec& chip = w.placement->chip();
  MappedEvent mapped;
  mapped.chip = {chip.name,
                 chip.description,
                 int64_t(chip.pesPerWafer()) * w.placement->wafers(),
                 double(chip.sramBytesPerPe) * double(chip.pesPerWafer()) * w.placement->wafers(),
                 chip.clockHz,
                 w.placement->wafers()};
  mapped.placement = w.placement;
  mapped.sramUsed = w.placement->sramTotal();
  mapped.pesUsed = w.placement->usedPes();
  publish(ProgressEvent{"mapping", 1.0});
  publish(std::move(mapped));

  // The mapping before any run: SRAM with an empty KV cache, nothing busy.
  w.startRun();
  m_frames.publish(w.makeFrame(0.0, 0.0, 0, m_framePlane.load()));
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
  if (!w.placement) {
    publish(
        ErrorEvent{w.spec ? "no mapping: choose a chip the model fits" : "no model loaded", false});
    return;
  }
  if (settings.maxTokens < 1) {
    publish(ErrorEvent{"max tokens must be at least 1", false});
    return;
  }
  FunctionalModel& source = w.tokenSource();
  if (!source.context) {
    source.context = std::make_unique<core::InferenceContext>(*source.model);
  }
  const std::vector<int32_t> promptIds = source.tokenizer->encode(settings.prompt, true);
  if (promptIds.empty()) {
    publish(ErrorEvent{"the prompt is empty", false});
    return;
  }

  w.startRun();
  w.promptTokens = int64_t(promptIds.size());
  m_simClock = 0.0;
  w.lastFrameWall = Clock::now();
  m_running = true;
  publish(StateEvent{true, m_paused.load()});
  publish(RunStartedEvent{settings.prompt, w.promptTokens, settings.maxTokens, !w.hasWeights,
                          w.hasWeights ? std::string() : w.note});

  core::Generator generator(*source.context, source.tokenizer.get());
  core::GenerationOptions options;
  options.maxTokens = settings.maxTokens;
  options.sampler = settings.sampler;
  bool stopped = false;
  std::string failure;
  bool fitFailure = false;

  auto onToken = [&](const core::GeneratedToken& generated) {
    if (!workerAwaitTurn(runId)) {
      stopped = true;
      return false;
    }
    const sim::TokenTiming timing =
        w.tokens.empty() ? w.engine->prefill(w.promptTokens) : w.engine->decodeStep();
    if (!workerPlay(timing, runId)) {
      stopped = true;
      return false;
    }
    TokenEvent token;
    token.index = int64_t(w.tokens.size()) + 1;
    token.id = generated.id;
    token.piece = generated.piece;
    token.prefill = timing.prefill;
    token.simStart = timing.simStart;
    token.simEnd = timing.simEnd;
    token.breakdown = timing.breakdown;
    token.criticalRegion = timing.criticalRegion;
    if (timing.criticalRegion >= 0) {
      token.criticalRegionName = w.placement->regions()[size_t(timing.criticalRegion)].name;
    }
    token.hostSeconds = generated.hostSeconds;
    token.contextLength = timing.contextLength;
    token.decodeTokensPerSecond = w.timeline->decodeTokensPerSecond();
    token.sramBytesPerPe.reserve(w.placement->regions().size());
    for (const sim::Region& region : w.placement->regions()) {
      token.sramBytesPerPe.push_back(w.placement->sramPerPe(region, timing.contextLength).total());
    }
    w.tokens.push_back(token);
    publish(std::move(token));
    return true;
  };

  core::GenerationResult result;
  try {
    result = generator.generate(promptIds, options, onToken);
  } catch (const sim::FitError& error) {
    failure = error.what();
    fitFailure = true;
  } catch (const std::exception& error) {
    failure = error.what();
  }

  if (!w.tokens.empty()) {
    const TokenEvent& last = w.tokens.back();
    // The closing frame covers at least the last token: playback may already
    // have published a frame that ends where the run ends.
    m_frames.publish(w.makeFrame(std::min(w.lastFrameSim, last.simStart), last.simEnd,
                                 last.contextLength, m_framePlane.load()));
    m_simClock = last.simEnd;
    w.report = sim::makeRunReport(*w.placement, sim::toString(w.engine->kind()), *w.timeline,
                                  *w.bottlenecks, w.gpuBaselines());
    w.report->model = w.spec->name;
    FinishedEvent finished;
    finished.report = *w.report;
    finished.stopReason = stopped ? "stopped" : core::stopReasonName(result.reason);
    if (!failure.empty()) {
      finished.stopReason = "error";
    }
    finished.generatedTokens = int64_t(w.tokens.size());
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
      m_frames.publish(
          w.makeFrame(w.lastFrameSim, simNow, timing.contextLength, m_framePlane.load()));
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
    m_frames.publish(
        w.makeFrame(w.lastFrameSim, timing.simEnd, timing.contextLength, m_framePlane.load()));
    w.lastFrameSim = timing.simEnd;
    w.lastFrameWall = Clock::now();
    notifyConsumer();
  }
  return true;
}

void Session::setFramePlane(Plane plane) {
  m_framePlane = plane;
  // The latest frame again in the new plane (a run in progress sends its next
  // frames in it anyway).
  enqueue(
      "frame-plane",
      [this] {
        Worker& w = *m_worker;
        if (!w.frames || !w.engine) {
          return;
        }
        const FrameWindow& last = w.lastFrameWindow;
        m_frames.publish(
            w.makeFrame(last.start, last.end, last.contextTokens, m_framePlane.load()));
        notifyConsumer();
      },
      true);
}

void Session::scrub(double simTime) {
  enqueue(
      "scrub",
      [this, simTime] {
        Worker& w = *m_worker;
        if (w.tokens.empty()) {
          return;
        }
        // The token whose interval holds simTime (the last one that started before it).
        auto it =
            std::upper_bound(w.tokens.begin(), w.tokens.end(), simTime,
                             [](double t, const TokenEvent& token) { return t < token.simStart; });
        const TokenEvent& token = it == w.tokens.begin() ? w.tokens.front() : *std::prev(it);
        m_frames.publish(
            w.makeFrame(token.simStart, token.simEnd, token.contextLength, m_framePlane.load()));
        notifyConsumer();
      },
      true);
}

void Session::exportTrace(const std::string& path) {
  enqueue("", [this, path] {
    Worker& w = *m_worker;
    if (w.tokens.empty()) {
      throw std::runtime_error(path + ": nothing to export: run the model first");
    }
    // The engine is deterministic, so the trace is the latest run simulated
    // again with a TraceWriter attached, rather than a copy kept in memory.
    writeFileAtomically(path, [&](const std::filesystem::path& temp) {
      auto engine = sim::makeTimingEngine(w.engine->kind(), *w.placement);
      sim::TraceWriter writer(*w.placement, temp.string());
      engine->addObserver(&writer);
      engine->prefill(w.promptTokens);
      for (size_t i = 1; i < w.tokens.size(); ++i) {
        engine->decodeStep();
      }
      writer.finish();
    });
    publish(ExportedEvent{"trace", path});
  });
}

void Session::exportCsv(const std::string& path) {
  enqueue("", [this, path] {
    Worker& w = *m_worker;
    if (w.tokens.empty()) {
      throw std::runtime_error(path + ": nothing to export: run the model first");
    }
    std::ostringstream csv;
    csv.precision(9);
    csv << "index,prefill,token_id,text,sim_start_s,sim_end_s,latency_s,";
    for (int c = 0; c < sim::TimeBreakdown::kCategories; ++c) {
      csv << sim::TimeBreakdown::categoryName(c) << "_s,";
    }
    csv << "critical_region,context_length,host_s\n";
    for (const TokenEvent& token : w.tokens) {
      csv << token.index << ',' << (token.prefill ? 1 : 0) << ',' << token.id << ','
          << csvField(token.piece) << ',' << token.simStart << ',' << token.simEnd << ','
          << token.simEnd - token.simStart << ',';
      for (int c = 0; c < sim::TimeBreakdown::kCategories; ++c) {
        csv << token.breakdown.category(c) << ',';
      }
      csv << csvField(token.criticalRegionName) << ',' << token.contextLength << ','
          << token.hostSeconds << '\n';
    }
    writeTextAtomically(path, csv.str());
    publish(ExportedEvent{"csv", path});
  });
}

void Session::exportReport(const std::string& path) {
  enqueue("", [this, path] {
    Worker& w = *m_worker;
    if (!w.report) {
      throw std::runtime_error(path + ": nothing to export: run the model to the end first");
    }
    writeTextAtomically(path, w.report->toJson().dump(2) + "\n");
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
