#include "core/thread_pool.h"

#include <algorithm>
#include <chrono>
#include <utility>

namespace ws::core {
namespace {

// How long a waiting thread polls before it sleeps (a worker between loops)
// or yields (the caller waiting for a chunk): long enough to catch the next
// loop of a decode step, short enough not to burn a core that other processes
// need. Measured by the clock, as the cost of a pause instruction varies
// tenfold between CPUs.
constexpr std::chrono::microseconds kSpinTime{30};

// Chunks per thread: enough that an unlucky thread's share is small.
constexpr int64_t kChunksPerThread = 4;

inline void cpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#else
  std::this_thread::yield();
#endif
}

// Reads the clock only every 64 polls.
class SpinDeadline {
public:
  SpinDeadline() : m_end(std::chrono::steady_clock::now() + kSpinTime) {}
  bool passed() const {
    if ((++m_polls & 63u) != 0) {
      return false;
    }
    return std::chrono::steady_clock::now() >= m_end;
  }

private:
  std::chrono::steady_clock::time_point m_end;
  mutable uint32_t m_polls = 0;
};

constexpr uint64_t generationOf(uint64_t work) {
  return work >> 32;
}
constexpr int64_t chunkOf(uint64_t work) {
  return static_cast<int64_t>(work & 0xFFFFFFFFu);
}
// The chunk index of a closed generation: above any loop's chunk count.
constexpr uint64_t kNoChunk = 0xFFFFFFFFu;

} // namespace

ThreadPool::ThreadPool(int threads) {
  if (threads <= 0) {
    threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  }
  m_workers.reserve(static_cast<size_t>(threads - 1));
  for (int i = 1; i < threads; ++i) {
    m_workers.emplace_back([this] { workerLoop(); });
  }
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard lock(m_sleepMutex);
    m_stopping.store(true);
  }
  m_wake.notify_all();
  for (auto& worker : m_workers) {
    worker.join();
  }
}

void ThreadPool::runChunks(uint64_t generation) {
  uint64_t work = m_work.load(std::memory_order_acquire);
  while (generationOf(work) == generation) {
    const int64_t chunk = chunkOf(work);
    if (chunk >= m_chunks.load(std::memory_order_acquire)) {
      return;
    }
    // Read the loop before claiming: if the claim succeeds the loop was still
    // running, so these were its values.
    const auto* body = m_body.load(std::memory_order_acquire);
    const int64_t count = m_count.load(std::memory_order_acquire);
    const int64_t chunkSize = m_chunkSize.load(std::memory_order_acquire);
    if (!m_work.compare_exchange_weak(work, work + 1, std::memory_order_acq_rel,
                                      std::memory_order_acquire)) {
      continue; // `work` now holds the current value
    }
    const int64_t begin = chunk * chunkSize;
    const int64_t end = std::min(count, begin + chunkSize);
    try {
      (*body)(begin, end);
    } catch (...) {
      std::lock_guard lock(m_errorMutex);
      if (!m_error) {
        m_error = std::current_exception();
      }
    }
    m_doneChunks.fetch_add(1, std::memory_order_acq_rel);
    work = m_work.load(std::memory_order_acquire);
  }
}

void ThreadPool::workerLoop() {
  uint64_t seen = 0;
  for (;;) {
    uint64_t generation = generationOf(m_work.load(std::memory_order_acquire));
    const SpinDeadline deadline;
    while (generation == seen && !deadline.passed()) {
      cpuRelax();
      generation = generationOf(m_work.load(std::memory_order_acquire));
    }
    if (generation == seen) {
      std::unique_lock lock(m_sleepMutex);
      m_sleepers.fetch_add(1);
      m_wake.wait(lock, [&] { return m_stopping.load() || generationOf(m_work.load()) != seen; });
      m_sleepers.fetch_sub(1);
      if (m_stopping.load()) {
        return;
      }
      generation = generationOf(m_work.load(std::memory_order_acquire));
    }
    if (m_stopping.load(std::memory_order_relaxed)) {
      return;
    }
    seen = generation;
    runChunks(generation);
  }
}

void ThreadPool::parallelFor(int64_t count, int64_t grain,
                             const std::function<void(int64_t begin, int64_t end)>& body) {
  if (count <= 0) {
    return;
  }
  grain = std::max<int64_t>(1, grain);
  if (m_workers.empty() || count <= grain) {
    body(0, count);
    return;
  }
  const int64_t maxChunks = std::min<int64_t>(count / grain, size() * kChunksPerThread);
  const int64_t chunkSize = (count + maxChunks - 1) / maxChunks;
  const int64_t chunks = (count + chunkSize - 1) / chunkSize;

  // First a generation with no chunk to claim: a worker still in the last
  // loop, past its last chunk, can then no longer claim a chunk of this loop
  // under the last loop's generation (it once did, having read this loop's
  // fields, and counted a stray chunk done, so the caller waited forever).
  // The fields are released after it: a worker that reads any of them sees
  // the closed generation in its claim.
  const uint64_t closed = generationOf(m_work.load(std::memory_order_relaxed)) + 1;
  m_work.store((closed << 32) | kNoChunk);
  m_body.store(&body, std::memory_order_release);
  m_count.store(count, std::memory_order_release);
  m_chunkSize.store(chunkSize, std::memory_order_release);
  m_chunks.store(chunks, std::memory_order_release);
  m_doneChunks.store(0, std::memory_order_relaxed);
  const uint64_t generation = closed + 1;
  m_work.store(generation << 32); // publishes the fields above
  if (m_sleepers.load() > 0) {
    { std::lock_guard lock(m_sleepMutex); }
    m_wake.notify_all();
  }

  runChunks(generation);
  const SpinDeadline deadline;
  while (m_doneChunks.load(std::memory_order_acquire) != chunks) {
    if (!deadline.passed()) {
      cpuRelax();
    } else {
      std::this_thread::yield();
    }
  }
  if (m_error) {
    std::rethrow_exception(std::exchange(m_error, nullptr));
  }
}

} // namespace ws::core
