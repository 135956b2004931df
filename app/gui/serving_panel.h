#pragma once
// Serving dock (issue 17): a serving profile picker (assets/serving/*.json)
// with the profile's K, acceptance rate (its UNCONFIRMED range) and sources,
// and the what-if of sim/serving_what_if.h for the mapped model on its chip:
// tokens/s against K = 1..kMaxWhatIfK at the profile's acceptance rate and
// the ends of its range, beside plain decoding. A large model takes about a
// second per K, so the what-if runs on a worker thread, one K at a time; a
// newer model, chip or profile supersedes it (the old one stops at its next
// K and its results are dropped).
#include "sim/placement.h"
#include "sim/serving_profile.h"
#include "sim/serving_what_if.h"

#include <QString>
#include <QStringList>
#include <QWidget>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

QT_BEGIN_NAMESPACE
class QChart;
class QComboBox;
class QLabel;
class QLineSeries;
class QProgressBar;
class QValueAxis;
QT_END_NAMESPACE

namespace ws::app {

class SessionBridge;

class ServingPanel : public QWidget {
  Q_OBJECT
public:
  static constexpr int kMaxWhatIfK = 8;
  static constexpr const char* kDefaultProfile = "launch-2024";
  static constexpr int kControlsWidth = 280; // pixels: picker, summary and status

  explicit ServingPanel(QWidget* parent = nullptr);
  ~ServingPanel() override;

  QStringList profileNames() const;
  QString currentProfile() const;
  // Selects a listed profile by name, as the user would (recomputing the
  // what-if, emitting profileActivated).
  void selectProfile(const QString& name);
  // The model and chip to ask about: their mapping (its model, chip and
  // options); null clears the plot.
  void setPlacement(std::shared_ptr<const sim::Placement> placement);
  // Follows the session's mappings: each new one, none after a new model or a
  // model that does not fit.
  void followMappings(SessionBridge& bridge);

  bool computing() const { return m_computing; }
  // What the status line says: progress, the result or the error.
  QString statusText() const;
  QChart* chart() const { return m_chart; }

signals:
  // The what-if for the current profile and placement is complete (or failed).
  void whatIfFinished();
  // The user picked a profile (or selectProfile did): the session's own runs
  // follow it (Session::setServingProfile).
  void profileActivated(const QString& name);

private:
  struct Job {
    uint64_t id = 0;
    sim::ServingProfile profile;
    std::shared_ptr<const sim::Placement> placement;
  };

  void chooseProfile(const QString& name);
  void restart();
  void workerLoop();
  void runJob(const Job& job);
  // GUI thread, from the worker.
  void onPrepared(uint64_t id, double plainTokensPerSecond, std::vector<double> rates,
                  QString draft);
  void onStep(uint64_t id, sim::SpeculativeStepTiming step);
  void onDone(uint64_t id, QString error);
  void updateYRange();

  QComboBox* m_profiles = nullptr;
  QLabel* m_summary = nullptr;
  QLabel* m_status = nullptr;
  QProgressBar* m_progress = nullptr;
  QChart* m_chart = nullptr;
  QValueAxis* m_kAxis = nullptr;
  QValueAxis* m_rateAxis = nullptr;
  QLineSeries* m_plainLine = nullptr;
  std::vector<QLineSeries*> m_rateLines; // one per acceptance rate
  std::vector<double> m_rates;
  int m_profileLine = -1; // in m_rateLines: the profile's own rate

  std::optional<sim::ServingProfile> m_profile;
  std::shared_ptr<const sim::Placement> m_placement;
  double m_plainTokensPerSecond = 0.0;
  double m_maxTokensPerSecond = 0.0;
  QString m_draft;
  bool m_computing = false;

  // The worker takes the newest pending job; m_latestJob tells a running one
  // that it has been superseded.
  std::atomic<uint64_t> m_latestJob{0};
  std::mutex m_mutex;
  std::condition_variable m_wake;
  std::optional<Job> m_pending;
  bool m_quit = false;
  std::thread m_worker;
};

} // namespace ws::app
