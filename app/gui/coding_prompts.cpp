#include "app/gui/coding_prompts.h"

namespace ws::app {

const std::vector<CodingPrompt>& codingPrompts() {
  static const std::vector<CodingPrompt> prompts = {
      {"Fibonacci", "def fibonacci(n):\n"},
      {"Binary search", "def binary_search(items, target):\n    \"\"\"Return the index of target "
                        "in the sorted list items, or -1.\"\"\"\n"},
      {"Word count", "def count_words(path):\n    counts = {}\n"},
      {"Stack class", "class Stack:\n    def __init__(self):\n"},
      {"Quicksort", "def quicksort(values):\n    if len(values) <= 1:\n        return values\n"},
  };
  return prompts;
}

} // namespace ws::app
