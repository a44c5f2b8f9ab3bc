"""The workload of the GPU peer (/work/shared/peers/trl_grpo_gpu/run_grpo_gpu.py), as rft needs it.

Imported by bench/gpu_step.py, and by name from the task YAML that script writes
(`data.train.generator: gpu_workload:prompts`, `verifier.name: gpu_workload:HashVerifier`), so it
must stay importable with bench/ on sys.path and light: no torch or transformers at import time
(a verifier worker, if any, imports it).

- SHAPES: the two Qwen2 shapes of the peer (`0.5b`: 494M parameters; `tiny`: 5.2M).
- build_tokenizer / build_model: the peer's word-level tokenizer (`<|endoftext|>` = 0,
  `<|pad|>` = 1, `w2` .. `w{V-1}`, whitespace split, left padding) and a Qwen2 with random
  weights. A random model almost never samples EOS, so every completion runs to the token cap on
  both sides and they do the same work.
- prompts: rows of 64 random words, as the peer's dataset.
- HashVerifier: a reward that is a fixed function of the completion text, like the peer's
  `hash(c) % 3`, but with a stable hash (zlib.crc32; Python's `hash` is salted per process),
  so rewards vary within every group.
"""
from __future__ import annotations

import random
import zlib

from rft.verifiers import Verifier

SHAPES = {
    "0.5b": dict(hidden_size=896, intermediate_size=4864, num_hidden_layers=24, num_attention_heads=14,
                 num_key_value_heads=2, vocab_size=151936),
    "tiny": dict(hidden_size=256, intermediate_size=1024, num_hidden_layers=4, num_attention_heads=4,
                 num_key_value_heads=4, vocab_size=4096),
}
PROMPT_WORDS = 64


def build_tokenizer(vocab_size: int):
    """The peer's tokenizer, built the same way."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {"<|endoftext|>": 0, "<|pad|>": 1, **{f"w{i}": i for i in range(2, vocab_size)}}
    tk = Tokenizer(models.WordLevel(vocab, unk_token="<|pad|>"))
    tk.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    return PreTrainedTokenizerFast(tokenizer_object=tk, eos_token="<|endoftext|>", pad_token="<|pad|>",
                                   padding_side="left", model_max_length=4096)


def build_model(size: str, seed: int = 0):
    """A Qwen2 of the peer's shape with random weights (fp32, on the CPU), config as the peer's."""
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM

    cfg = Qwen2Config(**SHAPES[size], max_position_embeddings=4096, tie_word_embeddings=True, bos_token_id=None,
                      eos_token_id=0, pad_token_id=1)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = Qwen2ForCausalLM(cfg)
    model.generation_config.eos_token_id = 0
    model.generation_config.pad_token_id = 1
    model.generation_config.bos_token_id = None
    return model


def prompts(split: str = "train", n: int = 256, vocab_size: int = 4096, seed: int = 0) -> list[dict]:
    """`n` rows of 64 random words `w2` .. `w{V-1}` (the peer draws from random.Random(0) too)."""
    rng = random.Random(seed)
    return [{"prompt": " ".join(f"w{rng.randrange(2, vocab_size)}" for _ in range(PROMPT_WORDS)), "answer": ""}
            for _ in range(n)]


def stable_reward_class(completion: str) -> int:
    return zlib.crc32(completion.encode("utf-8")) % 2


class HashVerifier(Verifier):
    """`correct` or `wrong` by the parity of the completion's CRC-32: arbitrary, deterministic, cheap."""

    name = "gpu_bench_hash"

    def score(self, completion: str, **fields):
        return self.correct("crc32 even") if stable_reward_class(completion) == 0 else self.wrong("crc32 odd")
