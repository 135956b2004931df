#pragma once
// Shared by the tokenizer tests: the conformance vocabularies of
// ../shared/testdata/tokenizers (loaded once per test program) and their
// vectors: ggml-vocab-NAME.gguf.inp holds strings each followed by a line
// "__ggml_vocab_test__", .out one line of space-separated ids per string.
#include "core/gguf.h"
#include "core/tokenizer.h"
#include "tests/test_paths.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace ws::test {

struct TokenizerCase {
  std::string text;
  std::vector<int32_t> ids;
};

inline std::filesystem::path vocabPath(const std::string& name) {
  return testdataDir() / "tokenizers" / ("ggml-vocab-" + name + ".gguf");
}

inline std::string readWholeFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

inline std::vector<TokenizerCase> readTokenizerCases(const std::string& name) {
  const std::string inputs = readWholeFile(vocabPath(name).string() + ".inp");
  const std::string outputs = readWholeFile(vocabPath(name).string() + ".out");
  const std::string separator = "\n__ggml_vocab_test__\n";
  std::vector<TokenizerCase> cases;
  for (size_t begin = 0, end; (end = inputs.find(separator, begin)) != std::string::npos;
       begin = end + separator.size()) {
    cases.push_back({inputs.substr(begin, end - begin), {}});
  }
  std::istringstream lines(outputs);
  std::string line;
  for (auto& c : cases) {
    if (!std::getline(lines, line)) {
      ADD_FAILURE() << name << ".out has fewer lines than " << name << ".inp has strings";
      break;
    }
    std::istringstream ids(line);
    for (int32_t id; ids >> id;) {
      c.ids.push_back(id);
    }
  }
  return cases;
}

// The tokenizer of ggml-vocab-NAME.gguf, built once per test program.
inline const core::Tokenizer& conformanceTokenizer(const std::string& name) {
  static std::map<std::string, std::unique_ptr<core::Tokenizer>> loaded;
  auto& slot = loaded[name];
  if (!slot) {
    slot = core::Tokenizer::fromGguf(core::GgufFile::open(vocabPath(name)));
  }
  return *slot;
}

} // namespace ws::test
