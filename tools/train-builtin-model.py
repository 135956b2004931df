#!/usr/bin/python3
"""Train Waferscope's built-in coding model and export it.

A small llama-architecture model is trained with PyTorch (on the CPU, or on
a GPU with --device cuda) on the permissively licensed Python sources Debian
installs here (the standard library, NumPy and PyTorch; see CORPUS_ROOTS),
with its own SentencePiece BPE tokenizer. The trained weights are written as a
.safetensors file with llama.cpp GGUF tensor names plus a JSON sidecar holding
the GGUF metadata; `waferscope-cli convert` then writes the GGUF with the
project's writer. PyTorch reference logits and greedy continuations for a few
fixed prompts go to assets/models/reference/ for the C++ tests.

Run with Debian's interpreter (python3-torch, python3-numpy,
python3-sentencepiece), from the repository root:

  /usr/bin/python3 tools/train-builtin-model.py --cli build/app/waferscope-cli

Stages are cached under tools/.train-cache/ (git-ignored); --export-only
re-exports from the final checkpoint without training again.

With --draft it trains the built-in model's draft for speculative decoding
instead (a smaller model, same corpus, same tokenizer) and writes
assets/models/builtin-draft.gguf; the C++ reference data are not rewritten.
"""
import argparse
import base64
import ctypes
import dataclasses
import hashlib
import json
import math
import os
import re
import struct
import subprocess
import sys
import time
from pathlib import Path

# Debian's OpenBLAS (libopenblas0-pthread) starts its own thread per core
# beside torch's, which set_num_threads does not reach: on the 2-core build
# machine that oversubscription cost a third of the speed (1,100 against
# 1,630 tokens/s, measured 2026-12-01). Pin it before the libraries load.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

# glibc hands freed blocks above its trim/top-pad limits back to the kernel,
# so every step's activations come back as fresh pages; on the 2026-12-01
# build machine those page faults halved the speed (897 against 1,556
# tokens/s on one thread). Keep freed memory in the heap instead.
_libc = ctypes.CDLL("libc.so.6")
_libc.mallopt(-1, 1 << 30)  # M_TRIM_THRESHOLD
_libc.mallopt(-2, 64 << 20)  # M_TOP_PAD
_libc.mallopt(-3, 32 << 20)  # M_MMAP_THRESHOLD (glibc's maximum)

import numpy as np
import sentencepiece as spm
import torch
import torch.nn.functional as F

REPO = Path(__file__).resolve().parent.parent
SEED = 1234

# Corpus: permissively licensed Python sources that Debian installs, as
# (root, what it is, licence). Paths in the file list are relative to
# CORPUS_BASE, so they name their package.
CORPUS_BASE = Path("/usr/lib")
CORPUS_ROOTS = (
    (CORPUS_BASE / "python3.11", "Python 3.11 standard library", "PSF-2.0"),
    (CORPUS_BASE / "python3/dist-packages/numpy", "NumPy (python3-numpy)", "BSD-3-Clause"),
    (CORPUS_BASE / "python3/dist-packages/torch", "PyTorch (python3-torch)",
     "BSD-3-Clause; 5 files MIT, 1 file Apache-2.0"),
)
# SPDX expression of the corpus licences, the GGUF's general.license.
CORPUS_LICENSE = "PSF-2.0 AND BSD-3-Clause AND MIT AND Apache-2.0"
# Directories left out: test suites (not library code, and partly data), the
# third-party package directories, byte-code caches and the build config.
EXCLUDED_DIRS = {"test", "tests", "testing", "idle_test", "site-packages", "dist-packages", "__pycache__"}
# Files Debian adds or generates at build time: not part of the PSF-licensed
# CPython source tree.
EXCLUDED_FILES = {"_distutils_system_mod.py", "sitecustomize.py"}
EXCLUDED_PREFIXES = ("_sysconfigdata",)
# Data, not code: generated tables that were 23 % of the standard library's
# tokens (digits are single tokens) and taught the model hex literals instead
# of Python. Left out: Sphinx's help texts, the HTML entity table, torch's
# CUDA-to-HIP name table and every codec module holding a character table.
EXCLUDED_DATA_FILES = ("python3.11/pydoc_data/topics.py", "python3.11/html/entities.py",
                       "python3/dist-packages/torch/utils/hipify/cuda_to_hip_mappings.py")
