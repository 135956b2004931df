#pragma once
// The check every output option (--report, --trace, --heatmap, -o) runs when
// the command line is parsed, so an unwritable path fails in a second, before
// any long work, instead of after it.
#include <CLI/CLI.hpp>

#include <string>

namespace ws::cli {

// "" when `path` can be created or overwritten as a file; otherwise the
// problem, naming the path ("out/: is a directory, not a file").
std::string outputFileProblem(const std::string& path);

// The same as a CLI11 validator: ->check(writableOutputFile()).
CLI::Validator writableOutputFile();

} // namespace ws::cli
