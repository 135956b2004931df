#include "app/session/frame_buffer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace ws::app {
namespace {

std::shared_ptr<const Frame> frameWithSerial(uint64_t serial) {
  auto frame = std::make_shared<Frame>();
  frame->serial = serial;
  return frame;
}

TEST(FrameBufferTest, TakeGivesNothingBeforeAPublish) {
  FrameBuffer buffer;
  EXPECT_EQ(buffer.take(), nullptr);
}

TEST(FrameBufferTest, TakeGivesTheNewestFrameOnce) {
  FrameBuffer buffer;
  buffer.publish(frameWithSerial(1));
  buffer.publish(frameWithSerial(2));
  buffer.publish(frameWithSerial(3));
  auto frame = buffer.take();
  ASSERT_NE(frame, nullptr);
  EXPECT_EQ(frame->serial, 3u);
  EXPECT_EQ(buffer.take(), nullptr);
  buffer.publish(frameWithSerial(4));
  EXPECT_EQ(buffer.take()->serial, 4u);
}

TEST(FrameBufferTest, ConsumerSeesIncreasingSerialsWhileAProducerPublishes) {
  FrameBuffer buffer;
  constexpr uint64_t kFrames = 20000;
  std::thread producer([&] {
    for (uint64_t i = 1; i <= kFrames; ++i) {
      buffer.publish(frameWithSerial(i));
    }
  });
  uint64_t last = 0;
  while (last < kFrames) {
    if (auto frame = buffer.take()) {
      ASSERT_GT(frame->serial, last);
      last = frame->serial;
    }
  }
  producer.join();
  EXPECT_EQ(last, kFrames);
}

} // namespace
} // namespace ws::app
