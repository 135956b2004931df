#include "app/gui/serving_panel.h"

#include "app/gui/compact_chart.h"
#include "app/gui/session_bridge.h"

#include <QChart>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineSeries>
#include <QPen>
#include <QProgressBar>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>
#include <exception>

namespace ws::app {

namespace {

QString rangeText(const sim::ParameterRange& range) {
  return QString("%1–%2").arg(range.low, 0, 'f', 2).arg(range.high, 0, 'f', 2);
}

QString weightsText(const sim::ServingProfile& profile) {
  return profile.weightBits > 0 ? QString("weights in %1 bits").arg(profile.weightBits)
                                : QString("weights as released");
}

QString summaryOf(const sim::ServingProfile& profile) {
  if (!profile.speculative) {
    return QString("No speculative decoding; %1.").arg(weightsText(profile));
  }
  const sim::SpeculativeDecoding& s = *profile.speculative;
  QString acceptance = QString("acceptance %1 per draft token").arg(s.acceptanceRate, 0, 'f', 2);
  if (s.acceptanceRange.low < s.acceptanceRange.high) {
    acceptance += QString(" (UNCONFIRMED: %1)").arg(rangeText(s.acceptanceRange));
  }
  QStringList drafts;
  for (const sim::DraftChoice& d : s.drafts) {
    drafts << QString::fromStdString(d.card);
  }
  return QString("K = %1 draft tokens per verify pass; %2; %3; drafts: %4.")
      .arg(s.draftTokens)
      .arg(acceptance, weightsText(profile), drafts.join(", "));
}

QString sourcesOf(const sim::ServingProfile& profile) {
  QString tip = QString::fromStdString(profile.description) + "\n\n" +
                QString("Weights: %1").arg(QString::fromStdString(profile.weightBitsSource));
  if (profile.speculative) {
    const sim::SpeculativeDecoding& s = *profile.speculative;
    tip += "\n\nK: " + QString::fromStdString(s.draftTokensSource);
    tip += "\n\nAcceptance: " + QString::fromStdString(s.acceptanceRateSource);
    for (const sim::DraftChoice& d : s.drafts) {
      tip += QString("\n\nDraft %1: %2")
                 .arg(QString::fromStdString(d.card), QString::fromStdString(d.source));
    }
  }
  return tip + "\n\n" + QString::fromStdString(profile.file);
}

} // namespace

ServingPanel::ServingPanel(QWidget* parent) : QWidget(parent) {
  auto* controls = new QWidget(this);
  auto* layout = new QVBoxLayout(controls);
  layout->setContentsMargins(4, 4, 0, 4);
  m_profiles = new QComboBox(controls);
  m_profiles->setObjectName("servingProfiles");
  for (const std::string& name : sim::listServingProfiles()) {
    m_profiles->addItem(QString::fromStdString(name));
  }
  m_summary = new QLabel(controls);
  m_summary->setObjectName("servingSummary");
  m_summary->setWordWrap(true);
  m_status = new QLabel(controls);
  m_status->setObjectName("servingStatus");
  m_status->setWordWrap(true);
  m_progress = new QProgressBar(controls);
  m_progress->setRange(0, kMaxWhatIfK + 1); // the mapping, then each K
  m_progress->setTextVisible(false);
  m_progress->setMaximumHeight(6);
  m_progress->hide();
  layout->addWidget(m_profiles);
  layout->addWidget(m_summary);
  layout->addWidget(m_status);
  layout->addWidget(m_progress);
  layout->addStretch(1);

  m_chart = new QChart;
  m_kAxis = new QValueAxis;
  m_kAxis->setTitleText(tr("K (draft tokens per verify pass)"));
  m_kAxis->setRange(1, kMaxWhatIfK);
  m_kAxis->setTickCount(kMaxWhatIfK); // one tick per whole K
  m_kAxis->setLabelFormat("%d");
  m_rateAxis = new QValueAxis;
  m_rateAxis->setTitleText(tr("tokens/s"));
  m_rateAxis->setLabelFormat("%.0f");
  m_rateAxis->setRange(0, 1);
  m_chart->addAxis(m_kAxis, Qt::AlignBottom);
  m_chart->addAxis(m_rateAxis, Qt::AlignLeft);
  auto* chartHost = new QWidget(this);
  fillWithCompactChart(chartHost, m_chart);
  // Profile and status beside the chart: the dock under the heatmap is wide
  // and short.
  controls->setMaximumWidth(kControlsWidth);
  auto* row = new QHBoxLayout(this);
  row->setContentsMargins(0, 0, 0, 0);
  row->addWidget(controls);
  row->addWidget(chartHost, 1);

  m_worker = std::thread([this] { workerLoop(); });
  m_profiles->setCurrentIndex(std::max(m_profiles->findText(kDefaultProfile), 0));
  connect(m_profiles, &QComboBox::currentTextChanged, this, &ServingPanel::chooseProfile);
  // Only a choice (not the default at start) changes how the session runs.
  connect(m_profiles, &QComboBox::activated, this,
          [this](int index) { emit profileActivated(m_profiles->itemText(index)); });
  chooseProfile(m_profiles->currentText());
}

ServingPanel::~ServingPanel() {
  {
    std::lock_guard lock(m_mutex);
    m_quit = true;
    m_pending.reset();
  }
  ++m_latestJob; // a running job stops at its next K
  m_wake.notify_all();
  m_worker.join();
}

QStringList ServingPanel::profileNames() const {
  QStringList names;
  for (int i = 0; i < m_profiles->count(); ++i) {
    names << m_profiles->itemText(i);
  }
  return names;
}

QString ServingPanel::currentProfile() const {
  return m_profiles->currentText();
}

void ServingPanel::selectProfile(const QString& name) {
  m_profiles->setCurrentText(name);
  emit profileActivated(m_profiles->currentText());
}

QString ServingPanel::statusText() const {
  return m_status->text();
}

void ServingPanel::setPlacement(std::shared_ptr<const sim::Placement> placement) {
  m_placement = std::move(placement);
  restart();
}

void ServingPanel::chooseProfile(const QString& name) {
  try {
    m_profile = sim::loadServingProfile(name.toStdString());
    m_summary->setText(summaryOf(*m_profile));
    m_summary->setToolTip(sourcesOf(*m_profile));
  } catch (const std::exception& error) {
    m_profile.reset();
    m_summary->setText(QString::fromUtf8(error.what()));
    m_summary->setToolTip({});
  }
  m_profiles->setToolTip(m_summary->toolTip());
  restart();
}

void ServingPanel::followMappings(SessionBridge& bridge) {
  connect(&bridge, &SessionBridge::mapped, this,
          [this](const MappedEvent& event) { setPlacement(event.placement); });
  connect(&bridge, &SessionBridge::modelLoaded, this, [this] { setPlacement({}); });
  connect(&bridge, &SessionBridge::failed, this, [this](const ErrorEvent& event) {
    if (event.fitError) {
      setPlacement({});
    }
  });
}

void ServingPanel::restart() {
  const uint64_t id = ++m_latestJob;
  m_chart->removeAllSeries(); // deletes the series
  m_rateLines.clear();
  m_rates.clear();
  m_profileLine = -1;
  m_plainLine = nullptr;
  m_plainTokensPerSecond = 0.0;
  m_maxTokensPerSecond = 0.0;
  m_draft.clear();
  m_rateAxis->setRange(0, 1);
  if (!m_profile || !m_placement) {
    m_computing = false;
    m_progress->hide();
    m_status->setText(m_profile ? tr("No mapping: load a model that fits the chosen chip.")
                                : QString());
    return;
  }
  m_computing = true;
  m_progress->setValue(0);
  m_progress->show();
  m_status->setText(tr("Mapping %1 for %2 on %3...")
                        .arg(QString::fromStdString(m_profile->name),
                             QString::fromStdString(m_placement->model().name),
                             QString::fromStdString(m_placement->chip().name)));
  {
    std::lock_guard lock(m_mutex);
    m_pending = Job{id, *m_profile, m_placement};
  }
  m_wake.notify_all();
}

void ServingPanel::workerLoop() {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(m_mutex);
      m_wake.wait(lock, [this] { return m_quit || m_pending; });
      if (m_quit) {
        return;
      }
      job = std::move(*m_pending);
      m_pending.reset();
    }
    runJob(job);
  }
}

