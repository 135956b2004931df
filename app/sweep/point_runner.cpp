#include "app/sweep/point_runner.h"

#include "app/sweep/point_eval.h"

#include <algorithm>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>

namespace ws::sweep {

uint64_t runPoints(const SweepSpec& spec, const SweepStore& store,
                   const std::vector<uint64_t>& points, const PointRunOptions& options) {
  const int threads = std::max(1, std::min<int>(options.threads, int(points.size())));
  std::atomic<size_t> next{0};
  std::atomic<uint64_t> done{0};
  std::mutex mutex; // serialises progress and the first error
  std::exception_ptr failure;
  auto work = [&](int thread) {
    try {
      PointEvaluator evaluator(spec);
      PartWriter writer(store.partsDir() /
                        (options.partPrefix + "-" + std::to_string(thread) + ".csv"));
      while (!(options.stop != nullptr && options.stop->load())) {
        const size_t i = next.fetch_add(1);
        if (i >= points.size()) {
          break;
        }
        writer.append(evaluator.evaluate(points[i]));
        const uint64_t n = done.fetch_add(1) + 1;
        if (options.progress) {
          std::lock_guard lock(mutex);
          options.progress(n);
        }
      }
    } catch (...) {
      // Only writing can fail here (a point's own errors are rows): stop all.
      std::lock_guard lock(mutex);
      if (!failure) {
        failure = std::current_exception();
      }
      next = points.size();
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) {
    pool.emplace_back(work, t);
  }
  work(0);
  for (std::thread& t : pool) {
    t.join();
  }
  if (failure) {
    std::rethrow_exception(failure);
  }
  return done.load();
}

} // namespace ws::sweep
