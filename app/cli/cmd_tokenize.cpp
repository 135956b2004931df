// waferscope-cli tokenize: the token ids and pieces a model's tokenizer gives
// for a text, from any GGUF file with tokenizer.ggml.* metadata.
#include "app/cli/command.h"
#include "core/gguf.h"
#include "core/tokenizer.h"
#include "core/unicode.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace ws::cli {
namespace {

struct TokenizeArgs {
  std::string file;
  std::string text;
  bool json = false;
  bool special = false;
  bool bos = false;
};

// Bytes as readable text: valid UTF-8 characters stay, control characters
// and bytes that are not UTF-8 become escapes (\n, \t, \x0b, ...).
std::string escapePiece(std::string_view bytes) {
  std::string out;
  for (size_t pos = 0; pos < bytes.size();) {
    const core::unicode::Utf8Char c = core::unicode::decodeUtf8(bytes, pos);
    const auto byte = static_cast<uint8_t>(bytes[pos]);
    if (!c.valid || c.cp < 0x20 || c.cp == 0x7F) {
      switch (byte) {
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default: {
        char hex[8];
        std::snprintf(hex, sizeof hex, "\\x%02x", byte);
        out += hex;
      }
      }
    } else if (c.cp == '\\') {
      out += "\\\\";
    } else {
      out.append(bytes.substr(pos, c.length));
    }
    pos += c.length;
  }
  return out;
}

std::string_view typeName(core::TokenType type) {
  switch (type) {
  case core::TokenType::Normal:
    return "normal";
  case core::TokenType::Unknown:
    return "unknown";
  case core::TokenType::Control:
    return "control";
  case core::TokenType::UserDefined:
    return "user-defined";
  case core::TokenType::Unused:
    return "unused";
  case core::TokenType::Byte:
    return "byte";
  case core::TokenType::Undefined:
    break;
  }
  return "undefined";
}

void runTokenize(const TokenizeArgs& args) {
  const core::GgufFile file = core::GgufFile::open(args.file);
  const auto tokenizer = core::Tokenizer::fromGguf(file);
  const std::vector<int32_t> ids = tokenizer->encode(args.text, args.bos, args.special);

  if (args.json) {
    nlohmann::json tokens = nlohmann::json::array();
    for (const int32_t id : ids) {
      tokens.push_back({{"id", id},
                        {"piece", escapePiece(tokenizer->tokenToPiece(id))},
                        {"token", tokenizer->tokenText(id)},
                        {"type", typeName(tokenizer->tokenType(id))}});
    }
    const nlohmann::json out = {{"file", args.file},
                                {"model", tokenizer->vocab().model},
                                {"pre", tokenizer->vocab().pre},
                                {"vocab_size", tokenizer->vocabSize()},
                                {"count", ids.size()},
                                {"tokens", tokens}};
    std::printf("%s\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return;
  }
  std::printf("%zu tokens (%s tokenizer%s%s, %zu in vocabulary)\n", ids.size(),
              tokenizer->vocab().model.c_str(), tokenizer->vocab().pre.empty() ? "" : ", pre ",
              tokenizer->vocab().pre.c_str(), tokenizer->vocabSize());
  for (const int32_t id : ids) {
    const core::TokenType type = tokenizer->tokenType(id);
    const std::string piece = escapePiece(tokenizer->tokenToPiece(id));
    if (type == core::TokenType::Normal) {
      std::printf("%8d  \"%s\"\n", id, piece.c_str());
    } else {
      std::printf("%8d  \"%s\"  (%s)\n", id, piece.c_str(), std::string(typeName(type)).c_str());
    }
  }
}

const bool registered = registerCommand(
    "tokenize", "Show the token ids and pieces a model's tokenizer gives for a text",
    [](CLI::App& cmd) {
      auto args = std::make_shared<TokenizeArgs>();
      cmd.add_option("FILE", args->file, "GGUF file with tokenizer.ggml.* metadata")->required();
      cmd.add_option("TEXT", args->text, "Text to tokenize")->required();
      cmd.add_flag("--json", args->json, "Print JSON for scripts");
      cmd.add_flag("--special", args->special,
                   "Parse control-token texts (e.g. <|im_start|>) in TEXT as those tokens");
      cmd.add_flag("--bos", args->bos, "Add BOS/EOS as the vocabulary asks (add_bos_token, ...)");
      cmd.callback([args] { runTokenize(*args); });
    });

} // namespace
} // namespace ws::cli
