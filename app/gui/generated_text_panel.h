#pragma once
// The generated code: Python syntax highlighting, each token's background
// tinted by its simulated latency (cool = fast, warm = slow, relative to the
// run's median), and a tooltip with the token's timing. In a speculative run
// a draft guess the target kept is underlined green, a token of the target
// that replaced rejected guesses gets a red wavy underline (its tooltip
// names them).
#include <QPlainTextEdit>
#include <QString>

#include <vector>

namespace ws::app {

class PythonHighlighter;

enum class DraftMark { None, AcceptedGuess, ReplacedGuesses };

struct TokenSpan {
  int start = 0; // character offset in the document
  int length = 0;
  double latency = 0.0; // seconds of simulated time
  QString tooltip;
  DraftMark mark = DraftMark::None;
};

class GeneratedTextPanel : public QPlainTextEdit {
  Q_OBJECT
public:
  explicit GeneratedTextPanel(QWidget* parent = nullptr);
  ~GeneratedTextPanel() override;

  void clear();
  // The prompt, drawn untinted.
  void setPrompt(const QString& prompt);
  void appendToken(const QString& text, double latencySeconds, const QString& tooltip,
                   DraftMark mark = DraftMark::None);

  int tokenCount() const { return int(m_spans.size()); }
  const std::vector<TokenSpan>& spans() const { return m_spans; }
  QString generatedText() const;

protected:
  bool event(QEvent* event) override;

private:
  void retint();

  PythonHighlighter* m_highlighter = nullptr;
  std::vector<TokenSpan> m_spans;
  int m_promptLength = 0;
  double m_medianLatency = 0.0;
};

} // namespace ws::app