CODEC_TABLE = re.compile(r"^(decoding_table|encoding_map|decoding_map)\s*=", re.MULTILINE)
VALIDATION_EVERY = 40  # every 40th file in sorted order is held out
SPACE_SPLIT_PROBABILITY = 0.15  # see split_space_prefixes
PROMPT_ROWS = 4  # rows per training batch that start like a prompt: see prompt_rows

# Model hyper-parameters (llama architecture). The vocabulary and context are
# shared by both models: the draft proposes tokens that the built-in model
# checks, so it must use the same tokenizer, token for token.
VOCAB = 4096
CONTEXT = 128
ROPE_BASE = 10000.0
RMS_EPS = 1e-5


@dataclasses.dataclass(frozen=True)
class Preset:
    """One model this script trains: its shape and where it goes."""

    name: str  # file stem under assets/models/ and in the cache
    description: str
    dim: int
    n_layers: int
    n_heads: int
    n_kv_heads: int
    ffn: int
    cache_prefix: str  # of its checkpoint and log in the cache

    @property
    def head_dim(self):
        return self.dim // self.n_heads


BUILTIN = Preset("builtin-coder", "Small Python code model trained by tools/train-builtin-model.py",
                 dim=256, n_layers=4, n_heads=8, n_kv_heads=4, ffn=768, cache_prefix="")
# The built-in model's draft for speculative decoding: about a fifth of its
# multiply-adds per token, so that K draft steps cost less than the target
# steps they save.
DRAFT = Preset("builtin-draft", "Draft model of builtin-coder for speculative decoding, trained by "
               "tools/train-builtin-model.py --draft on the same corpus with the same tokenizer",
               dim=128, n_layers=2, n_heads=4, n_kv_heads=2, ffn=384, cache_prefix="draft-")

# Reference prompts for the C++ tests; the README samples use the last three.
REFERENCE_PROMPTS = {
    "function": "def parse_header(line):\n    \"\"\"Split a header line into name and value.\"\"\"\n",
    "class": "class Counter:\n    def __init__(self, start=0):\n        self.value = start\n",
    "imports": "import os\nimport sys\n\n\ndef main(argv):\n",
}
GREEDY_TOKENS = 64


def log(msg, logfile=None):
    line = f"[{time.strftime('%H:%M:%S')}] {msg}"
    print(line, flush=True)
    if logfile is not None:
        with open(logfile, "a", encoding="utf-8") as f:
            f.write(line + "\n")


# ---------------------------------------------------------------- corpus


def corpus_files():
    """Sorted paths of the corpus files below CORPUS_BASE (the exact selection rule)."""
    files = []
    for root, _, _ in CORPUS_ROOTS:
        for path in root.rglob("*.py"):
            rel = path.relative_to(root)
            if any(part in EXCLUDED_DIRS or part.startswith("config-") for part in rel.parts[:-1]):
                continue
            if rel.name in EXCLUDED_FILES or rel.name.startswith(EXCLUDED_PREFIXES):
                continue
            try:
                text = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue
            name = path.relative_to(CORPUS_BASE).as_posix()
            if name in EXCLUDED_DATA_FILES or CODEC_TABLE.search(text):
                continue
            files.append(name)
    return sorted(files)


def split_corpus(files):
    train = [f for i, f in enumerate(files) if i % VALIDATION_EVERY != VALIDATION_EVERY - 1]
    valid = [f for i, f in enumerate(files) if i % VALIDATION_EVERY == VALIDATION_EVERY - 1]
    return train, valid


def read(rel):
    return (CORPUS_BASE / rel).read_text(encoding="utf-8")


# ------------------------------------------------------------- tokenizer


