"""A tiny llama model folder in the format mlx-lm loads: config, random weights, tokenizer."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}</s>{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)


def write_tiny_mlx_llama(folder: Path, *, hidden: int = 32, layers: int = 2, seed: int = 0) -> Path:
    """Write config.json, model.safetensors and a byte-level tokenizer; return folder."""
    from safetensors.numpy import save_file
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    folder.mkdir(parents=True, exist_ok=True)
    alphabet = pre_tokenizers.ByteLevel.alphabet()
    specials = ["<unk>", "<s>", "</s>", "<|system|>", "<|user|>", "<|assistant|>"]
    vocab = {token: i for i, token in enumerate(specials + sorted(alphabet))}
    tokenizer = Tokenizer(models.BPE(vocab=vocab, merges=[], unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.add_special_tokens(specials)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, bos_token="<s>", eos_token="</s>", unk_token="<unk>"
    )
    fast.chat_template = CHAT_TEMPLATE
    fast.save_pretrained(str(folder))

    n_vocab, n_ff, heads = len(vocab), hidden * 2, 4
    config = {
        "model_type": "llama",
        "hidden_size": hidden,
        "num_hidden_layers": layers,
        "intermediate_size": n_ff,
        "num_attention_heads": heads,
        "num_key_value_heads": heads,
        "rms_norm_eps": 1e-5,
        "vocab_size": n_vocab,
        "rope_theta": 10000.0,
        "max_position_embeddings": 1024,
        "tie_word_embeddings": False,
        "bos_token_id": 1,
        "eos_token_id": 2,
    }
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    rng = np.random.default_rng(seed)

    def w(*shape: int) -> np.ndarray:
        return rng.normal(0, 0.05, shape).astype(np.float32)

    weights = {
        "model.embed_tokens.weight": w(n_vocab, hidden),
        "lm_head.weight": w(n_vocab, hidden),
    }
    weights["model.norm.weight"] = np.ones(hidden, np.float32)
    for i in range(layers):
        prefix = f"model.layers.{i}"
        for name in ("q_proj", "k_proj", "v_proj", "o_proj"):
            weights[f"{prefix}.self_attn.{name}.weight"] = w(hidden, hidden)
        weights[f"{prefix}.mlp.gate_proj.weight"] = w(n_ff, hidden)
        weights[f"{prefix}.mlp.up_proj.weight"] = w(n_ff, hidden)
        weights[f"{prefix}.mlp.down_proj.weight"] = w(hidden, n_ff)
        weights[f"{prefix}.input_layernorm.weight"] = np.ones(hidden, np.float32)
        weights[f"{prefix}.post_attention_layernorm.weight"] = np.ones(hidden, np.float32)
    save_file(weights, str(folder / "model.safetensors"), metadata={"format": "mlx"})
    return folder
