#include "core/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <vector>

namespace ws::core {
namespace {

TEST(ThreadPoolTest, CoversEveryIndexExactlyOnce) {
  for (int threads : {1, 2, 3, 5}) {
    ThreadPool pool(threads);
    EXPECT_EQ(pool.size(), threads);
    for (int64_t count : {1, 7, 16, 100, 1001}) {
      for (int64_t grain : {1, 4, 16, 2000}) {
        std::vector<std::atomic<int>> hits(static_cast<size_t>(count));
        pool.parallelFor(count, grain, [&](int64_t begin, int64_t end) {
          EXPECT_LE(0, begin);
          EXPECT_LT(begin, end);
          EXPECT_LE(end, count);
          for (int64_t i = begin; i < end; ++i) {
            hits[static_cast<size_t>(i)].fetch_add(1);
          }
        });
        for (int64_t i = 0; i < count; ++i) {
          ASSERT_EQ(hits[static_cast<size_t>(i)].load(), 1)
              << "threads " << threads << " count " << count << " grain " << grain << " i " << i;
        }
      }
    }
  }
}

TEST(ThreadPoolTest, DefaultUsesAllCores) {
  ThreadPool pool;
  EXPECT_EQ(pool.size(), static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
}

TEST(ThreadPoolTest, ZeroCountRunsNothing) {
  ThreadPool pool(2);
  bool called = false;
  pool.parallelFor(0, 1, [&](int64_t, int64_t) { called = true; });
  EXPECT_FALSE(called);
}

TEST(ThreadPoolTest, RethrowsAWorkersException) {
  ThreadPool pool(2);
  EXPECT_THROW(pool.parallelFor(100, 1,
                                [](int64_t begin, int64_t) {
                                  if (begin > 0) {
                                    throw std::runtime_error("share failed");
                                  }
                                }),
               std::runtime_error);
  // The pool still works afterwards.
  std::atomic<int64_t> sum{0};
  pool.parallelFor(100, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      sum += i;
    }
  });
  EXPECT_EQ(sum.load(), 4950);
}

TEST(ThreadPoolTest, ManyShortLoopsInARow) {
  ThreadPool pool(2);
  std::atomic<int64_t> total{0};
  for (int round = 0; round < 300; ++round) {
    pool.parallelFor(64, 1, [&](int64_t begin, int64_t end) { total += end - begin; });
  }
  EXPECT_EQ(total.load(), 300 * 64);
}

// A loop of few chunks followed by one of many: a worker still in the first
// loop, past its last chunk, must not claim a chunk of the second with the
// first one's counter (it once ran a stray chunk of the new loop and counted
// it done, so the caller waited forever for its own count).
TEST(ThreadPoolTest, AShortLoopThenALongOneRunsEachIndexOnce) {
  ThreadPool pool(3);
  std::vector<std::atomic<int>> hits(64);
  int64_t expected = 0;
  for (int round = 0; round < 1000000; ++round) {
    const int64_t count = round % 2 == 0 ? 2 : 64;
    expected += count;
    pool.parallelFor(count, 1, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        ++hits[static_cast<size_t>(i)];
      }
    });
  }
  int64_t total = 0;
  for (const auto& h : hits) {
    total += h.load();
  }
  EXPECT_EQ(total, expected);
  EXPECT_EQ(hits[63].load(), 500000);
  EXPECT_EQ(hits[0].load(), 1000000);
}

} // namespace
} // namespace ws::core
