"""A tiny random-weight llama model with a real BPE tokenizer, built in seconds for backend tests."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

# ChatML, the template Qwen uses: the backends see the same kind of prompt as with a real model.
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
HIDDEN = 64
LAYERS = 2
HEADS = 4
INTERMEDIATE = 128

# Enough varied text for the BPE to learn some merges, including JSON punctuation.
_CORPUS = [
    "The user is writing a paper about sparse attention in transformers.",
    "The user prefers dark mode and edits Python in Visual Studio Code.",
    'Answer with only a JSON object: {"propositions": [{"text": "...", "confidence": 0.7}]}',
    "system: you infer facts about the user from what is on their screen.",
    "assistant: {\"name\": \"value\", \"count\": 3, \"items\": [1, 2, 3], \"ok\": true}",
    "Firefox, Terminal, Slack and Zotero were open between 9 and 11 in the morning.",
    "0123456789 abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ .,;:!?'\"()[]{}<>/\\-_=+*&^%$#@~`|",
]


def build_tiny_mlx_model(directory: Path, vocab_size: int = 512, seed: int = 0) -> Path:
    """Write tokenizer.json, tokenizer_config.json, config.json and model.safetensors into ``directory``.

    The result loads with ``mlx_lm.load(directory)`` (and with transformers'
    AutoTokenizer). Weights are random but seeded, so generation is reproducible.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    vocab = _write_tokenizer(directory, vocab_size)
    _write_config(directory, vocab)
    _write_weights(directory, vocab, seed)
    return directory


def _write_tokenizer(directory: Path, vocab_size: int) -> int:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        # every byte gets a token, so any text (and any JSON) can be encoded
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(_CORPUS * 4, trainer=trainer)
    tokenizer.save(str(directory / "tokenizer.json"))
    config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": 2048,
        "bos_token": None,
        "eos_token": "<|im_end|>",
        "pad_token": "<|endoftext|>",
        "unk_token": None,
        "add_bos_token": False,
        "chat_template": CHAT_TEMPLATE,
    }
    (directory / "tokenizer_config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    return tokenizer.get_vocab_size()


def _write_config(directory: Path, vocab: int) -> None:
    from tokenizers import Tokenizer

    eos = Tokenizer.from_file(str(directory / "tokenizer.json")).token_to_id("<|im_end|>")
    config = {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "hidden_size": HIDDEN,
        "num_hidden_layers": LAYERS,
        "num_attention_heads": HEADS,
        "num_key_value_heads": HEADS,
        "intermediate_size": INTERMEDIATE,
        "rms_norm_eps": 1e-5,
        "vocab_size": vocab,
        "max_position_embeddings": 2048,
        "rope_theta": 10000.0,
        "tie_word_embeddings": True,
        "eos_token_id": eos,
        "torch_dtype": "float32",
    }
    (directory / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")


def _write_weights(directory: Path, vocab: int, seed: int) -> None:
    from safetensors.numpy import save_file

    rng = np.random.default_rng(seed)

    def dense(rows: int, cols: int) -> np.ndarray:
        return (rng.standard_normal((rows, cols)) * 0.02).astype(np.float32)

    weights = {"model.embed_tokens.weight": dense(vocab, HIDDEN),
               "model.norm.weight": np.ones(HIDDEN, np.float32)}
    for i in range(LAYERS):
        p = f"model.layers.{i}."
        weights |= {
            p + "self_attn.q_proj.weight": dense(HIDDEN, HIDDEN),
            p + "self_attn.k_proj.weight": dense(HIDDEN, HIDDEN),
            p + "self_attn.v_proj.weight": dense(HIDDEN, HIDDEN),
            p + "self_attn.o_proj.weight": dense(HIDDEN, HIDDEN),
            p + "mlp.gate_proj.weight": dense(INTERMEDIATE, HIDDEN),
            p + "mlp.up_proj.weight": dense(INTERMEDIATE, HIDDEN),
            p + "mlp.down_proj.weight": dense(HIDDEN, INTERMEDIATE),
            p + "input_layernorm.weight": np.ones(HIDDEN, np.float32),
            p + "post_attention_layernorm.weight": np.ones(HIDDEN, np.float32),
        }
    # the "format" metadata is what transformers/mlx expect from a PyTorch-style checkpoint
    save_file(weights, str(directory / "model.safetensors"), metadata={"format": "pt"})
