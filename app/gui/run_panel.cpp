#include "app/gui/run_panel.h"

#include "app/gui/coding_prompts.h"
#include "app/gui/units.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGridLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QVBoxLayout>

#include <limits>

namespace ws::app {

RunPanel::RunPanel(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  m_examples = new QComboBox(this);
  m_examples->setObjectName("promptExamples");
  for (const CodingPrompt& prompt : codingPrompts()) {
    m_examples->addItem(prompt.title, prompt.text);
  }
  layout->addWidget(m_examples);
  m_prompt = new QPlainTextEdit(this);
  m_prompt->setObjectName("promptEditor");
  QFont mono("monospace");
  mono.setStyleHint(QFont::Monospace);
  m_prompt->setFont(mono);
  m_prompt->setPlainText(codingPrompts().front().text);
  layout->addWidget(m_prompt, 1);
  connect(m_examples, &QComboBox::activated, this,
          [this](int index) { m_prompt->setPlainText(m_examples->itemData(index).toString()); });

  auto* form = new QFormLayout;
  m_temperature = new QDoubleSpinBox(this);
  m_temperature->setRange(0.0, 2.0);
  m_temperature->setSingleStep(0.1);
  m_temperature->setToolTip("0 = greedy");
  form->addRow("Temperature", m_temperature);
  m_topK = new QSpinBox(this);
  m_topK->setRange(0, 1000);
  m_topK->setToolTip("0 = all tokens");
  form->addRow("Top-k", m_topK);
  m_topP = new QDoubleSpinBox(this);
  m_topP->setRange(0.01, 1.0);
  m_topP->setSingleStep(0.05);
  m_topP->setValue(1.0);
  form->addRow("Top-p", m_topP);
  m_seed = new QSpinBox(this);
  m_seed->setRange(0, std::numeric_limits<int>::max());
  form->addRow("Seed", m_seed);
  m_maxTokens = new QSpinBox(this);
  m_maxTokens->setObjectName("maxTokens");
  m_maxTokens->setRange(1, 4096);
  m_maxTokens->setValue(64);
  form->addRow("Max tokens", m_maxTokens);
  m_engine = new QComboBox(this);
  m_engine->setObjectName("engine");
  m_engine->addItem("fast", int(sim::EngineKind::Fast));
  m_engine->addItem("detailed", int(sim::EngineKind::Detailed));
  form->addRow("Engine", m_engine);
  connect(m_engine, &QComboBox::currentIndexChanged, this,
          [this] { emit engineChanged(engine()); });
  setDetailedEngineLimit("");
  m_speed = new QComboBox(this);
  m_speed->setObjectName("playbackSpeed");
  for (PlaybackSpeed speed : allPlaybackSpeeds()) {
    m_speed->addItem(toString(speed), int(speed));
  }
  m_speed->setCurrentIndex(m_speed->findData(int(PlaybackSpeed::AsFastAsPossible)));
  form->addRow("Playback", m_speed);
  m_clock = new QLabel(formatSimTime(0.0), this);
  m_clock->setObjectName("simulatedClock");
  form->addRow("Simulated clock", m_clock);
  layout->addLayout(form);

  auto* buttons = new QGridLayout;
  m_run = new QPushButton("Run", this);
  m_pause = new QPushButton("Pause", this);
  m_pause->setCheckable(true);
  m_step = new QPushButton("Step", this);
  m_stop = new QPushButton("Stop", this);
  m_run->setToolTip("Run the prompt (F5)");
  m_pause->setToolTip("Pause / resume (F6)");
  m_step->setToolTip("One token (F10)");
  m_stop->setToolTip("Stop (Shift+F5)");
  buttons->addWidget(m_run, 0, 0);
  buttons->addWidget(m_pause, 0, 1);
  buttons->addWidget(m_step, 1, 0);
  buttons->addWidget(m_stop, 1, 1);
  layout->addLayout(buttons);

  connect(m_run, &QPushButton::clicked, this, &RunPanel::runRequested);
  connect(m_pause, &QPushButton::toggled, this, &RunPanel::pauseToggled);
  connect(m_step, &QPushButton::clicked, this, &RunPanel::stepRequested);
  connect(m_stop, &QPushButton::clicked, this, &RunPanel::stopRequested);
  connect(m_speed, &QComboBox::currentIndexChanged, this, [this] { emit speedChanged(speed()); });
  setState(false, false);
}

RunSettings RunPanel::settings() const {
  RunSettings run;
  run.prompt = m_prompt->toPlainText().toStdString();
  run.maxTokens = m_maxTokens->value();
  run.sampler.temperature = float(m_temperature->value());
  run.sampler.topK = m_topK->value();
  run.sampler.topP = float(m_topP->value());
  run.sampler.seed = uint64_t(m_seed->value());
  return run;
}

void RunPanel::setPrompt(const QString& prompt) {
  m_prompt->setPlainText(prompt);
}
void RunPanel::setMaxTokens(int tokens) {
  m_maxTokens->setValue(tokens);
}

sim::EngineKind RunPanel::engine() const {
  return sim::EngineKind(m_engine->currentData().toInt());
}

void RunPanel::setDetailedEngineLimit(const QString& limit) {
  auto* items = qobject_cast<QStandardItemModel*>(m_engine->model());
  QStandardItem* detailed = items->item(m_engine->findData(int(sim::EngineKind::Detailed)));
  detailed->setEnabled(limit.isEmpty());
  if (limit.isEmpty()) {
    m_engine->setToolTip("fast: closed forms per region and op; detailed: discrete-event per PE "
                         "and wavelet, the fast engine's reference (slower)");
    detailed->setToolTip(QString());
    return;
  }
  m_engine->setToolTip("detailed engine unavailable: " + limit);
  detailed->setToolTip(limit);
  if (engine() == sim::EngineKind::Detailed) {
    m_engine->setCurrentIndex(m_engine->findData(int(sim::EngineKind::Fast)));
  }
}

PlaybackSpeed RunPanel::speed() const {
  return PlaybackSpeed(m_speed->currentData().toInt());
}

void RunPanel::setSpeed(PlaybackSpeed speed) {
  m_speed->setCurrentIndex(m_speed->findData(int(speed)));
}

void RunPanel::setState(bool running, bool paused) {
  m_step->setEnabled(running);
  m_stop->setEnabled(running);
  const QSignalBlocker blocker(m_pause);
  m_pause->setChecked(paused);
  m_pause->setText(paused ? "Resume" : "Pause");
}

void RunPanel::setSimulatedClock(double seconds) {
  m_clock->setText(formatSimTime(seconds));
}

void RunPanel::saveSettings(QSettings& settings) const {
  settings.setValue("run/prompt", m_prompt->toPlainText());
  settings.setValue("run/temperature", m_temperature->value());
  settings.setValue("run/topK", m_topK->value());
  settings.setValue("run/topP", m_topP->value());
  settings.setValue("run/seed", m_seed->value());
  settings.setValue("run/maxTokens", m_maxTokens->value());
  settings.setValue("run/speed", int(speed()));
}

void RunPanel::restoreSettings(const QSettings& settings) {
  if (settings.contains("run/prompt")) {
    m_prompt->setPlainText(settings.value("run/prompt").toString());
  }
  m_temperature->setValue(settings.value("run/temperature", m_temperature->value()).toDouble());
  m_topK->setValue(settings.value("run/topK", m_topK->value()).toInt());
  m_topP->setValue(settings.value("run/topP", m_topP->value()).toDouble());
  m_seed->setValue(settings.value("run/seed", m_seed->value()).toInt());
  m_maxTokens->setValue(settings.value("run/maxTokens", m_maxTokens->value()).toInt());
  const int speedIndex = m_speed->findData(settings.value("run/speed", int(speed())).toInt());
  if (speedIndex >= 0) {
    m_speed->setCurrentIndex(speedIndex);
  }
}

} // namespace ws::app
