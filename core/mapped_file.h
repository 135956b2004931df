#pragma once
// A whole file mapped read-only into memory. Movable, not copyable; the bytes
// stay at the same address for the object's lifetime, moves included.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>

namespace ws::core {

class MappedFile {
public:
  // Throws FormatError naming the file when it cannot be opened or mapped.
  static MappedFile open(const std::filesystem::path& path);

  MappedFile() = default;
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  const std::filesystem::path& path() const { return m_path; }
  const std::byte* data() const { return m_data; }
  uint64_t size() const { return m_size; }
  std::span<const std::byte> bytes() const { return {m_data, static_cast<size_t>(m_size)}; }

private:
  void release() noexcept;

  std::filesystem::path m_path;
  const std::byte* m_data = nullptr;
  uint64_t m_size = 0;
};

} // namespace ws::core
