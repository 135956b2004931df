#include "app/run/run_controller.h"

#include "app/run/atomic_file.h"
#include "app/run/heatmap_png.h"
#include "core/builtin_model.h"
#include "core/generator.h"
#include "core/inference_context.h"
#include "core/llama_model.h"
#include "core/tokenizer.h"
#include "sim/bottleneck_report.h"
#include "sim/decode_run.h"
#include "sim/detailed_engine.h"
#include "sim/fields.h"
#include "sim/gpu_baseline.h"
#include "sim/op_history.h"
#include "sim/token_timeline.h"
#include "sim/trace_writer.h"
#include "sim/work_budget.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <stdexcept>

namespace ws::app {

namespace {

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

// A runnable model, its tokenizer (null when the file has none) and the
// context and generator of its runs (made on the first run, reused after).
struct RunController::FunctionalModel {
  std::unique_ptr<core::LlamaModel> model;
  std::unique_ptr<core::Tokenizer> tokenizer;
  std::unique_ptr<core::InferenceContext> context;
  std::unique_ptr<core::Generator> generator;
  int threads = -1; // of the context

  explicit FunctionalModel(const std::filesystem::path& path)
      : model(core::LlamaModel::load(path)) {
    if (model->file().has("tokenizer.ggml.model")) {
      tokenizer = core::Tokenizer::fromGguf(model->file());
    }
  }
};

// The observers of one run.
struct RunController::Observers {
  sim::TokenTimeline timeline;
  sim::BottleneckReport bottlenecks;
  // The op each region runs (for the heatmap's inspector), attached with
  // the frame builder's fields when the run has fields.
  sim::OpHistory ops;
  bool fields = false;

