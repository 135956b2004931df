#pragma once
// The output folder of a sweep, shared by every backend:
//   DIR/sweep.json      the canonical sweep (SweepSpec::canonicalJson); a
//                       rerun with a different sweep is refused
//   DIR/parts/*.csv     rows as they finish, one file per writer (a thread of
//                       the local backend, a Slurm task), appended and
//                       flushed row by row, so an interrupted run keeps every
//                       finished point and a rerun skips them
//   DIR/results.csv     the merged table, sorted by point, written atomically
//                       once every point has a row
#include "app/sweep/sweep_spec.h"

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace ws::sweep {

class SweepStore {
public:
  // Creates DIR (and DIR/parts) and writes DIR/sweep.json, or checks that the
  // one there is this sweep. Throws SweepError naming DIR otherwise.
  SweepStore(std::filesystem::path dir, const SweepSpec& spec);

  const std::filesystem::path& dir() const { return m_dir; }
  std::filesystem::path partsDir() const { return m_dir / "parts"; }
  std::filesystem::path resultsPath() const { return m_dir / "results.csv"; }
  std::filesystem::path specPath() const { return m_dir / "sweep.json"; }

  // Point -> row of every complete row in the part files whose names start
  // with `prefix` ("" = all). A row cut short by a kill (no line end, wrong
  // number of fields) is not a row.
  std::map<uint64_t, std::string> finishedRows(const std::string& prefix = "") const;
  // Points without a row, ascending.
  std::vector<uint64_t> pendingPoints() const;
  // Writes DIR/results.csv (header and every finished row, by point)
  // atomically; returns the number of points that have no row (0: complete).
  uint64_t writeResults() const;

private:
  std::filesystem::path m_dir;
  const SweepSpec& m_spec;
  size_t m_columns;
};

// Appends rows to one part file, flushing each, so a killed process loses at
// most the row it was writing. Opening drops a partial last line left by an
// earlier kill.
class PartWriter {
public:
  explicit PartWriter(const std::filesystem::path& path);
  ~PartWriter();
  PartWriter(const PartWriter&) = delete;
  PartWriter& operator=(const PartWriter&) = delete;
  void append(const std::string& row);

private:
  std::filesystem::path m_path;
  std::FILE* m_file = nullptr;
};

} // namespace ws::sweep
