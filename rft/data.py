"""Rows from files, hubs or generators, and the prompt/response pairs built from them.

Three row formats (`data.format`):
- `template`: `prompt` is a Python format string over the row's fields; the SFT target is
  `row[solution_field]` and the verifier's reference is `row[answer_field]`.
- `alpaca`: instruction / input / output, with an optional `history` list of earlier
  [question, answer] turns, rendered through the tokenizer's chat template.
- `messages`: a chat `messages` list; the last assistant turn is the target, everything before
  it (rendered with the chat template and a generation prompt) is the prompt.
No model code here: tokenisation for SFT takes a tokenizer and returns tensors.
"""
from __future__ import annotations

import importlib
import random
from dataclasses import dataclass
from typing import Any

import torch

from rft.config import DataConfig, SourceConfig, TaskConfig, resolve_path
from rft.errors import UserError


@dataclass
class Example:
    prompt: str  # text fed to the model
    target: str | None  # reference solution (SFT target), if any
    fields: dict[str, Any]  # reference fields for the verifier (always includes `answer`)


def load_rows(src: SourceConfig, cfg: TaskConfig, field: str) -> list[dict]:
    """Rows of one source as plain dicts. `field` names the config key for error messages."""
    if src.generator:
        module, _, fn = src.generator.partition(":")
        try:
            gen = getattr(importlib.import_module(module), fn)
        except (ImportError, AttributeError, ValueError) as e:
            raise UserError(f"cannot import generator {src.generator!r} ({e}); expected `module:function`",
                            file=_file(cfg), field=f"{field}.generator") from None
        try:
            rows = gen(split=src.split, **src.args)
        except TypeError as e:
            raise UserError(f"bad generator args: {e}", file=_file(cfg), field=f"{field}.args") from None
    else:
        import datasets

        datasets.disable_progress_bars()
        datasets.logging.set_verbosity_error()
        if src.path:
            path = resolve_path(cfg, src.path)
            if not path.exists():
                raise UserError("data file not found", file=str(path), field=f"{field}.path")
            name = path.name.removesuffix(".gz")
            kind = {"jsonl": "json", "json": "json", "parquet": "parquet", "csv": "csv"}.get(name.rsplit(".", 1)[-1])
            if kind is None:
                raise UserError("unsupported file type (expected .jsonl, .json, .parquet or .csv, optionally .gz)",
                                file=str(path), field=f"{field}.path")
            try:
                ds = datasets.load_dataset(kind, data_files=str(path), split="train")
            except Exception as e:  # datasets wraps parse errors in many types
                raise UserError(f"cannot read rows: {str(e).splitlines()[0]}", file=str(path), field=f"{field}.path") from None
        else:
            try:
                ds = datasets.load_dataset(src.hub, src.subset, split=src.split)
            except Exception as e:
                raise UserError(f"cannot load hub dataset: {str(e).splitlines()[0]}", file=src.hub, field=f"{field}.hub") from None
        rows = ds.to_list()
    return rows[: src.limit] if src.limit else rows


def _file(cfg: TaskConfig) -> str:
    return getattr(cfg, "_source", None) or "task"


def _alpaca_messages(row: dict) -> list[dict]:
    msgs = []
    for turn in row.get("history") or []:
        q, a = turn
        msgs += [{"role": "user", "content": q}, {"role": "assistant", "content": a}]
    user = row["instruction"] + (("\n\n" + row["input"]) if row.get("input") else "")
    return msgs + [{"role": "user", "content": user}]


