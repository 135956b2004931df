#include "app/cli/command.h"

#include <cstdio>
#include <exception>
#include <vector>

namespace ws::cli {
namespace {
struct RegisteredCommand {
  std::string name;
  std::string description;
  CommandSetup setup;
};
// Function-local static: registrars in other translation units run before main
// in unspecified order, so the list must be built on first use.
std::vector<RegisteredCommand>& registry() {
  static std::vector<RegisteredCommand> commands;
  return commands;
}
} // namespace

bool registerCommand(std::string name, std::string description, CommandSetup setup) {
  registry().push_back({std::move(name), std::move(description), std::move(setup)});
  return true;
}

} // namespace ws::cli

int main(int argc, char** argv) {
  CLI::App app{"waferscope-cli: run coding models on a simulated wafer-scale chip, headless"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "waferscope-cli 0.1.0");
  for (auto& command : ws::cli::registry()) {
    CLI::App* sub = app.add_subcommand(command.name, command.description);
    command.setup(*sub);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) {
      return app.exit(e); // --help, --version
    }
    // A bad argument is bad input like any other: one line, exit 1.
    std::fprintf(stderr, "waferscope-cli: error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "waferscope-cli: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