void ServingPanel::runJob(const Job& job) {
  const auto superseded = [&] { return m_latestJob.load() != job.id; };
  const auto post = [this](auto call) {
    QMetaObject::invokeMethod(this, std::move(call), Qt::QueuedConnection);
  };
  const sim::Placement& mapped = *job.placement;
  const sim::MapOptions options = sim::withServingPrecision(job.profile, mapped.options());
  QString error;
  std::optional<sim::ServingWhatIf> whatIf;
  try {
    whatIf = sim::prepareServingWhatIf(job.profile, mapped.model(), mapped.chip(), options);
  } catch (const std::exception& e) {
    error = QString::fromUtf8(e.what());
  }
  if (!whatIf && job.profile.speculative) {
    // No draft fits (or the pair does not): still show plain decoding.
    sim::ServingProfile plainOnly = job.profile;
    plainOnly.speculative.reset();
    try {
      whatIf = sim::prepareServingWhatIf(plainOnly, mapped.model(), mapped.chip(), options);
    } catch (const std::exception&) {
      // The first error says why.
    }
  }
  if (superseded()) {
    return;
  }
  if (whatIf) {
    const QString draft = whatIf->draft ? QString::fromStdString(whatIf->draft->name) : QString();
    post([this, id = job.id, plain = whatIf->plainTokensPerSecond, rates = whatIf->acceptanceRates,
          draft] { onPrepared(id, plain, rates, draft); });
  }
  if (whatIf && whatIf->pair) {
    try {
      for (int k = 1; k <= kMaxWhatIfK && !superseded(); ++k) {
        const sim::SpeculativeStepTiming step =
            sim::sweepDraftTokens(*whatIf->pair, k, k, whatIf->contextTokens).front();
        post([this, id = job.id, step] { onStep(id, step); });
      }
    } catch (const std::exception& e) {
      error = QString::fromUtf8(e.what());
    }
  }
  if (!superseded()) { // nothing more is posted once the panel is going away
    post([this, id = job.id, error] { onDone(id, error); });
  }
}

