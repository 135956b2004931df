#pragma once
// Writes a file so that readers see either the old file or the whole new one:
// the content goes to a temporary file in the same directory, which is then
// renamed over the target.
#include <filesystem>
#include <functional>
#include <string_view>

namespace ws::app {

// `write` fills the temporary path it is given. On any exception the
// temporary file is removed and the exception propagates; a failed rename
// throws std::runtime_error naming the target.
void writeFileAtomically(const std::filesystem::path& target,
                         const std::function<void(const std::filesystem::path& temp)>& write);
// The same for text held in memory.
void writeTextAtomically(const std::filesystem::path& target, std::string_view text);

} // namespace ws::app
