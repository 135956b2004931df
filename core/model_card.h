#pragma once
// Model cards: well-known models described by shape only (no weights), in
// assets/models/cards/NAME.json, each citing where its numbers come from and
// the parameter counts its publisher states, so tests can check the shape
// reproduces them. Keys (snake_case): name, architecture, layers, hidden_size,
// heads, kv_heads, head_dim, ffn_size, vocab_size, context_length, rope_theta,
// rope_scaling {type, factor, original_context_length}, rope_neox,
// rms_norm_eps, tied_embeddings, attention_qkv_bias, attention_out_bias,
// attention_sinks, qk_norm, experts, active_experts, expert_ffn_size,
// shared_experts, shared_expert_ffn_size, expert_bias, dense_layers,
// moe_layer_step (Llama 4's interleave_moe_layer_step), mla with
// q_lora_rank, kv_lora_rank, qk_nope_head_dim, qk_rope_head_dim and
// v_head_dim (multi-head latent attention; head_dim then defaults to
// qk_nope_head_dim + qk_rope_head_dim), weight_type and expert_weight_type
// (ggml type names; bytes per weight follows from them, each tensor class at
// its own), source, notes, and the published_* fields below.
// Unknown keys are an error (a typo must not silently fall back to a default).
#include "core/model_spec.h"

#include <filesystem>
#include <optional>
#include <string>

namespace ws::core {

struct ModelCard {
  ModelSpec spec;
  double publishedParamsB = 0; // total, billions
  std::string publishedParamsSource;
  std::optional<double> publishedActiveParamsB; // MoE: active per token, billions
  std::string publishedActiveParamsSource;
  // Publishers differ on whether the input embedding (a table lookup, no
  // multiply) counts as active: Mixtral and Qwen count it, gpt-oss does not.
  bool publishedActiveCountsInputEmbedding = true;
  // Some count neither embedding table as active (GLM-4.5/4.6's 32B).
  bool publishedActiveCountsOutputEmbedding = true;
  // Billions the published total counts that the card's shape does not model
  // (Llama 4's vision encoder and projector), with how they were counted.
  double publishedParamsNotModelledB = 0;
  std::string publishedParamsNotModelledSource;
  // Figures published as round numbers ("35B") are exact only to half this
  // unit (billions); 0 when the figure is given to 3+ significant digits.
  double publishedRoundingB = 0;
  std::string notes;
};

// Reads and validates a card. Throws FormatError naming the file and key.
ModelCard readModelCard(const std::filesystem::path& path);

// The active parameter count comparable to the card's published figure.
uint64_t publishedStyleActiveParams(const ModelCard& card);

} // namespace ws::core
