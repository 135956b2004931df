#pragma once
// Hugging Face config.json -> ModelSpec. Understands the llama, mistral,
// qwen2, qwen3, qwen3_moe, mixtral and gpt_oss model types (their key names:
// num_hidden_layers, hidden_size, num_attention_heads, num_key_value_heads,
// head_dim, intermediate_size, moe_intermediate_size, num_experts /
// num_local_experts, num_experts_per_tok, rope_theta, rope_scaling, ...).
#include "core/model_spec.h"

#include <nlohmann/json_fwd.hpp>

#include <string>

namespace ws::core {

// `source` names the file in errors and becomes ModelSpec::source. Throws
// FormatError (file = source) for a missing or mistyped required key.
ModelSpec modelSpecFromHfConfigJson(const nlohmann::json& config, const std::string& source);

// Bytes per weight for a torch_dtype string ("bfloat16" -> 2), or 0 if unknown.
double bytesPerWeightForTorchDtype(const std::string& dtype);

} // namespace ws::core
