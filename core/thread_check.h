#pragma once
// Thread-ownership checks that stay on in every build (an assert is compiled
// out of the builds that run): calling a thread-owned method from another
// thread logs where and who, then aborts, so tests and users see the bug at
// its source instead of as a data race later. One comparison of thread ids.
#include <thread>

namespace ws::core {

// Where a check was called from (the __builtin_* defaults work in GCC and in
// clang 14, which has no std::source_location with libstdc++ 12).
struct CallSite {
  // Default arguments: evaluated where CallSite() is, i.e. at the checked call.
  explicit CallSite(const char* file = __builtin_FILE(), int line = __builtin_LINE(),
                    const char* function = __builtin_FUNCTION())
      : file(file), line(line), function(function) {}
  const char* file;
  int line;
  const char* function;
};

// Prints "waferscope: thread check failed at FILE:LINE (FUNCTION): WHAT" to
// stderr and aborts.
[[noreturn]] void threadCheckFailed(const char* what, const CallSite& where);

// Aborts through threadCheckFailed unless the calling thread is `owner`.
inline void requireThread(std::thread::id owner, const char* what,
                          const CallSite& where = CallSite()) {
  if (std::this_thread::get_id() != owner) [[unlikely]] {
    threadCheckFailed(what, where);
  }
}

} // namespace ws::core
