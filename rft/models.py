"""Loading and saving policies, and the built-in `tiny` recipe.

`load_model(cfg.model)` takes `tiny`, a local Hugging Face directory or a hub id, through the
Auto classes. `tiny` builds a small Qwen2 (or Llama) with a byte-level BPE tokenizer trained
offline with `tokenizers` on the arithmetic corpus (digits split one per token), all from a
seed, so the default job downloads nothing; it is cached under ~/.cache/rft/tiny-<hash> and is
saved with `save_pretrained` (safetensors) like any other model.
"""
from __future__ import annotations

import hashlib
import inspect
import json
import os
import shutil
import tempfile
from pathlib import Path

import torch
from transformers import (AutoConfig, AutoModelForCausalLM, AutoModelForTokenClassification, AutoTokenizer, PreTrainedModel,
                          PreTrainedTokenizerBase)

from rft.config import ModelConfig, TinyModelConfig
from rft.errors import UserError

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}
# A plain chat template for models that ship none (the tiny recipe), so `messages` rows work.
DEFAULT_CHAT_TEMPLATE = (
    "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}"
    "{% if add_generation_prompt %}assistant:{% endif %}"
)
SPECIAL_TOKENS = ["<|endoftext|>", "<|pad|>"]


def cache_dir() -> Path:
    return Path(os.environ.get("RFT_CACHE", Path.home() / ".cache" / "rft"))


