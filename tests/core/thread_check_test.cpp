#include "core/thread_check.h"

#include <gtest/gtest.h>

#include <thread>

namespace ws::core {
namespace {

TEST(ThreadCheck, PassesOnTheOwningThread) {
  requireThread(std::this_thread::get_id(), "owner");
}

// Active in every build type: no NDEBUG can turn it off.
TEST(ThreadCheckDeathTest, AbortsWithWhereAndWhatOnAnotherThread) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  std::thread::id other;
  std::thread([&other] { other = std::this_thread::get_id(); }).join();
  EXPECT_DEATH(requireThread(other, "worker method on the UI thread"),
               "thread check failed at .*thread_check_test.cpp:[0-9]+ .*: worker method on the UI "
               "thread");
}

} // namespace
} // namespace ws::core