def train_tokenizer(cache, train_files):
    prefix = cache / "tokenizer"
    if (cache / "tokenizer.model").exists():
        return spm.SentencePieceProcessor(model_file=str(cache / "tokenizer.model"))
    text_path = cache / "tokenizer-input.txt"
    with open(text_path, "w", encoding="utf-8") as f:
        for rel in train_files:
            f.write(read(rel))
            f.write("\n")
    spm.set_random_generator_seed(SEED)
    spm.SentencePieceTrainer.train(
        input=str(text_path),
        model_prefix=str(prefix),
        model_type="bpe",
        vocab_size=VOCAB,
        byte_fallback=True,
        split_digits=True,
        # Code keeps its whitespace: no normalisation, no collapsing of spaces,
        # indentation runs may become pieces of their own.
        normalization_rule_name="identity",
        remove_extra_whitespaces=False,
        allow_whitespace_only_pieces=True,
        # No dummy space before the text: GGUF says add_space_prefix=false.
        add_dummy_prefix=False,
        character_coverage=1.0,
        max_sentence_length=16384,
        unk_id=0,
        bos_id=1,
        eos_id=2,
        pad_id=-1,
        num_threads=2,
        minloglevel=2,
    )
    text_path.unlink()
    return spm.SentencePieceProcessor(model_file=str(cache / "tokenizer.model"))


def encode_files(sp, files):
    """One token stream: BOS + file + EOS for each file, in order."""
    ids = []
    for rel in files:
        ids.append(sp.bos_id())
        ids.extend(sp.encode(read(rel)))
        ids.append(sp.eos_id())
    return np.array(ids, dtype=np.int64)


def split_space_prefixes(sp, ids, probability):
    """Rewrites a random share of the tokens "▁word" as "▁" + "word".

    A prompt ending in a space ("def ") encodes to a lone "▁" token, which
    the plain token stream almost never follows with a word; these rewritten
    pairs teach the model how such prompts continue.
    """
    space = sp.piece_to_id("▁")
    rest = np.full(sp.get_piece_size(), -1, dtype=np.int64)
    for i in range(sp.get_piece_size()):
        piece = sp.id_to_piece(i)
        if len(piece) > 1 and piece[0] == "▁" and piece[1] != "▁" and not sp.is_control(i):
            j = sp.piece_to_id(piece[1:])
            if j != sp.unk_id() and j != space:
                rest[i] = j
    rng = np.random.default_rng(SEED)
    chosen = (rest[ids] >= 0) & (rng.random(len(ids)) < probability)
    out = np.empty(len(ids) + int(chosen.sum()), dtype=np.int64)
    # Each chosen token becomes two: shift the positions after it by one.
    positions = np.arange(len(ids)) + np.cumsum(chosen) - chosen
    out[positions] = np.where(chosen, space, ids)
    out[positions[chosen] + 1] = rest[ids[chosen]]
    return out


# ----------------------------------------------------------------- model


class RMSNorm(torch.nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + RMS_EPS) * self.weight


def rope_tables(n_pos, head_dim):
    inv_freq = ROPE_BASE ** (-torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim)
    angles = torch.arange(n_pos, dtype=torch.float64)[:, None] * inv_freq[None, :]
    return torch.cos(angles).float(), torch.sin(angles).float()


