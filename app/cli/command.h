#pragma once
// The subcommand registry of waferscope-cli. Each cmd_*.cpp registers itself:
//
//   static const bool registered = ws::cli::registerCommand(
//       "inspect", "Show a model file's metadata and tensors",
//       [](CLI::App& cmd) { /* add options; cmd.callback(...) does the work */ });
//
// A callback reports bad input by throwing (any std::exception): main() prints
// it as one line "waferscope-cli: error: ..." and exits 1.
#include <CLI/CLI.hpp>

#include <functional>
#include <string>

namespace ws::cli {

using CommandSetup = std::function<void(CLI::App& command)>;

bool registerCommand(std::string name, std::string description, CommandSetup setup);

} // namespace ws::cli
