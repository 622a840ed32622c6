"""A tiny llama-architecture GGUF with random weights and a byte-level vocabulary.

Enough for llama.cpp to load it and to generate under a JSON-schema grammar:
the vocabulary is <unk>, <s>, </s>, the SentencePiece space, the printable ASCII
characters, and the 256 byte tokens (<0x0A>...) that SentencePiece falls back to
for anything else (newlines, accents) in a prompt. Note: llama.cpp's grammar
check sees a byte token's "<0x0A>" spelling, so byte tokens can put control
characters inside a constrained JSON string; the add-on's validation catches them.
"""

from __future__ import annotations

from pathlib import Path

import gguf
import numpy as np


def write_tiny_llama(path: Path, *, n_embd: int = 32, n_layer: int = 2, seed: int = 0) -> Path:
    """Write the model file and return its path."""
    rng = np.random.default_rng(seed)
    n_head, n_ff, n_ctx = 4, 64, 512
    chars = ["\u2581"] + [chr(c) for c in range(0x21, 0x7F)]
    tokens = [b"<unk>", b"<s>", b"</s>"] + [c.encode() for c in chars]
    tokens += [f"<0x{i:02X}>".encode() for i in range(256)]
    types = [gguf.TokenType.UNKNOWN, gguf.TokenType.CONTROL, gguf.TokenType.CONTROL]
    types += [gguf.TokenType.NORMAL] * len(chars) + [gguf.TokenType.BYTE] * 256
    n_vocab = len(tokens)

    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_name("aisthos-tiny-test")
    writer.add_context_length(n_ctx)
    writer.add_embedding_length(n_embd)
    writer.add_block_count(n_layer)
    writer.add_feed_forward_length(n_ff)
    writer.add_head_count(n_head)
    writer.add_head_count_kv(n_head)
    writer.add_rope_dimension_count(n_embd // n_head)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)
    writer.add_tokenizer_model("llama")
    writer.add_token_list(tokens)
    writer.add_token_scores([0.0] * n_vocab)
    writer.add_token_types(types)
    writer.add_bos_token_id(1)
    writer.add_eos_token_id(2)
    writer.add_unk_token_id(0)
    writer.add_add_bos_token(True)
    writer.add_add_eos_token(False)

    def tensor(name: str, *shape: int, scale: float = 0.05) -> None:
        writer.add_tensor(name, (rng.normal(0, scale, shape)).astype(np.float32))

    tensor("token_embd.weight", n_vocab, n_embd)
    for i in range(n_layer):
        writer.add_tensor(f"blk.{i}.attn_norm.weight", np.ones(n_embd, np.float32))
        for part in ("attn_q", "attn_k", "attn_v", "attn_output"):
            tensor(f"blk.{i}.{part}.weight", n_embd, n_embd)
        writer.add_tensor(f"blk.{i}.ffn_norm.weight", np.ones(n_embd, np.float32))
        tensor(f"blk.{i}.ffn_gate.weight", n_ff, n_embd)
        tensor(f"blk.{i}.ffn_up.weight", n_ff, n_embd)
        tensor(f"blk.{i}.ffn_down.weight", n_embd, n_ff)
    writer.add_tensor("output_norm.weight", np.ones(n_embd, np.float32))
    tensor("output.weight", n_vocab, n_embd)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path
