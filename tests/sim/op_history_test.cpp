#include "sim/op_history.h"

#include <gtest/gtest.h>

namespace ws::sim {
namespace {

OpEvent op(int region, int index, int64_t token, double start, double end) {
  OpEvent event;
  event.region = region;
  event.op = index;
  event.token = token;
  event.prefill = token == 0;
  event.startCycle = start;
  event.endCycle = end;
  return event;
}

TEST(OpHistoryTest, FindsTheOpEachRegionRunsAtAMoment) {
  OpHistory history;
  history.onOp(op(0, 0, 0, 0, 10));
  history.onOp(op(1, 0, 0, 10, 20));
  history.onOp(op(0, 1, 1, 20, 30));
  history.onOp(op(1, 2, 1, 25, 40));
  EXPECT_EQ(history.opsIn(5, 5, 2), (std::vector<int>{0, -1}));
  EXPECT_EQ(history.opsIn(15, 15, 2), (std::vector<int>{-1, 0}));
  EXPECT_EQ(history.opsIn(27, 27, 2), (std::vector<int>{1, 2}));
  EXPECT_EQ(history.opsIn(100, 100, 2), (std::vector<int>{-1, -1}));
}

TEST(OpHistoryTest, FindsTheLatestOpOfEachRegionInAWindow) {
  OpHistory history;
  history.onOp(op(0, 0, 0, 0, 10));
  history.onOp(op(1, 0, 0, 10, 20));
  history.onOp(op(0, 1, 1, 20, 30));
  history.onOp(op(0, 3, 1, 30, 35));
  history.onOp(op(1, 2, 1, 25, 40));
  EXPECT_EQ(history.opsIn(0, 40, 2), (std::vector<int>{3, 2}));
  EXPECT_EQ(history.opsIn(0, 12, 2), (std::vector<int>{0, 0}));
  EXPECT_EQ(history.opsIn(41, 50, 2), (std::vector<int>{-1, -1}));
}

TEST(OpHistoryTest, DropsTheOldestTokensBeyondItsBound) {
  OpHistory history(4);
  for (int64_t token = 0; token < 10; ++token) {
    history.onOp(op(0, 0, token, double(token) * 10, double(token) * 10 + 5));
    history.onOp(op(1, 1, token, double(token) * 10 + 5, double(token) * 10 + 10));
  }
  EXPECT_LE(history.recordCount(), 4u);
  EXPECT_EQ(history.opsIn(2, 2, 2), (std::vector<int>{-1, -1}));  // dropped
  EXPECT_EQ(history.opsIn(92, 92, 2), (std::vector<int>{0, -1})); // kept
}

} // namespace
} // namespace ws::sim
