#include "core/thread_check.h"

#include <cstdio>
#include <cstdlib>

namespace ws::core {

void threadCheckFailed(const char* what, const CallSite& where) {
  std::fprintf(stderr, "waferscope: thread check failed at %s:%d (%s): %s\n", where.file,
               where.line, where.function, what);
  std::fflush(stderr);
  std::abort();
}

} // namespace ws::core
