#pragma once
// Thread-ownership checks that stay on in every build (an assert is compiled
// out of the builds that run): calling a thread-owned method from another
// thread logs where and who, then aborts, so tests and users see the bug at
// its source instead of as a data race later. One comparison of thread ids.
#include <source_location>
#include <thread>

namespace ws::core {

// Prints "waferscope: thread check failed at FILE:LINE (FUNCTION): WHAT" to
// stderr and aborts.
[[noreturn]] void threadCheckFailed(const char* what, const std::source_location& where);

// Aborts through threadCheckFailed unless the calling thread is `owner`.
inline void requireThread(std::thread::id owner, const char* what,
                          const std::source_location& where = std::source_location::current()) {
  if (std::this_thread::get_id() != owner) [[unlikely]] {
    threadCheckFailed(what, where);
  }
}

} // namespace ws::core