void ServingPanel::onPrepared(uint64_t id, double plainTokensPerSecond, std::vector<double> rates,
                              QString draft) {
  if (id != m_latestJob.load()) {
    return;
  }
  m_plainTokensPerSecond = plainTokensPerSecond;
  m_draft = draft;
  m_rates = std::move(rates);
  const double profileRate =
      m_profile && m_profile->speculative ? m_profile->speculative->acceptanceRate : -1.0;
  for (double rate : m_rates) {
    auto* line = new QLineSeries;
    QString name = QString("a = %1").arg(rate, 0, 'f', 2);
    if (rate == profileRate) {
      m_profileLine = int(m_rateLines.size());
      name += tr(" (profile)");
    }
    line->setName(name);
    line->setPointsVisible(true);
    m_chart->addSeries(line); // takes the theme's colour
    if (rate == profileRate) {
      QPen pen = line->pen();
      pen.setWidthF(3.5);
      line->setPen(pen);
    }
    line->attachAxis(m_kAxis);
    line->attachAxis(m_rateAxis);
    m_rateLines.push_back(line);
  }
  m_plainLine = new QLineSeries;
  m_plainLine->setName(tr("plain decoding"));
  QPen pen(Qt::gray);
  pen.setStyle(Qt::DashLine);
  pen.setWidthF(2.0);
  m_plainLine->setPen(pen);
  m_plainLine->append(1, plainTokensPerSecond);
  m_plainLine->append(kMaxWhatIfK, plainTokensPerSecond);
  m_chart->addSeries(m_plainLine);
  m_plainLine->attachAxis(m_kAxis);
  m_plainLine->attachAxis(m_rateAxis);
  m_maxTokensPerSecond = plainTokensPerSecond;
  updateYRange();
  m_progress->setValue(1);
  if (!m_rates.empty()) {
    m_status->setText(tr("%1 with draft %2: timing K = 1..%3...")
                          .arg(QString::fromStdString(m_placement->model().name), m_draft)
                          .arg(kMaxWhatIfK));
  }
}

void ServingPanel::onStep(uint64_t id, sim::SpeculativeStepTiming step) {
  if (id != m_latestJob.load()) {
    return;
  }
  for (size_t r = 0; r < m_rates.size(); ++r) {
    const double tokensPerSecond = sim::speculativeTokensPerSecond(m_rates[r], step);
    m_rateLines[r]->append(step.draftTokens, tokensPerSecond);
    m_maxTokensPerSecond = std::max(m_maxTokensPerSecond, tokensPerSecond);
  }
  updateYRange();
  m_progress->setValue(1 + step.draftTokens);
}

void ServingPanel::onDone(uint64_t id, QString error) {
  if (id != m_latestJob.load()) {
    return;
  }
  m_computing = false;
  m_progress->hide();
  const QString model = QString::fromStdString(m_placement->model().name);
  const QString chip = QString::fromStdString(m_placement->chip().name);
  QString text;
  if (m_plainTokensPerSecond > 0.0) {
    text = tr("At context %1, %2 alone on %3: %4 tokens/s.")
               .arg(m_placement->options().contextTokens)
               .arg(model, chip)
               .arg(m_plainTokensPerSecond, 0, 'f', 0);
  }
  if (m_profileLine >= 0 && m_rateLines[size_t(m_profileLine)]->count() > 0) {
    const QList<QPointF> points = m_rateLines[size_t(m_profileLine)]->points();
    const QPointF best = *std::max_element(points.begin(), points.end(),
                                           [](QPointF a, QPointF b) { return a.y() < b.y(); });
    text += tr(" With draft %1 at the profile's acceptance: best K = %2, %3 tokens/s (%4x).")
                .arg(m_draft)
                .arg(int(best.x()))
                .arg(best.y(), 0, 'f', 0)
                .arg(best.y() / m_plainTokensPerSecond, 0, 'f', 2);
  }
  if (!error.isEmpty()) {
    text += (text.isEmpty() ? "" : " ") + error;
  }
  m_status->setText(text);
  emit whatIfFinished();
}

void ServingPanel::updateYRange() {
  m_rateAxis->setRange(0, std::max(1.0, m_maxTokensPerSecond * 1.08));
  m_rateAxis->applyNiceNumbers();
}

} // namespace ws::app
