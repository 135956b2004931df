#pragma once
// A small persistent pool for data-parallel loops (matrix-vector products over
// rows, attention over heads). Workers live as long as the pool, so a decode
// step's hundreds of short loops pay no thread start-up. Work is handed out
// in chunks claimed from a shared counter, and the calling thread claims
// chunks too: when a worker is slow to be scheduled (a busy machine), the
// caller does its share instead of waiting for it. Between loops workers spin
// briefly, then sleep.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ws::core {

class ThreadPool {
public:
  // `threads` counts the calling thread; 0 means std::thread::hardware_concurrency().
  explicit ThreadPool(int threads = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(m_workers.size()) + 1; }

  // Calls body(begin, end) over disjoint ranges covering [0, count), each at
  // least `grain` long (except the last), on this thread and the workers;
  // returns when every range is done. count <= grain runs inline. The first
  // exception thrown by a body is rethrown here (other ranges still run).
  // One loop at a time per pool; a body must not call parallelFor on it.
  void parallelFor(int64_t count, int64_t grain,
                   const std::function<void(int64_t begin, int64_t end)>& body);

private:
  void workerLoop();
  // Claims and runs chunks of loop `generation` until none are left.
  void runChunks(uint64_t generation);

  std::vector<std::thread> m_workers;
  std::mutex m_sleepMutex;
  std::condition_variable m_wake;
  std::atomic<int> m_sleepers{0};
  std::atomic<bool> m_stopping{false};

  // (loop generation << 32) | next unclaimed chunk. A chunk is claimed by a
  // compare-exchange that also checks the generation, so a late worker can
  // never take a chunk of a loop that has finished.
  std::atomic<uint64_t> m_work{0};
  // The current loop, written before its generation is published in m_work.
  std::atomic<const std::function<void(int64_t, int64_t)>*> m_body{nullptr};
  std::atomic<int64_t> m_count{0};
  std::atomic<int64_t> m_chunkSize{1};
  std::atomic<int64_t> m_chunks{0};
  std::atomic<int64_t> m_doneChunks{0};
  std::exception_ptr m_error;
  std::mutex m_errorMutex;
};

} // namespace ws::core
