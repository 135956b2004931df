#include "app/run/run_controller.h"

#include "app/run/atomic_file.h"
#include "app/run/heatmap_png.h"
#include "core/builtin_model.h"
#include "core/generator.h"
#include "core/inference_context.h"
#include "core/llama_model.h"
#include "core/speculative.h"
#include "core/tokenizer.h"
#include "sim/bottleneck_report.h"
#include "sim/decode_run.h"
#include "sim/detailed_engine.h"
#include "sim/fields.h"
#include "sim/gpu_baseline.h"
#include "sim/op_history.h"
#include "sim/serving_what_if.h"
#include "sim/token_timeline.h"
#include "sim/trace_writer.h"
#include "sim/work_budget.h"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
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

// A speculative run's own parts: the host's draft and generator, the draft's
// engine on the wafer (its field events forwarded to the combined picture),
// the tokens of the latest step still to hand out, and the step totals.
struct RunController::SpeculativeRun {
  std::unique_ptr<FunctionalModel> hostDraft;
  std::unique_ptr<core::SpeculativeGenerator> generator;
  std::unique_ptr<sim::TimingEngine> draftEngine;
  std::unique_ptr<sim::DraftEventForwarder> forwarder;
  std::deque<TokenEvent> pending;
  sim::SpeculativeRunSummary summary;
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
  m_pair.reset();
}

