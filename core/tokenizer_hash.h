#pragma once
// Open-addressing hash tables for the tokenizers' hot lookups (token text ->
// id, word -> cached ids, token pair -> merge). std::unordered_map chases a
// pointer per probe; these keep 8- or 16-byte slots in one flat array.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace ws::core {

// A fast non-cryptographic hash of a byte string (multiply-xorshift mixing,
// 8 bytes per step).
inline uint64_t hashBytes(std::string_view s) {
  constexpr uint64_t kMul1 = 0x9E3779B97F4A7C15ull;
  constexpr uint64_t kMul2 = 0xC2B2AE3D27D4EB4Full;
  uint64_t h = (s.size() + 1) * kMul1;
  const char* p = s.data();
  size_t n = s.size();
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    h = (h ^ v) * kMul2;
    h ^= h >> 29;
  }
  uint64_t tail = 0;
  std::memcpy(&tail, p, n);
  h = (h ^ tail) * kMul1;
  h ^= h >> 32;
  h *= kMul2;
  h ^= h >> 29;
  return h;
}

// Byte strings -> non-negative int32 values. The keys are not stored: the
// caller's keyOf(value) returns the key a stored value was inserted under.
class TextIndex {
public:
  template <typename KeyOf> int32_t find(std::string_view key, const KeyOf& keyOf) const {
    if (m_slots.empty()) {
      return -1;
    }
    const auto hash = static_cast<uint32_t>(hashBytes(key));
    for (size_t i = hash & m_mask;; i = (i + 1) & m_mask) {
      const Slot& slot = m_slots[i];
      if (slot.value < 0) {
        return -1;
      }
      if (slot.hash == hash && keyOf(slot.value) == key) {
        return slot.value;
      }
    }
  }

  // Adds value under key; a key present already keeps its value unless
  // `replace`.
  template <typename KeyOf>
  void insert(std::string_view key, int32_t value, bool replace, const KeyOf& keyOf) {
    if ((m_size + 1) * 2 > m_slots.size()) {
      grow();
    }
    const auto hash = static_cast<uint32_t>(hashBytes(key));
    for (size_t i = hash & m_mask;; i = (i + 1) & m_mask) {
      Slot& slot = m_slots[i];
      if (slot.value < 0) {
        slot = {hash, value};
        ++m_size;
        return;
      }
      if (slot.hash == hash && keyOf(slot.value) == key) {
        if (replace) {
          slot.value = value;
        }
        return;
      }
    }
  }

  void reserve(size_t count) {
    while (count * 2 > m_slots.size()) {
      grow();
    }
  }
  size_t size() const { return m_size; }

private:
  struct Slot {
    uint32_t hash;
    int32_t value; // -1: empty
  };
  void grow() {
    std::vector<Slot> old = std::move(m_slots);
    m_slots.assign(old.empty() ? 16 : old.size() * 2, Slot{0, -1});
    m_mask = m_slots.size() - 1;
    for (const Slot& slot : old) {
      if (slot.value >= 0) {
        size_t i = slot.hash & m_mask;
        while (m_slots[i].value >= 0) {
          i = (i + 1) & m_mask;
        }
        m_slots[i] = slot;
      }
    }
  }

  std::vector<Slot> m_slots;
  size_t m_mask = 0;
  size_t m_size = 0;
};

// The ids of the pieces (words, segments) one encode call has already
// encoded: text repeats its words, and each is encoded once. The pieces are
// views into the text being encoded, which must outlive the cache.
class PieceIdCache {
public:
  // Appends the ids of `piece` to out, calling encode(piece, ids) to append
  // them to `ids` the first time the piece is seen.
  template <typename Encode>
  void append(std::string_view piece, std::vector<int32_t>& out, const Encode& encode) {
    const auto pieceOf = [this](int32_t index) { return m_entries[index].piece; };
    if (const int32_t index = m_index.find(piece, pieceOf); index >= 0) {
      const Entry& hit = m_entries[index];
      out.insert(out.end(), m_ids.begin() + hit.begin, m_ids.begin() + hit.end);
      return;
    }
    const size_t begin = m_ids.size();
    encode(piece, m_ids);
    m_entries.push_back({piece, begin, m_ids.size()});
    m_index.insert(piece, static_cast<int32_t>(m_entries.size() - 1), false, pieceOf);
    out.insert(out.end(), m_ids.begin() + static_cast<std::ptrdiff_t>(begin), m_ids.end());
  }

private:
  struct Entry {
    std::string_view piece;
    size_t begin; // [begin, end) in m_ids
    size_t end;
  };
  std::vector<Entry> m_entries;
  TextIndex m_index; // piece -> index in m_entries
  std::vector<int32_t> m_ids;
};

// uint64 keys -> a small trivially copyable value; the first insert of a key
// wins.
template <typename Value> class PairIndex {
public:
  const Value* find(uint64_t key) const {
    if (m_slots.empty()) {
      return nullptr;
    }
    for (size_t i = mix(key) & m_mask;; i = (i + 1) & m_mask) {
      const Slot& slot = m_slots[i];
      if (!slot.used) {
        return nullptr;
      }
      if (slot.key == key) {
        return &slot.value;
      }
    }
  }

  void insert(uint64_t key, const Value& value) {
    if ((m_size + 1) * 2 > m_slots.size()) {
      rehash(m_slots.empty() ? 16 : m_slots.size() * 2);
    }
    place(key, value);
  }

  void reserve(size_t count) {
    size_t capacity = m_slots.empty() ? 16 : m_slots.size();
    while (count * 2 > capacity) {
      capacity *= 2;
    }
    if (capacity != m_slots.size()) {
      rehash(capacity);
    }
  }

private:
  struct Slot {
    uint64_t key;
    Value value;
    bool used;
  };
  static uint64_t mix(uint64_t key) {
    key ^= key >> 33;
    key *= 0xFF51AFD7ED558CCDull;
    key ^= key >> 33;
    return key;
  }
  void place(uint64_t key, const Value& value) {
    for (size_t i = mix(key) & m_mask;; i = (i + 1) & m_mask) {
      Slot& slot = m_slots[i];
      if (!slot.used) {
        slot = {key, value, true};
        ++m_size;
        return;
      }
      if (slot.key == key) {
        return;
      }
    }
  }
  void rehash(size_t capacity) {
    std::vector<Slot> old = std::move(m_slots);
    m_slots.assign(capacity, Slot{0, Value{}, false});
    m_mask = capacity - 1;
    m_size = 0;
    for (const Slot& slot : old) {
      if (slot.used) {
        place(slot.key, slot.value);
      }
    }
  }

  std::vector<Slot> m_slots;
  size_t m_mask = 0;
  size_t m_size = 0;
};

} // namespace ws::core