def build_tiny(cfg: TinyModelConfig, out_dir: str | Path) -> Path:
    """Build the tiny model + tokenizer deterministically into `out_dir` (seconds on a CPU)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

    from rft.tasks.arith import tokenizer_corpus

    tok = Tokenizer(models.BPE(unk_token=None))
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
    ])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=cfg.vocab_size, special_tokens=SPECIAL_TOKENS, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(tokenizer_corpus(seed=cfg.seed), trainer=trainer)
    hf_tok = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|endoftext|>", pad_token="<|pad|>",
                                     padding_side="left", model_max_length=1024)
    hf_tok.chat_template = DEFAULT_CHAT_TEMPLATE

    common = dict(vocab_size=len(hf_tok), hidden_size=cfg.hidden_size, intermediate_size=cfg.intermediate_size,
                  num_hidden_layers=cfg.num_layers, num_attention_heads=cfg.num_heads,
                  num_key_value_heads=cfg.num_heads, max_position_embeddings=1024, tie_word_embeddings=True,
                  bos_token_id=None, eos_token_id=hf_tok.eos_token_id, pad_token_id=hf_tok.pad_token_id)
    config_cls, model_cls = (Qwen2Config, Qwen2ForCausalLM) if cfg.arch == "qwen2" else (LlamaConfig, LlamaForCausalLM)
    with torch.random.fork_rng():  # a seeded build that leaves the caller's RNG stream untouched
        torch.manual_seed(cfg.seed)
        model = model_cls(config_cls(**common))
    model.generation_config.eos_token_id = hf_tok.eos_token_id
    model.generation_config.pad_token_id = hf_tok.pad_token_id
    model.generation_config.bos_token_id = None
    save_pretrained(model, hf_tok, out_dir)
    return Path(out_dir)


def tiny_path(cfg: TinyModelConfig) -> Path:
    """The cached directory of the tiny recipe for `cfg`, built on first use."""
    key = hashlib.sha256(json.dumps(cfg.model_dump(), sort_keys=True).encode()).hexdigest()[:12]
    path = cache_dir() / f"tiny-{key}"
    if not (path / "config.json").exists():
        build_tiny(cfg, path)
    return path


def resolve_model_path(cfg: ModelConfig, override: str | None = None) -> str:
    name = override or cfg.name
    if name == "tiny":
        return str(tiny_path(cfg.tiny))
    if Path(name).exists():
        if not (Path(name) / "config.json").exists():
            raise UserError("not a Hugging Face model directory (no config.json)", file=name, field="model.name")
        return name
    if name.startswith((".", "/", "~")) or name.count("/") > 1:
        raise UserError("model path does not exist (expected `tiny`, a local model directory or a hub id)",
                        file=name, field="model.name")
    return name  # a hub id; the Auto classes fetch it (or fail with a clear message offline)


def load_tokenizer(path: str, cfg: ModelConfig) -> PreTrainedTokenizerBase:
    tok = AutoTokenizer.from_pretrained(path, revision=cfg.revision, trust_remote_code=cfg.trust_remote_code)
    tok.padding_side = "left"  # batched generation appends to the right of the prompt
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    if tok.chat_template is None:
        tok.chat_template = DEFAULT_CHAT_TEMPLATE
    return tok


def weights_dtype(cfg: ModelConfig, trainable: bool) -> torch.dtype:
    """Trained weights stay in `param_dtype` (float32 by default: mixed precision keeps master
    weights and optimizer state in full precision); frozen ones (reference, eval) in `dtype`."""
    return DTYPES[cfg.param_dtype or "float32"] if trainable else DTYPES[cfg.dtype]


def load_model(path: str, cfg: ModelConfig, *, trainable: bool = True) -> PreTrainedModel:
    try:
        model = AutoModelForCausalLM.from_pretrained(path, dtype=weights_dtype(cfg, trainable), revision=cfg.revision,
                                                     trust_remote_code=cfg.trust_remote_code)
    except OSError as e:
        raise UserError(f"cannot load model: {str(e).splitlines()[0]}", file=path, field="model.name") from None
    own_memory(model)
    if not trainable:  # the frozen reference: no grads, no optimizer state, eval mode
        model.eval().requires_grad_(False)
    return model


def load_critic(path: str, cfg: ModelConfig) -> PreTrainedModel:
    """PPO's value model: the backbone at `path` with a new scalar head, one value per position.

    `AutoModelForTokenClassification` with one label is exactly that (a linear `score` head on the
    last hidden states), and it saves and loads like any Hugging Face model. Its head dropout is
    set to 0: a value target should not be noisy. Loading a causal LM checkpoint drops the LM head
    and initialises the score head (transformers warns about both; that is expected here).
    """
    from transformers.utils import logging as hf_logging

    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # "newly initialized: score.weight" is the point, not a problem
    try:
        config = AutoConfig.from_pretrained(path, revision=cfg.revision, trust_remote_code=cfg.trust_remote_code)
        config.num_labels = 1
        config.classifier_dropout = 0.0  # read by the head's constructor; most configs have no such field
        model = AutoModelForTokenClassification.from_pretrained(
            path, config=config, dtype=weights_dtype(cfg, True), revision=cfg.revision,
            trust_remote_code=cfg.trust_remote_code)
    except (OSError, ValueError) as e:
        raise UserError(f"cannot load a critic: {str(e).splitlines()[0]}", file=path,
                        field="algorithm.critic.model") from None
    finally:
        hf_logging.set_verbosity(verbosity)
    return own_memory(model)


def own_memory(model: PreTrainedModel) -> PreTrainedModel:
    """Copy every CPU parameter and buffer into memory of its own, in place (ties are kept).

    transformers 5 maps a safetensors file and leaves CPU weights as views into it, aligned to
    wherever the file's header ends (4 or 8 bytes; the allocator gives 64). CPU kernels split
    their vectorised loops by alignment, so the same weights loaded from two files (a run's start
    and its checkpoint) computed values a float ulp apart, and a resumed run drifted from the
    straight one. The copy also lets go of the file.
    """
    with torch.no_grad():
        for t in [*model.parameters(), *model.buffers()]:
            if t.device.type == "cpu":
                t.data = t.data.clone()
    return model


def add_lora(model: PreTrainedModel, cfg: ModelConfig, adapter_dir: str | None = None):
    """Wrap `model` with trainable LoRA adapters (new, or loaded from `adapter_dir`); the base is frozen.

    The base weights under `model.disable_adapter()` are the reference model, so none is loaded.
    """
    try:
        from peft import LoraConfig, PeftModel, get_peft_model
    except ImportError:
        raise UserError("LoRA needs peft: pip install 'rft[lora]'", field="model.lora") from None
    if adapter_dir is not None:
        return PeftModel.from_pretrained(model, adapter_dir, is_trainable=True)
    lc = cfg.lora
    return get_peft_model(model, LoraConfig(r=lc.r, lora_alpha=lc.alpha, lora_dropout=lc.dropout,
                                            target_modules=lc.target_modules, task_type="CAUSAL_LM"))


def trainable_model(path: str, cfg: ModelConfig, adapter_dir: str | None = None):
    """The model to train from `path`: with LoRA, wrapped in (new or saved) adapters; with
    gradient checkpointing on, recomputing activations in the backward pass."""
    model = load_model(path, cfg)
    if cfg.lora:
        model = add_lora(model, cfg, adapter_dir)
    if cfg.gradient_checkpointing:
        enable_gradient_checkpointing(model)
    return model


def enable_gradient_checkpointing(model: PreTrainedModel) -> None:
    # Non-reentrant checkpointing: correct with frozen inputs (LoRA) and with no_grad regions.
    # transformers 5.2x calls it activation checkpointing (the old name is a deprecated alias).
    enable = getattr(model, "activation_checkpointing_enable", None)
    if enable is not None:
        enable(activation_checkpointing_kwargs={"use_reentrant": False})
    else:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})


def unwrap(model):
    """The transformers model inside a peft wrapper (the model itself otherwise)."""
    return model.get_base_model() if hasattr(model, "get_base_model") else model


def unwrap_ddp(model):
    """The module inside a DistributedDataParallel wrapper (the model itself otherwise): sampling,
    saving and prompt prefills run on it directly, outside DDP's gradient hooks."""
    return getattr(model, "module", model)