void RunController::clearRun() {
  {
    std::lock_guard lock(m_generatorMutex);
    m_activeSpeculative = nullptr;
  }
  m_speculative.reset(); // its engine's forwarder refers to the observers
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
  m_ownWeightsAreBuiltin = false;
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
      std::error_code same;
      m_ownWeightsAreBuiltin = std::filesystem::equivalent(path, core::builtinModelPath(), same);
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

void RunController::setServingProfile(const std::string& nameOrPath) {
  forgetMapping();
  m_serving.reset();
  if (!nameOrPath.empty()) {
    m_serving = sim::loadServingProfile(nameOrPath);
  }
}

MappedEvent RunController::map(const sim::MapOptions& options) {
  forgetMapping();
  const sim::MapOptions mapOptions =
      m_serving ? sim::withServingPrecision(*m_serving, options) : options;
  if (m_serving && m_serving->speculative) {
    if (!tokensFromBuiltin()) {
      throw std::invalid_argument(fmt::format(
          "{}: serving profile {} drafts with a model card, which has no weights to draft with "
          "on the host; choose a profile without speculation for this model",
          m_ownWeights->model->file().path().string(), m_serving->name));
    }
    m_pair = std::make_unique<sim::SpeculativePair>(
        sim::mapSpeculativePair(modelSpec(), m_serving->draftFor(modelSpec()), chip(), mapOptions));
    m_placement = std::make_shared<const sim::Placement>(sim::combinedPlacement(*m_pair));
  } else {
    m_placement =
        std::make_shared<const sim::Placement>(sim::mapModel(modelSpec(), chip(), mapOptions));
  }
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
  if (m_activeSpeculative != nullptr) {
    m_activeSpeculative->cancel();
  }
}

void RunController::startEngine(bool fields) {
  if (!m_placement) {
    throw std::runtime_error(m_spec ? "no mapping: choose a chip the model fits"
                                    : "no model loaded");
  }
  clearRun();
  m_engine = sim::makeTimingEngine(m_engineKind, m_pair ? m_pair->target : *m_placement);
  m_observers = std::make_unique<Observers>(*m_placement);
  Observers& o = *m_observers;
  m_engine->addObserver(&o.bottlenecks);
  if (!m_pair) {
    // A speculative run's tokens are its steps' (nextSpeculativeToken).
    m_engine->addObserver(&o.timeline);
  }
  std::vector<sim::EngineObserver*> fieldObservers;
  if (fields) {
    // The heatmap's planes and, for its inspector, the op each region runs.
    o.fields = true;
    fieldObservers = m_frames->newRun();
    fieldObservers.push_back(&o.ops);
    for (sim::EngineObserver* observer : fieldObservers) {
      m_engine->addObserver(observer);
    }
  }
  if (m_pair) {
    m_speculative = std::make_unique<SpeculativeRun>();
    m_speculative->draftEngine = sim::makeTimingEngine(m_engineKind, m_pair->draft);
    m_speculative->forwarder = std::make_unique<sim::DraftEventForwarder>(
        int(m_pair->target.regions().size()), fieldObservers);
    m_speculative->draftEngine->addObserver(m_speculative->forwarder.get());
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
  RunStartedEvent started;
  started.prompt = settings.prompt;
  started.promptTokens = m_promptTokens;
  started.maxTokens = settings.maxTokens;
  started.replayedTokens = !m_hasWeights;
  started.note = m_hasWeights ? std::string() : m_note;
  if (m_speculative) {
    // The host drafts with the built-in pair (map() allows nothing else).
    SpeculativeRun& run = *m_speculative;
    const int k = m_serving->speculative->draftTokens;
    run.hostDraft = std::make_unique<FunctionalModel>(core::builtinDraftModelPath());
    run.hostDraft->context = std::make_unique<core::InferenceContext>(
        *run.hostDraft->model, core::ContextOptions{m_hostThreads, 0});
    run.generator = std::make_unique<core::SpeculativeGenerator>(
        *source.context, run.hostDraft->context.get(), source.tokenizer.get(),
        core::SpeculativeOptions{k, core::SpeculativeOptions().ngram});
    run.generator->start(promptIds, options);
    run.summary.profile = m_serving->name;
    run.summary.draftModel = m_pair->draft.model().name;
    run.summary.draftTokens = k;
    started.draftModel = run.summary.draftModel;
    started.draftTokens = k;
    const std::string measured =
        fmt::format("speculative decoding ({}): {} drafts {} tokens per verify pass on the wafer; "
                    "which guesses the target keeps is measured on the host with the built-in "
                    "model and its draft",
                    m_serving->name, run.summary.draftModel, k);
    started.note = started.note.empty() ? measured : started.note + "; " + measured;
    setActiveGenerator(nullptr);
    std::lock_guard lock(m_generatorMutex);
    m_activeSpeculative = run.generator.get();
    if (m_cancelled) {
      m_activeSpeculative->cancel();
    }
    return started;
  }
  source.generator->start(promptIds, options);
  setActiveGenerator(source.generator.get());
  if (m_cancelled) {
    source.generator->cancel(); // a cancel() that came while the run was being set up
  }
  return started;
}

TokenEvent RunController::tokenEvent(const sim::TokenTiming& timing,
                                     const core::GeneratedToken& generated) {
  TokenEvent token;
  token.timing = timing;
  token.id = generated.id;
  token.piece = generated.piece;
  token.hostSeconds = generated.hostSeconds;
  if (timing.criticalRegion >= 0) {
    token.criticalRegionName = m_placement->regions()[size_t(timing.criticalRegion)].name;
  }
  token.decodeTokensPerSecond = m_observers->timeline.decodeTokensPerSecond();
  token.sramBytesPerPe.reserve(m_placement->regions().size());
  for (const sim::Region& region : m_placement->regions()) {
    token.sramBytesPerPe.push_back(m_placement->sramPerPe(region, timing.contextLength).total());
  }
  return token;
}

std::optional<TokenEvent> RunController::nextToken() {
  if (m_speculative) {
    return nextSpeculativeToken();
  }
  if (!m_engine || m_activeGenerator == nullptr) {
    return std::nullopt;
  }
  core::Generator& generator = *m_activeGenerator;
  const std::optional<core::GeneratedToken> generated = generator.next();
  if (!generated) {
    return std::nullopt;
  }
  const bool prefill = m_tokens.empty();
  const sim::TokenTiming timing =
      prefill ? m_engine->prefill(m_promptTokens) : m_engine->decodeStep();
  m_steps.push_back({prefill, prefill ? m_promptTokens : 1, 0});
  TokenEvent token = tokenEvent(timing, *generated);
  if (prefill) {
    token.hostSeconds += generator.result().promptSeconds;
  }
  m_tokens.push_back(token);
  return token;
}

std::optional<TokenEvent> RunController::nextSpeculativeToken() {
  SpeculativeRun& run = *m_speculative;
  if (run.pending.empty() && run.generator) {
    const std::optional<core::SpeculativePass> pass = run.generator->next();
    if (!pass) {
      return std::nullopt;
    }
    Observers& o = *m_observers;
    const int drafted = int(pass->drafted.size());
    if (pass->prompt || drafted == 0) {
      // The prompt's pass (both models take the prompt side by side), or a
      // last pass with no room for guesses: the target alone.
      if (pass->prompt) {
        run.draftEngine->prefill(m_promptTokens);
      }
      const sim::TokenTiming timing =
          pass->prompt ? m_engine->prefill(m_promptTokens) : m_engine->decodeStep();
      m_steps.push_back({pass->prompt, pass->prompt ? m_promptTokens : 1, 0});
      o.timeline.onToken(timing);
      for (const core::GeneratedToken& generated : pass->tokens) {
        TokenEvent token = tokenEvent(timing, generated);
        if (pass->prompt) {
          token.hostSeconds += run.generator->result().promptSeconds;
        }
        run.pending.push_back(std::move(token));
      }
    } else {
      const sim::SpeculativeStepTiming step =
          sim::runSpeculativeStep(*run.draftEngine, *m_engine, drafted, pass->accepted);
      m_steps.push_back({false, drafted + 1, 0, drafted, pass->accepted});
      sim::SpeculativeRunSummary& sum = run.summary;
      ++sum.steps;
      sum.drafted += drafted;
      sum.accepted += pass->accepted;
      sum.draftSeconds += step.draftSeconds;
      sum.verifySeconds += step.verifySeconds;
      sum.transferSeconds += step.sendSeconds + step.replySeconds + step.rollbackSeconds;
      SpeculativeTokenInfo info;
      info.step = sum.steps;
      info.drafted = drafted;
      info.accepted = pass->accepted;
      info.draftStart = step.start;
      info.draftEnd = step.draftEnd;
      info.verifyStart = step.verifyStart;
      info.verifyEnd = step.verifyEnd;
      info.stepEnd = step.end;
      const core::Tokenizer* tokenizer = tokenSource().tokenizer.get();
      for (size_t j = 0; j < pass->tokens.size(); ++j) {
        // The step's tokens come out together at its end: the first carries
        // the step's span and breakdown, the others are instants after it.
        sim::TokenTiming timing;
        timing.index = int64_t(m_tokens.size() + run.pending.size());
        timing.contextLength = m_engine->contextLength(0);
        timing.simStart = j == 0 ? step.start : step.end;
        timing.simEnd = step.end;
        if (j == 0) {
          timing.breakdown = step.breakdown;
        }
        timing.criticalRegion = step.verifyCriticalRegion;
        o.timeline.onToken(timing);
        TokenEvent token = tokenEvent(timing, pass->tokens[j]);
        token.speculative = info;
        token.speculative->acceptedDraft = int(j) < pass->accepted;
        if (int(j) == pass->accepted) {
          for (size_t r = j; r < pass->drafted.size(); ++r) {
            const int32_t id = pass->drafted[r];
            token.speculative->rejectedPieces.push_back(
                tokenizer != nullptr ? tokenizer->decode(std::span<const int32_t>(&id, 1))
                                     : fmt::format("#{}", id));
          }
        }
        run.pending.push_back(std::move(token));
      }
    }
  }
  if (run.pending.empty()) {
    return std::nullopt;
  }
  TokenEvent token = std::move(run.pending.front());
  run.pending.pop_front();
  m_tokens.push_back(token);
  return token;
}

bool RunController::runEnded() const {
  if (m_speculative && m_activeSpeculative != nullptr) {
    return m_speculative->pending.empty() && m_activeSpeculative->finished();
  }
  return m_activeGenerator == nullptr || m_activeGenerator->finished();
}

FinishedEvent RunController::finishRun() {
  FinishedEvent finished;
  const core::GenerationResult* result = nullptr;
  {
    std::lock_guard lock(m_generatorMutex);
    if (m_activeGenerator != nullptr) {
      result = &m_activeGenerator->result();
    } else if (m_activeSpeculative != nullptr) {
      result = &m_activeSpeculative->result();
    }
  }
  if (result != nullptr) {
    finished.stopReason = result->reason == core::StopReason::Cancelled
                              ? "stopped"
                              : core::stopReasonName(result->reason);
  }
  setActiveGenerator(nullptr);
  {
    std::lock_guard lock(m_generatorMutex);
    m_activeSpeculative = nullptr;
  }
  if (m_cancelled) {
    finished.stopReason = "stopped";
  }
  finished.generatedTokens = int64_t(m_tokens.size());
  if (!m_tokens.empty()) {
    m_report = sim::makeRunReport(*m_placement, sim::toString(m_engine->kind()),
                                  m_observers->timeline, m_observers->bottlenecks, gpuBaselines());
    m_report->model = m_spec->name;
    if (m_speculative) {
      m_report->speculative = m_speculative->summary;
    }
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
  if (m_pair) {
    throw std::invalid_argument("a timing-only run decodes plainly: map without a speculative "
                                "serving profile (simulate --serving times speculative steps)");
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
    auto engine = sim::makeTimingEngine(m_engine->kind(), m_pair ? m_pair->target : *m_placement);
    sim::TraceWriter writer(*m_placement, temp.string());
    engine->addObserver(&writer);
    std::unique_ptr<sim::TimingEngine> draft;
    std::optional<sim::DraftEventForwarder> forwarder;
    if (m_pair) {
      draft = sim::makeTimingEngine(m_engine->kind(), m_pair->draft);
      forwarder.emplace(int(m_pair->target.regions().size()),
                        std::vector<sim::EngineObserver*>{&writer});
      draft->addObserver(&*forwarder);
    }
    for (const Step& step : m_steps) {
      if (step.draftTokens > 0) {
        sim::runSpeculativeStep(*draft, *engine, step.draftTokens, step.accepted, step.sequence);
      } else if (step.prefill) {
        if (draft) {
          draft->prefill(step.tokens, step.sequence);
        }
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
  csv << "critical_region,context_length,host_s,speculative_step,accepted_draft\n";
  for (const TokenEvent& token : m_tokens) {
    const sim::TokenTiming& t = token.timing;
    csv << t.index << ',' << (t.prefill ? 1 : 0) << ',' << token.id << ',' << csvField(token.piece)
        << ',' << t.simStart << ',' << t.simEnd << ',' << t.seconds() << ',';
    for (int c = 0; c < sim::TimeBreakdown::kCategories; ++c) {
      csv << t.breakdown.category(c) << ',';
    }
    csv << csvField(token.criticalRegionName) << ',' << t.contextLength << ',' << token.hostSeconds
        << ',' << (token.speculative ? token.speculative->step : 0) << ','
        << (token.speculative && token.speculative->acceptedDraft ? 1 : 0) << '\n';
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
