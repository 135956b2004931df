#pragma once
// Python syntax highlighting for the generated-code panel. It sets only the
// foreground (and italics for comments), so the per-token latency tint in the
// background stays visible.
#include <QRegularExpression>
#include <QSyntaxHighlighter>
#include <QTextCharFormat>

#include <vector>

namespace ws::app {

class PythonHighlighter : public QSyntaxHighlighter {
  Q_OBJECT
public:
  explicit PythonHighlighter(QTextDocument* document);

  // Block states: inside a triple-quoted string opened with ''' or """.
  enum State { Normal = 0, InSingleTriple = 1, InDoubleTriple = 2 };

protected:
  void highlightBlock(const QString& text) override;

private:
  struct Rule {
    QRegularExpression pattern;
    QTextCharFormat format;
  };
  std::vector<Rule> m_rules;
  QTextCharFormat m_stringFormat;
  QTextCharFormat m_commentFormat;
};

} // namespace ws::app