def apply_rope(x, cos, sin):
    """llama.cpp's "normal" RoPE (arch llama): rotate pairs (x[2i], x[2i+1])."""
    b, t, h, d = x.shape
    pairs = x.reshape(b, t, h, d // 2, 2)
    x0, x1 = pairs[..., 0], pairs[..., 1]
    c = cos[:t, None, :]
    s = sin[:t, None, :]
    return torch.stack((x0 * c - x1 * s, x0 * s + x1 * c), dim=-1).reshape(b, t, h, d)


class Block(torch.nn.Module):
    def __init__(self, preset):
        super().__init__()
        dim, hd = preset.dim, preset.head_dim
        self.n_heads, self.n_kv_heads, self.head_dim = preset.n_heads, preset.n_kv_heads, hd
        self.attn_norm = RMSNorm(dim)
        self.wq = torch.nn.Linear(dim, preset.n_heads * hd, bias=False)
        self.wk = torch.nn.Linear(dim, preset.n_kv_heads * hd, bias=False)
        self.wv = torch.nn.Linear(dim, preset.n_kv_heads * hd, bias=False)
        self.wo = torch.nn.Linear(preset.n_heads * hd, dim, bias=False)
        self.ffn_norm = RMSNorm(dim)
        self.w_gate = torch.nn.Linear(dim, preset.ffn, bias=False)
        self.w_up = torch.nn.Linear(dim, preset.ffn, bias=False)
        self.w_down = torch.nn.Linear(preset.ffn, dim, bias=False)

    def forward(self, x, cos, sin, mask):
        b, t, dim = x.shape
        h = self.attn_norm(x)
        q = apply_rope(self.wq(h).view(b, t, self.n_heads, self.head_dim), cos, sin)
        k = apply_rope(self.wk(h).view(b, t, self.n_kv_heads, self.head_dim), cos, sin)
        v = self.wv(h).view(b, t, self.n_kv_heads, self.head_dim)
        # Query head i reads KV head i // (n_heads / n_kv_heads), as llama.cpp.
        group = self.n_heads // self.n_kv_heads
        k = k.repeat_interleave(group, dim=2)
        v = v.repeat_interleave(group, dim=2)
        q, k, v = (z.transpose(1, 2) for z in (q, k, v))
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(self.head_dim) + mask[:t, :t]
        attn = torch.softmax(scores, dim=-1) @ v
        x = x + self.wo(attn.transpose(1, 2).reshape(b, t, dim))
        h = self.ffn_norm(x)
        return x + self.w_down(F.silu(self.w_gate(h)) * self.w_up(h))


class Llama(torch.nn.Module):
    def __init__(self, preset):
        super().__init__()
        self.preset = preset
        self.tok_embeddings = torch.nn.Embedding(VOCAB, preset.dim)
        self.layers = torch.nn.ModuleList(Block(preset) for _ in range(preset.n_layers))
        self.norm = RMSNorm(preset.dim)
        cos, sin = rope_tables(CONTEXT, preset.head_dim)
        self.register_buffer("cos", cos, persistent=False)
        self.register_buffer("sin", sin, persistent=False)
        mask = torch.full((CONTEXT, CONTEXT), float("-inf")).triu(1)
        self.register_buffer("mask", mask, persistent=False)
        for name, p in self.named_parameters():
            if p.dim() == 2:
                std = 0.02
                if name.endswith("wo.weight") or name.endswith("w_down.weight"):
                    std = 0.02 / math.sqrt(2 * preset.n_layers)
                torch.nn.init.normal_(p, mean=0.0, std=std)

    def forward(self, ids):
        x = self.tok_embeddings(ids)
        for layer in self.layers:
            x = layer(x, self.cos, self.sin, self.mask)
        # Tied output head: the embedding matrix projects back to the vocabulary.
        return self.norm(x) @ self.tok_embeddings.weight.t()


def gguf_tensors(model):
    """(GGUF name, float32 tensor) in llama.cpp's naming; tied head, no output.weight."""
    out = [("token_embd.weight", model.tok_embeddings.weight)]
    for i, layer in enumerate(model.layers):
        out += [
            (f"blk.{i}.attn_norm.weight", layer.attn_norm.weight),
            (f"blk.{i}.attn_q.weight", layer.wq.weight),
            (f"blk.{i}.attn_k.weight", layer.wk.weight),
            (f"blk.{i}.attn_v.weight", layer.wv.weight),
            (f"blk.{i}.attn_output.weight", layer.wo.weight),
            (f"blk.{i}.ffn_norm.weight", layer.ffn_norm.weight),
            (f"blk.{i}.ffn_gate.weight", layer.w_gate.weight),
            (f"blk.{i}.ffn_up.weight", layer.w_up.weight),
            (f"blk.{i}.ffn_down.weight", layer.w_down.weight),
        ]
    out.append(("output_norm.weight", model.norm.weight))
    return [(name, t.detach().float().contiguous()) for name, t in out]


# -------------------------------------------------------------- training


def lr_at(step, steps, peak, warmup):
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = (step - warmup) / max(1, steps - warmup)
    return peak * (0.1 + 0.9 * 0.5 * (1.0 + math.cos(math.pi * progress)))


@torch.no_grad()
def evaluate(model, data, batch, n_batches):
    model.eval()
    g = torch.Generator().manual_seed(SEED + 1)
    device = next(model.parameters()).device
    total = 0.0
    for _ in range(n_batches):
        x, y = (z.to(device) for z in sample_batch(data, batch, g))
        total += F.cross_entropy(model(x).view(-1, VOCAB), y.view(-1)).item()
    model.train()
    return total / n_batches


def sample_batch(data, batch, generator):
    starts = torch.randint(0, len(data) - CONTEXT - 1, (batch,), generator=generator)
    x = torch.stack([data[s : s + CONTEXT] for s in starts])
    y = torch.stack([data[s + 1 : s + CONTEXT + 1] for s in starts])
    return x, y


def top_level_line_starts(sp, ids):
    """Positions of the first token of each unindented, non-blank line."""
    newline = sp.piece_to_id("<0x0A>")
    opens_line = np.array([not (sp.id_to_piece(i).startswith("▁") or sp.is_byte(i) or sp.is_control(i))
                           for i in range(sp.get_piece_size())])
    after_newline = np.zeros(len(ids), dtype=bool)
    after_newline[1:] = ids[:-1] == newline
    starts = np.nonzero(after_newline & opens_line[ids])[0]
    return torch.from_numpy(starts[starts + CONTEXT <= len(ids)])


def prompt_rows(data, line_starts, bos, rows, generator):
    """Rows of BOS followed by code from the start of a top-level line.

    Users prompt with a fragment ("def ", "class Foo:") right after BOS, but
    the plain windows show BOS only before a file's first line (licence
    headers, docstrings): after BOS + "def " the model had learnt nothing
    better than a name from a module's first lines. These rows put BOS in
    front of ordinary code.
    """
    starts = line_starts[torch.randint(0, len(line_starts), (rows,), generator=generator)]
    x = torch.stack([torch.cat((torch.tensor([bos]), data[s : s + CONTEXT - 1])) for s in starts])
    y = torch.stack([data[s : s + CONTEXT] for s in starts])
    return x, y


def training_batch(data, line_starts, bos, batch, generator):
    x, y = sample_batch(data, batch - PROMPT_ROWS, generator)
    px, py = prompt_rows(data, line_starts, bos, PROMPT_ROWS, generator)
    return torch.cat((x, px)), torch.cat((y, py))


def native_bf16():
    """Whether the CPU has bf16 dot products (AVX512-BF16 or AMX); without
    them bf16 brings no speed-up to rely on, so training stays float32."""
    with open("/proc/cpuinfo", encoding="utf-8") as f:
        flags = next((line.split(":", 1)[1].split() for line in f if line.startswith("flags")), [])
    return "avx512_bf16" in flags or "amx_bf16" in flags


def run_config(args, preset):
    """What a checkpoint must match to be resumed."""
    return {"steps": args.steps, "batch": args.batch, "seed": args.seed, "lr": args.lr, "warmup": args.warmup,
            "model": [VOCAB, preset.dim, preset.n_layers, preset.n_heads, preset.n_kv_heads, preset.ffn, CONTEXT],
            "split": SPACE_SPLIT_PROBABILITY, "prompt_rows": PROMPT_ROWS, "precision": args.precision,
            "device": args.device}


def train(args, preset, cache, train_ids, line_starts, bos, valid_ids, logfile):
    torch.manual_seed(args.seed)
    # Initialised on the CPU, then moved: the same seed gives the same weights
    # on either device, and batches are drawn on the CPU in the same order.
    model = Llama(preset).to(args.device)
    decay = [p for p in model.parameters() if p.dim() == 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
        lr=args.lr,
        betas=(0.9, 0.95),
    )
    gen = torch.Generator().manual_seed(args.seed)
    start = 0
    ckpt = cache / f"{preset.cache_prefix}checkpoint.pt"
    if ckpt.exists() and not args.trial:
        state = torch.load(ckpt, map_location="cpu")
        if state.get("config") == run_config(args, preset):
            model.load_state_dict(state["model"])
            opt.load_state_dict(state["opt"])
            gen.set_state(state["gen"])
            start = state["step"]
            log(f"resumed at step {start}", logfile)
    n_params = sum(p.numel() for p in model.parameters())
    log(f"parameters {n_params}, train tokens {len(train_ids)}, valid tokens {len(valid_ids)}", logfile)
    t0 = time.time()
    for step in range(start, args.steps):
        for group in opt.param_groups:
            group["lr"] = lr_at(step, args.steps, args.lr, args.warmup)
        x, y = (z.to(args.device) for z in training_batch(train_ids, line_starts, bos, args.batch, gen))
        # Mixed precision: matrix products in bf16, weights, optimiser state
        # and the loss in float32.
        with torch.autocast(args.device, dtype=torch.bfloat16, enabled=args.precision == "bf16"):
            logits = model(x)
        loss = F.cross_entropy(logits.float().view(-1, VOCAB), y.view(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if step % 10 == 0 or step == args.steps - 1:
            elapsed = time.time() - t0
            tok_s = (step + 1 - start) * args.batch * CONTEXT / elapsed
            log(f"step {step} loss {loss.item():.4f} lr {opt.param_groups[0]['lr']:.2e} "
                f"{tok_s:.0f} tok/s elapsed {elapsed:.0f}s", logfile)
        last = step == args.steps - 1
        if not args.trial and ((step + 1) % args.eval_every == 0 or last):
            log(f"step {step} valid loss {evaluate(model, valid_ids, args.batch, 4):.4f}", logfile)
            torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "gen": gen.get_state(),
                        "step": step + 1, "config": run_config(args, preset)}, ckpt)
    log(f"training done in {time.time() - t0:.0f}s", logfile)
    return model


# ---------------------------------------------------------------- export


def write_safetensors(path, tensors):
    """safetensors by hand: u64 LE header length, JSON header, raw LE data."""
    header, offset, blobs = {}, 0, []
    for name, t in tensors:
        blob = t.numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    head = json.dumps(header, separators=(",", ":")).encode()
    head += b" " * (-len(head) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for blob in blobs:
            f.write(blob)


def token_type(sp, i):
    # llama.cpp's llama_token_type: 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte.
    if sp.is_unknown(i):
        return 2
    if sp.is_control(i):
        return 3
    if sp.is_unused(i):
        return 5
    if sp.is_byte(i):
        return 6
    return 1


def gguf_metadata(sp, preset, corpus_rule):
    def kv(key, type_, value, element_type=None):
        entry = {"key": key, "type": type_, "value": value}
        if element_type:
            entry["element_type"] = element_type
        return entry

    n = sp.get_piece_size()
    return {"metadata": [
        kv("general.architecture", "string", "llama"),
        kv("general.name", "string", f"waferscope-{preset.name}"),
        kv("general.description", "string", preset.description),
        kv("general.license", "string", CORPUS_LICENSE),
        kv("general.source.url", "string", corpus_rule),
        kv("llama.vocab_size", "uint32", n),
        kv("llama.context_length", "uint32", CONTEXT),
        kv("llama.embedding_length", "uint32", preset.dim),
        kv("llama.block_count", "uint32", preset.n_layers),
        kv("llama.feed_forward_length", "uint32", preset.ffn),
        kv("llama.attention.head_count", "uint32", preset.n_heads),
        kv("llama.attention.head_count_kv", "uint32", preset.n_kv_heads),
        kv("llama.rope.dimension_count", "uint32", preset.head_dim),
        kv("llama.rope.freq_base", "float32", ROPE_BASE),
        kv("llama.attention.layer_norm_rms_epsilon", "float32", RMS_EPS),
        kv("tokenizer.ggml.model", "string", "llama"),
        kv("tokenizer.ggml.tokens", "array", [sp.id_to_piece(i) for i in range(n)], "string"),
        kv("tokenizer.ggml.scores", "array", [sp.get_score(i) for i in range(n)], "float32"),
        kv("tokenizer.ggml.token_type", "array", [token_type(sp, i) for i in range(n)], "int32"),
        kv("tokenizer.ggml.bos_token_id", "uint32", sp.bos_id()),
        kv("tokenizer.ggml.eos_token_id", "uint32", sp.eos_id()),
        kv("tokenizer.ggml.unknown_token_id", "uint32", sp.unk_id()),
        kv("tokenizer.ggml.add_bos_token", "bool", True),
        kv("tokenizer.ggml.add_eos_token", "bool", False),
        kv("tokenizer.ggml.add_space_prefix", "bool", False),
    ]}


def fp16_rounded(model):
    """A copy whose matrices are rounded to fp16, as stored in the F16 GGUF;
    1-D norm weights stay float32 there, as in llama.cpp's F16 files."""
    ref = Llama(model.preset)
    ref.load_state_dict(model.state_dict())
    with torch.no_grad():
        for p in ref.parameters():
            if p.dim() == 2:
                p.copy_(p.half().float())
    ref.eval()
    return ref


@torch.no_grad()
def greedy(model, ids, n):
    ids = list(ids)
    margins = []
    for _ in range(n):
        logits = model(torch.tensor([ids]))[0, -1]
        top2 = torch.topk(logits, 2).values
        margins.append((top2[0] - top2[1]).item())
        ids.append(int(torch.argmax(logits)))
    return ids, margins


def write_references(sp, ref_model, out_dir):
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, prompt in REFERENCE_PROMPTS.items():
        ids = [sp.bos_id()] + sp.encode(prompt)
        with torch.no_grad():
            logits = ref_model(torch.tensor([ids]))[0].numpy().astype("<f4")
        full, margins = greedy(ref_model, ids, GREEDY_TOKENS)
        cont = full[len(ids):]
        doc = {
            "description": "PyTorch float32 forward on the fp16-rounded weights of builtin-coder.gguf",
            "prompt": prompt,
            "prompt_ids": ids,
            "n_vocab": VOCAB,
            "logits_shape": [len(ids), VOCAB],
            "logits_f32le_base64": base64.b64encode(logits.tobytes()).decode(),
            "greedy_ids": cont,
            "greedy_text": sp.decode(cont),
            "greedy_min_top2_margin": min(margins),
        }
        with open(out_dir / f"{name}.json", "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")
        log(f"reference {name}: {len(ids)} prompt tokens, min greedy margin {min(margins):.4f}")


def samples(sp, ref_model):
    for prompt in ("def ", "import ", "class "):
        ids = [sp.bos_id()] + sp.encode(prompt)
        full, _ = greedy(ref_model, ids, GREEDY_TOKENS)
        print(f"----- {prompt!r}\n{prompt}{sp.decode(full[len(ids):])}\n")


def export(args, preset, cache, sp, model, corpus_rule):
    tensors = gguf_tensors(model)
    st_path = cache / f"{preset.name}.safetensors"
    meta_path = cache / f"{preset.name}.metadata.json"
    write_safetensors(st_path, tensors)
    with open(meta_path, "w", encoding="utf-8") as f:
        json.dump(gguf_metadata(sp, preset, corpus_rule), f, ensure_ascii=False, indent=0)
    log(f"wrote {st_path} and {meta_path}")
    ref = fp16_rounded(model)
    # The C++ engine's reference data are the built-in model's; the draft is
    # checked through speculative decoding against it.
    if preset is BUILTIN:
        write_references(sp, ref, REPO / "assets/models/reference")
    samples(sp, ref)
    if args.cli:
        out = REPO / f"assets/models/{preset.name}.gguf"
        cmd = [args.cli, "convert", str(st_path), "--metadata", str(meta_path), "--type", "f16", "-o", str(out)]
        log(" ".join(cmd))
        subprocess.run(cmd, check=True)
        log(f"wrote {out} ({out.stat().st_size} bytes)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cli", help="waferscope-cli used to write the GGUF (omit to skip the GGUF)")
    ap.add_argument("--cache", default=str(REPO / "tools/.train-cache"))
    ap.add_argument("--draft", action="store_true",
                    help=f"train the built-in model's draft for speculative decoding ({DRAFT.n_layers} layers, "
                    f"hidden {DRAFT.dim}) instead of the built-in model")
    ap.add_argument("--steps", type=int, default=9000)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--eval-every", type=int, default=250)
    # Both cores: with OpenBLAS pinned and the heap kept (above), 2 threads
    # train at 2,266 tokens/s against 1,422 on one (2026-12-01 build machine).
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--precision", choices=("auto", "bf16", "fp32"), default="auto",
                    help="matrix products in training; auto: bf16 on a GPU and where the CPU has bf16 dot "
                    "products (3.4x faster than fp32 on the 2026-12-01 build machine)")
    ap.add_argument("--device", choices=("cpu", "cuda"), default="cpu",
                    help="where to train; export and the reference data always run on the CPU")
    ap.add_argument("--corpus-list",
                    help="take the corpus file list from this corpus-files.txt of an earlier run instead of "
                    "scanning the corpus roots (for a machine without the corpus; its tokenizer and token "
                    "stream must then be in the cache)")
    ap.add_argument("--seed", type=int, default=SEED,
                    help="initialisation and batch order (the corpus and tokenizer always use %(default)s)")
    ap.add_argument("--trial", action="store_true", help="time a few steps only; nothing is saved")
    ap.add_argument("--export-only", action="store_true", help="export the final checkpoint")
    args = ap.parse_args()
    if args.batch <= PROMPT_ROWS:
        ap.error(f"--batch must be above the {PROMPT_ROWS} prompt-like rows per batch")

    preset = DRAFT if args.draft else BUILTIN
    if args.precision == "auto":
        args.precision = "bf16" if args.device == "cuda" or native_bf16() else "fp32"
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    logfile = cache / f"{preset.cache_prefix}train.log"

    # Debian's python3-torch calls libblas.so.3: the reference BLAS unless
    # libopenblas0-pthread is installed (about 10x slower matrix products).
    with open("/proc/self/maps", encoding="utf-8") as maps:
        blas = sorted({line.split()[-1] for line in maps if "blas" in line})
    log(f"{preset.name}: torch {torch.__version__}, {args.device}, {args.threads} threads, {args.precision}, "
        f"BLAS {' '.join(blas)}", logfile)

    if args.corpus_list:
        files = Path(args.corpus_list).read_text(encoding="utf-8").splitlines()
    else:
        files = corpus_files()
    train_files, valid_files = split_corpus(files)
    digest = hashlib.sha256("\n".join(files).encode()).hexdigest()[:16]
    roots = "; ".join(f"{root}/**/*.py ({what}, {licence})" for root, what, licence in CORPUS_ROOTS)
    corpus_rule = (f"{roots}; without {'/'.join(sorted(EXCLUDED_DIRS))}/config-* dirs, Debian-added files "
                   f"and data tables ({', '.join(EXCLUDED_DATA_FILES)}, codec tables); {len(files)} files, "
                   f"list sha256 {digest}")
    log(f"corpus: {corpus_rule}; {len(train_files)} train, {len(valid_files)} validation", logfile)
    # Tokenizer, token stream and checkpoints belong to one corpus selection.
    cache = cache / f"corpus-{digest}"
    cache.mkdir(exist_ok=True)
    with open(cache / "corpus-files.txt", "w", encoding="utf-8") as f:
        f.write("\n".join(files) + "\n")

    ids_path = cache / f"tokens-split{SPACE_SPLIT_PROBABILITY}.npz"
    if args.corpus_list and not ((cache / "tokenizer.model").exists() and ids_path.exists()):
        ap.error(f"--corpus-list needs {cache / 'tokenizer.model'} and {ids_path}")
    sp = train_tokenizer(cache, train_files)
    if ids_path.exists():
        # Stored as int64 here, or as uint16 (the vocabulary fits) to carry it
        # to another machine.
        data = np.load(ids_path)
        train_np, valid_np = data["train"].astype(np.int64), data["valid"].astype(np.int64)
    else:
        train_np = split_space_prefixes(sp, encode_files(sp, train_files), SPACE_SPLIT_PROBABILITY)
        valid_np = encode_files(sp, valid_files)
        np.savez(ids_path, train=train_np, valid=valid_np)
    train_ids, valid_ids = torch.from_numpy(train_np), torch.from_numpy(valid_np)

    if args.export_only:
        model = Llama(preset)
        state = torch.load(cache / f"{preset.cache_prefix}checkpoint.pt", map_location="cpu")
        model.load_state_dict(state["model"])
    else:
        line_starts = top_level_line_starts(sp, train_np)
        log(f"{len(line_starts)} top-level line starts for the prompt-like rows", logfile)
        model = train(args, preset, cache, train_ids, line_starts, sp.bos_id(), valid_ids, logfile)
        if args.trial:
            return
        log(f"final valid loss {evaluate(model, valid_ids, args.batch, 16):.4f}", logfile)
        model = model.cpu()
    export(args, preset, cache, sp, model, corpus_rule)


if __name__ == "__main__":
    main()
