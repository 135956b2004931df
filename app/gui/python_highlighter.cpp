#include "app/gui/python_highlighter.h"

#include <QStringList>

namespace ws::app {

namespace {
QTextCharFormat foreground(const QColor& colour, bool bold = false) {
  QTextCharFormat format;
  format.setForeground(colour);
  if (bold) {
    format.setFontWeight(QFont::Bold);
  }
  return format;
}
} // namespace

PythonHighlighter::PythonHighlighter(QTextDocument* document) : QSyntaxHighlighter(document) {
  const QStringList keywords = {
      "False", "None",     "True",  "and",    "as",   "assert", "async",  "await",    "break",
      "class", "continue", "def",   "del",    "elif", "else",   "except", "finally",  "for",
      "from",  "global",   "if",    "import", "in",   "is",     "lambda", "nonlocal", "not",
      "or",    "pass",     "raise", "return", "try",  "while",  "with",   "yield"};
  m_rules.push_back({QRegularExpression("\\b(" + keywords.join('|') + ")\\b"),
                     foreground(QColor(0, 51, 179), true)});
  m_rules.push_back({QRegularExpression("\\b(self|cls)\\b"), foreground(QColor(148, 85, 141))});
  m_rules.push_back({QRegularExpression("\\b[0-9][0-9_]*(\\.[0-9_]+)?([eE][+-]?[0-9]+)?j?\\b"),
                     foreground(QColor(23, 80, 235))});
  m_rules.push_back(
      {QRegularExpression("@[A-Za-z_][A-Za-z0-9_.]*"), foreground(QColor(158, 136, 13))});
  m_rules.push_back({QRegularExpression("(?<=\\bdef |\\bclass )[A-Za-z_][A-Za-z0-9_]*"),
                     foreground(QColor(0, 98, 122), true)});
  m_stringFormat = foreground(QColor(6, 125, 23));
  m_commentFormat = foreground(QColor(140, 140, 140));
  m_commentFormat.setFontItalic(true);
}

void PythonHighlighter::highlightBlock(const QString& text) {
  for (const auto& rule : m_rules) {
    for (auto it = rule.pattern.globalMatch(text); it.hasNext();) {
      const auto match = it.next();
      setFormat(int(match.capturedStart()), int(match.capturedLength()), rule.format);
    }
  }
  // Strings and comments win over the rules above; scan left to right so a
  // '#' inside a string is not a comment and quotes inside comments are ignored.
  int state = previousBlockState() < 0 ? Normal : previousBlockState();
  int i = 0;
  const int n = int(text.size());
  while (i < n) {
    if (state == InSingleTriple || state == InDoubleTriple) {
      const QString delimiter = state == InSingleTriple ? "'''" : "\"\"\"";
      const int end = int(text.indexOf(delimiter, i));
      const int stop = end < 0 ? n : end + 3;
      setFormat(i, stop - i, m_stringFormat);
      i = stop;
      if (end >= 0) {
        state = Normal;
      }
      continue;
    }
    const QChar c = text[i];
    if (c == '#') {
      setFormat(i, n - i, m_commentFormat);
      break;
    }
    if (c == '\'' || c == '"') {
      const QString triple(3, c);
      if (text.mid(i, 3) == triple) {
        state = c == '\'' ? InSingleTriple : InDoubleTriple;
        setFormat(i, 3, m_stringFormat);
        i += 3;
        continue;
      }
      int j = i + 1;
      while (j < n && text[j] != c) {
        j += text[j] == '\\' ? 2 : 1;
      }
      const int stop = std::min(n, j + 1);
      setFormat(i, stop - i, m_stringFormat);
      i = stop;
      continue;
    }
    ++i;
  }
  setCurrentBlockState(state);
}

} // namespace ws::app
