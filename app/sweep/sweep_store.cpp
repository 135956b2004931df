#include "app/sweep/sweep_store.h"

#include "app/run/atomic_file.h"
#include "app/sweep/point_eval.h"

#include <fmt/format.h>

#include <charconv>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace ws::sweep {
namespace {

namespace fs = std::filesystem;

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

} // namespace

SweepStore::SweepStore(fs::path dir, const SweepSpec& spec)
    : m_dir(std::move(dir)), m_spec(spec), m_columns(csvHeader(spec).size()) {
  std::error_code error;
  fs::create_directories(partsDir(), error);
  if (error) {
    throw SweepError(
        fmt::format("{}: cannot create the output folder: {}", m_dir.string(), error.message()));
  }
  const std::string canonical = spec.canonicalJson();
  if (fs::exists(specPath())) {
    if (readFile(specPath()) != canonical) {
      throw SweepError(fmt::format("{}: holds the results of a different sweep (its sweep.json "
                                   "differs from {}): choose another --out",
                                   m_dir.string(), spec.file()));
    }
  } else {
    app::writeTextAtomically(specPath(), canonical);
  }
}

std::map<uint64_t, std::string> SweepStore::finishedRows(const std::string& prefix) const {
  std::map<uint64_t, std::string> rows;
  std::error_code error;
  std::vector<std::string> fields;
  for (const auto& entry : fs::directory_iterator(partsDir(), error)) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() != ".csv" || name.rfind(prefix, 0) != 0) {
      continue;
    }
    const std::string text = readFile(entry.path());
    size_t start = 0;
    for (size_t end = text.find('\n'); end != std::string::npos;
         start = end + 1, end = text.find('\n', start)) {
      const std::string line = text.substr(start, end - start);
      if (!splitCsvLine(line, fields) || fields.size() != m_columns) {
        continue;
      }
      uint64_t point = 0;
      const auto [ptr, ec] =
          std::from_chars(fields[0].data(), fields[0].data() + fields[0].size(), point);
      if (ec != std::errc() || ptr != fields[0].data() + fields[0].size() ||
          point >= m_spec.pointCount()) {
        continue;
      }
      rows.emplace(point, line);
    }
  }
  return rows;
}

std::vector<uint64_t> SweepStore::pendingPoints() const {
  const std::map<uint64_t, std::string> done = finishedRows();
  std::vector<uint64_t> pending;
  auto it = done.begin();
  for (uint64_t i = 0; i < m_spec.pointCount(); ++i) {
    if (it != done.end() && it->first == i) {
      ++it;
    } else {
      pending.push_back(i);
    }
  }
  return pending;
}

uint64_t SweepStore::writeResults() const {
  const std::map<uint64_t, std::string> rows = finishedRows();
  std::string text;
  const std::vector<std::string> header = csvHeader(m_spec);
  for (size_t i = 0; i < header.size(); ++i) {
    text += (i == 0 ? "" : ",") + csvField(header[i]);
  }
  text += "\n";
  for (const auto& [point, row] : rows) {
    text += row;
    text += "\n";
  }
  app::writeTextAtomically(resultsPath(), text);
  return m_spec.pointCount() - rows.size();
}

PartWriter::PartWriter(const fs::path& path) : m_path(path) {
  // A kill can leave a partial last line: cut the file back to its last line end.
  std::error_code error;
  if (fs::exists(path, error)) {
    const std::string text = readFile(path);
    const size_t keep = text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1;
    if (keep != text.size()) {
      fs::resize_file(path, keep, error);
    }
  }
  m_file = std::fopen(path.c_str(), "ab");
  if (m_file == nullptr) {
    throw std::runtime_error(path.string() + ": cannot be opened for writing");
  }
}

PartWriter::~PartWriter() {
  if (m_file != nullptr) {
    std::fclose(m_file);
  }
}

void PartWriter::append(const std::string& row) {
  const std::string line = row + "\n";
  if (std::fwrite(line.data(), 1, line.size(), m_file) != line.size() || std::fflush(m_file) != 0) {
    throw std::runtime_error(m_path.string() + ": write failed (disk full?)");
  }
}

} // namespace ws::sweep
