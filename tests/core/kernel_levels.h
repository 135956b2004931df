#pragma once
// Runs a test body at every kernel level (KernelIsa) this CPU supports and
// says in the test's output which levels ran and which the CPU lacks, so a
// machine without AVX-512 (or AVX2) shows what it did not cover.
#include "core/tensor_ops.h"

#include <gtest/gtest.h>

#include <iostream>
#include <string>

namespace ws::test {

// body(isa) with `isa` active, for each supported level in increasing order;
// the level in use before is restored after.
template <class Body> void forEachKernelLevel(const std::string& what, Body&& body) {
  const core::KernelIsa original = core::activeKernelIsa();
  std::string covered;
  std::string lacking;
  for (core::KernelIsa isa : core::kKernelIsas) {
    std::string& list = core::cpuSupports(isa) ? covered : lacking;
    list += (list.empty() ? "" : ", ") + std::string(core::kernelIsaName(isa));
    if (!core::cpuSupports(isa)) {
      continue;
    }
    core::setKernelIsa(isa);
    SCOPED_TRACE(std::string("kernel level ") + core::kernelIsaName(isa));
    body(isa);
  }
  core::setKernelIsa(original);
  std::cout << what << ": kernel levels covered: " << covered;
  if (!lacking.empty()) {
    std::cout << "; NOT covered, this CPU lacks them: " << lacking;
  }
  std::cout << "\n";
}

} // namespace ws::test
