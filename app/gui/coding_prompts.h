#pragma once
// The coding prompts offered in the prompt editor and played by the presenter
// demo: beginnings of Python functions a small code model continues.
#include <QString>

#include <vector>

namespace ws::app {

struct CodingPrompt {
  QString title;
  QString text;
};

const std::vector<CodingPrompt>& codingPrompts();

} // namespace ws::app