def cache_kwarg(model: PreTrainedModel) -> str:
    """The keyword a model's forward/generate takes a KV cache by: `cache` (transformers >= 5.2x)
    or `past_key_values` (older releases, and remote-code models)."""
    params = inspect.signature(unwrap(model).forward).parameters
    return "cache" if "cache" in params else "past_key_values"


def prefill_and_repeat(model: PreTrainedModel, input_ids: torch.Tensor, attention_mask: torch.Tensor, n: int):
    """Run each (left-padded) prompt once and repeat its KV cache n times, for n rows that share it.

    Returns the logits at the last position, one row per prompt, and the repeated cache, ready for
    the n continuations of each prompt. Position ids follow the attention mask, as `generate`'s do.
    """
    pos = (attention_mask.cumsum(-1) - 1).clamp(min=0)
    out = model(input_ids=input_ids, attention_mask=attention_mask, position_ids=pos, logits_to_keep=1,
                use_cache=True)
    cache = getattr(out, "cache", None)  # the attribute's name depends on the transformers release
    cache = cache if cache is not None else out.past_key_values
    cache.batch_repeat_interleave(n)
    return out.logits, cache


def save_pretrained(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, out_dir: str | Path,
                    state_dict: dict | None = None) -> None:
    """Write model (safetensors) + tokenizer atomically: to a temp dir, then rename into place.
    `state_dict`: the weights to write (gathered from sharded ranks), if not the model's own."""
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    tmp.chmod(0o755)  # mkdtemp makes it owner-only; a model dir is for anyone to read
    model.save_pretrained(tmp, safe_serialization=True, **({"state_dict": state_dict} if state_dict else {}))
    tokenizer.save_pretrained(tmp)
    replace_dir(tmp, out_dir)


def replace_dir(tmp: Path, out_dir: Path) -> None:
    """Move `tmp` to `out_dir`; an existing `out_dir` is swapped out only after `tmp` is complete."""
    if out_dir.exists():
        old = out_dir.with_name(f".{out_dir.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        out_dir.rename(old)
        tmp.rename(out_dir)
        shutil.rmtree(old, ignore_errors=True)
    else:
        tmp.rename(out_dir)
