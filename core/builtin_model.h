#pragma once
#include <filesystem>
#include <string>

namespace ws::core {

// The model the app runs out of the box: assetsDir()/models/builtin-coder.gguf.
std::filesystem::path builtinModelPath();

// "builtin" resolves to builtinModelPath(); anything else is taken as a path.
std::filesystem::path resolveModelPath(const std::string& nameOrPath);

// The built-in model's draft for speculative decoding, trained with the same
// tokenizer: assetsDir()/models/builtin-draft.gguf.
std::filesystem::path builtinDraftModelPath();

// A draft model named for the target at `targetPath`: "builtin" resolves to
// builtinDraftModelPath() when the target is the built-in model and throws
// std::invalid_argument otherwise (it drafts no other vocabulary); anything
// else is taken as a path.
std::filesystem::path resolveDraftModelPath(const std::string& nameOrPath,
                                            const std::filesystem::path& targetPath);

} // namespace ws::core