def to_example(row: dict, data: DataConfig, tokenizer, where: tuple[str, str]) -> Example:
    """One row -> Example, failing with the file, the row number and the missing field."""
    file, rowname = where
    try:
        if data.format == "template":
            prompt = data.prompt.format(**row)
            target = row.get(data.solution_field)
            answer = row[data.answer_field]
        elif data.format == "alpaca":
            prompt = tokenizer.apply_chat_template(_alpaca_messages(row), tokenize=False, add_generation_prompt=True)
            target = row["output"]
            answer = row.get(data.answer_field, row["output"])
        else:  # messages
            msgs = row["messages"]
            if not msgs or msgs[-1]["role"] != "assistant":
                raise UserError("expected the last message to be the assistant's", file=file, field=f"{rowname}.messages")
            prompt = tokenizer.apply_chat_template(msgs[:-1], tokenize=False, add_generation_prompt=True)
            target = msgs[-1]["content"]
            answer = row.get(data.answer_field, target)
        if answer is None:  # columnar loaders fill a missing key with None
            raise KeyError(data.answer_field)
    except KeyError as e:
        raise UserError(f"missing field {e.args[0]!r} (format {data.format!r}, answer_field {data.answer_field!r})",
                        file=file, field=rowname) from None
    fields = {k: v for k, v in row.items() if isinstance(v, (str, int, float, bool, list, dict)) or v is None}
    fields["answer"] = answer
    return Example(prompt=prompt, target=target, fields=fields)


def load_examples(cfg: TaskConfig, split: str, tokenizer) -> list[Example]:
    """Examples of `split` in {"train", "eval", "sft"}; `sft` falls back to the train source."""
    src = getattr(cfg.data, split) or (cfg.data.train if split == "sft" else None)
    if src is None:
        return []
    key = f"data.{split if getattr(cfg.data, split) else 'train'}"
    file = str(resolve_path(cfg, src.path)) if src.path else (src.hub or src.generator)
    rows = load_rows(src, cfg, key)
    if not rows:
        raise UserError("source gave no rows", file=_file(cfg), field=key)
    return [to_example(r, cfg.data, tokenizer, (file, f"row {i + 1}")) for i, r in enumerate(rows)]


def sft_tensors(examples: list[Example], tokenizer, response_prefix: str, max_length: int, file: str) -> list[dict]:
    """Tokenise prompt+target (+EOS). Labels are -100 on prompt tokens: loss on the response only."""
    out = []
    for i, ex in enumerate(examples):
        if not ex.target:
            raise UserError("row has no reference solution for the SFT warm-up", file=file, field=f"row {i + 1}")
        p = tokenizer(ex.prompt, add_special_tokens=False)["input_ids"]
        r = tokenizer(response_prefix + ex.target, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
        # Over max_length: cut the prompt from the left (keep the end, next to the response), then
        # the response from the right, so every row keeps response tokens to learn from.
        r = r[: max_length - 1]
        p = p[len(p) + len(r) - max_length:] if len(p) + len(r) > max_length else p
        ids, labels = p + r, [-100] * len(p) + r
        out.append({"input_ids": ids, "labels": labels})
    return out


def collate_sft(items: list[dict], pad_id: int) -> dict[str, torch.Tensor]:
    """Right-pad a list of SFT items into (N, L) tensors."""
    L = max(len(x["input_ids"]) for x in items)
    ids = torch.full((len(items), L), pad_id, dtype=torch.long)
    labels = torch.full((len(items), L), -100, dtype=torch.long)
    attn = torch.zeros((len(items), L), dtype=torch.long)
    for i, x in enumerate(items):
        n = len(x["input_ids"])
        ids[i, :n] = torch.tensor(x["input_ids"])
        labels[i, :n] = torch.tensor(x["labels"])
        attn[i, :n] = 1
    return {"input_ids": ids, "labels": labels, "attention_mask": attn}


class PromptStream:
    """An endless, seeded, reshuffled-per-epoch stream of train examples with a resumable position."""

    def __init__(self, n: int, seed: int):
        self.n, self.seed, self.pos = n, seed, 0

    def _order(self, epoch: int) -> list[int]:
        idx = list(range(self.n))
        random.Random(self.seed * 1_000_003 + epoch).shuffle(idx)
        return idx

    def take(self, k: int) -> list[int]:
        out = []
        for _ in range(k):
            epoch, i = divmod(self.pos, self.n)
            if i == 0 or not hasattr(self, "_cache") or self._cache[0] != epoch:
                self._cache = (epoch, self._order(epoch))
            out.append(self._cache[1][i])
            self.pos += 1
        return out

    def state_dict(self) -> dict:
        return {"pos": self.pos, "n": self.n, "seed": self.seed}

    def load_state_dict(self, state: dict) -> None:
        self.pos = state["pos"]