  explicit Observers(const sim::Placement& placement) : bottlenecks(placement) {}
};

RunController::RunController() : m_gpuNames(sim::listGpuPresets()) {}

RunController::~RunController() = default;

const core::ModelSpec& RunController::modelSpec() const {
  if (!m_spec) {
    throw std::logic_error("no model loaded");
  }
  return *m_spec;
}

const sim::ChipSpec& RunController::chip() const {
  if (!m_chip) {
    throw std::logic_error("no chip chosen");
  }
  return *m_chip;
}

void RunController::forgetMapping() {
  clearRun();
  m_frames.reset(); // it refers to the placement
  m_placement.reset();
}

void RunController::clearRun() {
  m_engine.reset();
  m_observers.reset();
  m_steps.clear();
  m_tokens.clear();
  m_report.reset();
  m_promptTokens = 0;
}

ModelLoadedEvent RunController::loadModel(const std::string& nameOrPath) {
  forgetMapping();
  m_spec.reset();
  setActiveGenerator(nullptr);
  m_ownWeights.reset();
  m_hasWeights = false;
  m_note.clear();

  std::filesystem::path path = core::resolveModelPath(nameOrPath);
  std::error_code ignored;
  const bool isFile = std::filesystem::is_regular_file(path, ignored);
  if (isFile && path.extension() == ".safetensors") {
    path = path.parent_path(); // its config.json describes the model
  }
  if (isFile && path.extension() == ".gguf") {
    try {
      m_ownWeights = std::make_unique<FunctionalModel>(path);
      m_spec = m_ownWeights->model->spec();
      m_hasWeights = true;
    } catch (const std::exception& error) {
      // The shape may still be readable when core cannot run the weights.
      m_ownWeights.reset();
      m_note = std::string("weights not runnable (") + error.what() +
               "): timing only, tokens replayed from the built-in model";
    }
  }
  if (!m_spec) {
    m_spec = core::loadModelSpec(path.string());
    m_spec->validate();
    if (m_note.empty()) {
      m_note = "no weights: timing only, tokens replayed from the built-in model";
    }
  }
  return ModelLoadedEvent{*m_spec, m_hasWeights, m_note};
}

int64_t RunController::countPromptTokens(const std::string& prompt) {
  FunctionalModel& source = tokenSource();
  if (!source.tokenizer) {
    throw std::invalid_argument(source.model->file().path().string() +
                                ": has no tokenizer to count the prompt's tokens");
  }
  return int64_t(source.tokenizer->encode(prompt, true).size());
}

void RunController::setChip(const std::string& nameOrPath) {
  forgetMapping();
  m_chip = sim::loadChipSpec(nameOrPath);
}

MappedEvent RunController::map() {
  sim::MapOptions options;
  options.contextTokens =
      std::min<int64_t>(options.contextTokens, int64_t(modelSpec().contextLength));
  return map(options);
}

MappedEvent RunController::map(const sim::MapOptions& options) {
  forgetMapping();
  m_placement = std::make_shared<const sim::Placement>(sim::mapModel(modelSpec(), chip(), options));
  m_frames = std::make_unique<FrameBuilder>(*m_placement);
  const sim::ChipSpec& mapped = m_placement->chip();
  MappedEvent event;
  event.chip = {mapped.name,
                mapped.description,
                int64_t(mapped.pesPerWafer()) * m_placement->wafers(),
                double(mapped.sramBytesPerPe) * double(mapped.pesPerWafer()) *
                    m_placement->wafers(),
                mapped.clockHz,
                m_placement->wafers()};
  event.placement = m_placement;
  event.sramUsed = m_placement->sramTotal();
  event.pesUsed = m_placement->usedPes();
  return event;
}

std::string RunController::detailedEngineLimit(int64_t pes) {
  if (pes <= sim::kDetailedMaxPes) {
    return "";
  }
  return fmt::format("the detailed engine simulates fabrics of up to {} PEs (512 x 512); this "
                     "chip has {}",
                     sim::kDetailedMaxPes, pes);
}

void RunController::setEngine(sim::EngineKind kind) {
  m_engineKind = kind;
}

void RunController::setHostThreads(int threads) {
  if (threads < 0) {
    throw std::invalid_argument("host threads must not be negative, got " +
                                std::to_string(threads));
  }
  m_hostThreads = threads;
}

void RunController::setGpuBaselines(std::vector<std::string> namesOrPaths) {
  m_gpuNames = std::move(namesOrPaths);
  m_gpus.reset();
}

const std::vector<sim::GpuSpec>& RunController::gpuBaselines() {
  if (!m_gpus) {
    std::vector<sim::GpuSpec> gpus;
    for (const std::string& name : m_gpuNames) {
      gpus.push_back(sim::loadGpuSpec(name));
    }
    m_gpus = std::move(gpus);
  }
  return *m_gpus;
}

RunController::FunctionalModel& RunController::tokenSource() {
  if (m_ownWeights) {
    return *m_ownWeights;
  }
  if (!m_builtin) {
    try {
      m_builtin = std::make_unique<FunctionalModel>(core::builtinModelPath());
    } catch (const std::exception& error) {
      throw std::runtime_error("built-in model (token source of timing-only runs): " +
                               std::string(error.what()));
    }
  }
  return *m_builtin;
}

void RunController::setActiveGenerator(core::Generator* generator) {
  std::lock_guard lock(m_generatorMutex);
  m_activeGenerator = generator;
}

void RunController::cancel() {
  m_cancelled = true;
  std::lock_guard lock(m_generatorMutex);
  if (m_activeGenerator != nullptr) {
    m_activeGenerator->cancel();
  }
}

void RunController::startEngine(bool fields) {
  if (!m_placement) {
    throw std::runtime_error(m_spec ? "no mapping: choose a chip the model fits"
                                    : "no model loaded");
  }
  clearRun();
  m_engine = sim::makeTimingEngine(m_engineKind, *m_placement);
  m_observers = std::make_unique<Observers>(*m_placement);
  Observers& o = *m_observers;
  for (sim::EngineObserver* observer :
       std::initializer_list<sim::EngineObserver*>{&o.timeline, &o.bottlenecks}) {
    m_engine->addObserver(observer);
  }
  if (fields) {
    // The heatmap's planes and, for its inspector, the op each region runs.
    o.fields = true;
    for (sim::EngineObserver* observer : m_frames->newRun()) {
      m_engine->addObserver(observer);
    }
    m_engine->addObserver(&o.ops);
  }
}

RunStartedEvent RunController::startRun(const RunSettings& settings) {
  m_cancelled = false;
  if (!m_placement) {
    throw std::runtime_error(m_spec ? "no mapping: choose a chip the model fits"
                                    : "no model loaded");
  }
  if (settings.maxTokens < 1) {
    throw std::invalid_argument("max tokens must be at least 1");
  }
  FunctionalModel& source = tokenSource();
  if (!source.context || source.threads != m_hostThreads) {
    setActiveGenerator(nullptr);
    source.generator.reset();
    source.context = std::make_unique<core::InferenceContext>(
        *source.model, core::ContextOptions{m_hostThreads, 0});
    source.threads = m_hostThreads;
  }
  if (!source.generator) {
    source.generator = std::make_unique<core::Generator>(*source.context, source.tokenizer.get());
  }
  std::vector<int32_t> promptIds = settings.promptIds;
  if (promptIds.empty()) {
    if (!source.tokenizer) {
      throw std::invalid_argument(source.model->file().path().string() +
                                  ": has no tokenizer: give the prompt as token ids");
    }
    promptIds = source.tokenizer->encode(settings.prompt, true);
  }
  if (promptIds.empty()) {
    throw std::invalid_argument("the prompt is empty");
  }
  if (m_engineKind == sim::EngineKind::Detailed) {
    sim::checkWorkBudget(
        sim::estimateRunWork(*m_placement, true, int64_t(promptIds.size()), settings.maxTokens, 1),
        "this run");
  }
  startEngine(true);
  m_promptTokens = int64_t(promptIds.size());

  core::GenerationOptions options;
  options.maxTokens = settings.maxTokens;
  options.sampler = settings.sampler;
  source.generator->start(promptIds, options);
  setActiveGenerator(source.generator.get());
  if (m_cancelled) {
    source.generator->cancel(); // a cancel() that came while the run was being set up
  }
  return RunStartedEvent{settings.prompt, m_promptTokens, settings.maxTokens, !m_hasWeights,
                         m_hasWeights ? std::string() : m_note};
}

std::optional<TokenEvent> RunController::nextToken() {
  if (!m_engine || m_activeGenerator == nullptr) {
    return std::nullopt;
  }
  core::Generator& generator = *m_activeGenerator;
  const std::optional<core::GeneratedToken> generated = generator.next();
  if (!generated) {
    return std::nullopt;
  }
  const bool prefill = m_tokens.empty();
  TokenEvent token;
  token.timing = prefill ? m_engine->prefill(m_promptTokens) : m_engine->decodeStep();
  m_steps.push_back({prefill, prefill ? m_promptTokens : 1, 0});
  token.id = generated->id;
  token.piece = generated->piece;
  token.hostSeconds = generated->hostSeconds + (prefill ? generator.result().promptSeconds : 0.0);
  if (token.timing.criticalRegion >= 0) {
    token.criticalRegionName = m_placement->regions()[size_t(token.timing.criticalRegion)].name;
  }
  token.decodeTokensPerSecond = m_observers->timeline.decodeTokensPerSecond();
  token.sramBytesPerPe.reserve(m_placement->regions().size());
  for (const sim::Region& region : m_placement->regions()) {
    token.sramBytesPerPe.push_back(
        m_placement->sramPerPe(region, token.timing.contextLength).total());
  }
  m_tokens.push_back(token);
  return token;
}

bool RunController::runEnded() const {
  return m_activeGenerator == nullptr || m_activeGenerator->finished();
}

FinishedEvent RunController::finishRun() {
  FinishedEvent finished;
  if (m_activeGenerator != nullptr) {
    const core::StopReason reason = m_activeGenerator->result().reason;
    finished.stopReason =
        reason == core::StopReason::Cancelled ? "stopped" : core::stopReasonName(reason);
    setActiveGenerator(nullptr);
  }
  if (m_cancelled) {
    finished.stopReason = "stopped";
  }
  finished.generatedTokens = int64_t(m_tokens.size());
  if (!m_tokens.empty()) {
    m_report = sim::makeRunReport(*m_placement, sim::toString(m_engine->kind()),
                                  m_observers->timeline, m_observers->bottlenecks, gpuBaselines());
    m_report->model = m_spec->name;
    finished.report = *m_report;
  }
  return finished;
}

FinishedEvent RunController::timeRun(int64_t promptTokens, int64_t genTokens, int sequences,
                                     bool fields, const std::function<void()>& onStep) {
  if (!m_placement) {
    throw std::runtime_error(m_spec ? "no mapping: choose a chip the model fits"
                                    : "no model loaded");
  }
  sim::checkWorkBudget(sim::estimateRunWork(*m_placement, m_engineKind == sim::EngineKind::Detailed,
                                            promptTokens, genTokens, sequences),
                       "this run");
  startEngine(fields);
  m_promptTokens = promptTokens;
  for (int s = 0; s < sequences; ++s) {
    m_steps.push_back({true, promptTokens, s});
  }
  for (int64_t t = 0; t < genTokens; ++t) {
    for (int s = 0; s < sequences; ++s) {
      m_steps.push_back({false, 1, s});
    }
  }
  sim::runPrefillAndDecode(*m_engine, promptTokens, genTokens, sequences, onStep);
  m_report = sim::makeRunReport(*m_placement, sim::toString(m_engine->kind()),
                                m_observers->timeline, m_observers->bottlenecks, gpuBaselines());
  m_report->model = m_spec->name;
  FinishedEvent finished;
  finished.report = *m_report;
  finished.stopReason = core::stopReasonName(core::StopReason::TokenLimit);
  finished.generatedTokens = genTokens * sequences;
  return finished;
}

std::shared_ptr<const Frame> RunController::makeFrame(double start, double end, int64_t context,
                                                      Plane plane) {
  if (!m_placement) {
    throw std::logic_error("makeFrame: no mapping");
  }
  if (!m_observers) {
    // The mapping before any run: SRAM with an empty KV cache, nothing busy.
    m_observers = std::make_unique<Observers>(*m_placement);
    m_observers->fields = true;
    m_frames->newRun();
  }
  Observers& o = *m_observers;
  if (!o.fields) {
    throw std::logic_error("makeFrame: the run has no fields");
  }
  std::shared_ptr<Frame> frame = m_frames->build({start, end, context}, plane);
  frame->serial = ++m_frameSerial;
  const double clockHz = m_placement->chip().clockHz;
  frame->regionOp = o.ops.opsIn(start * clockHz, end * clockHz, m_placement->regions().size());
  return frame;
}

void RunController::exportTrace(const std::string& path) const {
  if (m_steps.empty()) {
    throw std::runtime_error(path + ": nothing to export: run the model first");
  }
  // The engine is deterministic, so the trace is the latest run simulated
  // again with a TraceWriter attached, rather than a copy kept in memory.
  writeFileAtomically(path, [&](const std::filesystem::path& temp) {
    auto engine = sim::makeTimingEngine(m_engine->kind(), *m_placement);
    sim::TraceWriter writer(*m_placement, temp.string());
    engine->addObserver(&writer);
    for (const Step& step : m_steps) {
      if (step.prefill) {
        engine->prefill(step.tokens, step.sequence);
      } else {
        engine->decodeStep(step.sequence);
      }
    }
    writer.finish();
  });
}

void RunController::exportCsv(const std::string& path) const {
  if (m_tokens.empty()) {
    throw std::runtime_error(path + ": nothing to export: run the model first");
  }
  std::ostringstream csv;
  csv.precision(9);
  csv << "index,prefill,token_id,text,sim_start_s,sim_end_s,latency_s,";
  for (int c = 0; c < sim::TimeBreakdown::kCategories; ++c) {
    csv << sim::TimeBreakdown::categoryName(c) << "_s,";
  }
  csv << "critical_region,context_length,host_s\n";
  for (const TokenEvent& token : m_tokens) {
    const sim::TokenTiming& t = token.timing;
    csv << t.index << ',' << (t.prefill ? 1 : 0) << ',' << token.id << ',' << csvField(token.piece)
        << ',' << t.simStart << ',' << t.simEnd << ',' << t.seconds() << ',';
    for (int c = 0; c < sim::TimeBreakdown::kCategories; ++c) {
      csv << t.breakdown.category(c) << ',';
    }
    csv << csvField(token.criticalRegionName) << ',' << t.contextLength << ',' << token.hostSeconds
        << '\n';
  }
  writeTextAtomically(path, csv.str());
}

void RunController::exportReport(const std::string& path) const {
  if (!m_report) {
    throw std::runtime_error(path + ": nothing to export: run the model to the end first");
  }
  writeTextAtomically(path, m_report->toJson().dump(2) + "\n");
}

void RunController::exportHeatmap(const std::string& path, Plane plane, double atSeconds,
                                  ColourScale scale) {
  if (!m_observers || m_observers->timeline.tokens().empty()) {
    throw std::runtime_error(path + ": nothing to export: run the model first");
  }
  Observers& o = *m_observers;
  if (!o.fields) {
    throw std::logic_error("exportHeatmap: the run has no fields");
  }
  // The window: the step containing atSeconds, else the last step.
  const auto& steps = o.timeline.tokens();
  const sim::TokenTiming* window = &steps.back();
  if (atSeconds >= 0) {
    window = nullptr;
    for (const auto& t : steps) {
      if (t.simStart <= atSeconds && atSeconds < t.simEnd) {
        window = &t;
      }
    }
    if (window == nullptr) {
      throw std::runtime_error(
          fmt::format("--at {} s is outside the run (0 .. {} s)", atSeconds, steps.back().simEnd));
    }
  }
  const std::shared_ptr<const Frame> frame =
      m_frames->build({window->simStart, window->simEnd, window->contextLength}, plane);
  render::HeatmapStyle style = planeStyle(plane, scale);
  style.title =
      fmt::format("{} on {}: {} of {} {} ({:.1f}-{:.1f} us)", m_placement->model().name,
                  m_placement->chip().name, cliName(plane), window->prefill ? "prefill" : "token",
                  window->index, window->simStart * 1e6, window->simEnd * 1e6);
  writeFileAtomically(path, [&](const std::filesystem::path& temp) {
    writeHeatmapPng(*m_placement, frame, style, temp);
  });
}

} // namespace ws::app
