#include "core/thread_check.h"

#include <cstdio>
#include <cstdlib>

namespace ws::core {

void threadCheckFailed(const char* what, const std::source_location& where) {
  std::fprintf(stderr, "waferscope: thread check failed at %s:%u (%s): %s\n", where.file_name(),
               unsigned(where.line()), where.function_name(), what);
  std::fflush(stderr);
  std::abort();
}

} // namespace ws::core
