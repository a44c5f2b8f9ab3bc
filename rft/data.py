"""Rows from files, hubs (or a file with a hub fallback) or generators, each optionally mapped,
and the prompt/response pairs built from them.

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


def _one_line(e: BaseException) -> str:
    """`Type: first line of the message`, so a user error stays on one line."""
    text = str(e).strip()
    return f"{type(e).__name__}: {text.splitlines()[0]}" if text else type(e).__name__


def _import(spec: str, what: str, cfg: TaskConfig, field: str):
    """The function named by `module:function`, or a UserError naming `field`."""
    module, _, name = spec.partition(":")
    try:  # any exception: importing user code runs it (a syntax error, a failing import inside)
        fn = getattr(importlib.import_module(module), name)
    except Exception as e:
        raise UserError(f"cannot import {what} {spec!r} ({_one_line(e)}); expected `module:function`",
                        file=_file(cfg), field=field) from None
    if not callable(fn):
        raise UserError(f"{what} {spec!r} is a {type(fn).__name__}, not a function", file=_file(cfg), field=field)
    return fn


def _origin(src: SourceConfig, cfg: TaskConfig) -> str:
    """What the rows of `src` are read from, for error messages: the file, else the hub id or generator."""
    if src.path and (resolve_path(cfg, src.path).exists() or not src.hub):
        return str(resolve_path(cfg, src.path))
    return src.hub or src.generator


def _read_file(path, field: str):
    import datasets

    name = path.name.removesuffix(".gz")
    kind = {"jsonl": "json", "json": "json", "parquet": "parquet", "csv": "csv"}.get(name.rsplit(".", 1)[-1])
    if kind is None:
        raise UserError("unsupported file type (expected .jsonl, .json, .parquet or .csv, optionally .gz)",
                        file=str(path), field=f"{field}.path")
    try:
        return datasets.load_dataset(kind, data_files=str(path), split="train")
    except Exception as e:  # datasets wraps parse errors in many types
        raise UserError(f"cannot read rows: {_one_line(e)}", file=str(path), field=f"{field}.path") from None


def _read_hub(src: SourceConfig, field: str, missing_path=None):
    import datasets

    try:
        return datasets.load_dataset(src.hub, src.subset, split=src.split)
    except Exception as e:
        reason = _one_line(e)
        hub = f"hub dataset {src.hub!r} ({f'subset {src.subset}, ' if src.subset else ''}split {src.split})"
        if missing_path is None:
            offline = isinstance(e, ConnectionError)
            hint = f" (offline? give a local copy as {field}.path; the hub id stays the fallback)" if offline else ""
            raise UserError(f"cannot load {hub}: {reason}{hint}", file=src.hub, field=f"{field}.hub") from None
        raise UserError(f"data file not found, and the fallback {hub} could not be loaded: {reason} "
                        "(give an existing path, or a hub id reachable from here)",
                        file=str(missing_path), field=field) from None


def load_rows(src: SourceConfig, cfg: TaskConfig, field: str) -> list[dict]:
    """Rows of one source as plain dicts, `limit` and `map` applied. `field` names the config key for errors.

    With both `path` and `hub`, the local file is read when it exists (the hub is never contacted),
    else the hub id is loaded; when neither works the error names both.
    """
    if src.generator:
        gen = _import(src.generator, "generator", cfg, f"{field}.generator")
        try:
            rows = gen(split=src.split, **src.args)
        except TypeError as e:
            raise UserError(f"bad generator args: {e}", file=_file(cfg), field=f"{field}.args") from None
    else:
        import datasets

        datasets.disable_progress_bars()
        datasets.logging.set_verbosity_error()
        path = resolve_path(cfg, src.path) if src.path else None
        if path is not None and path.exists():
            ds = _read_file(path, field)
        elif path is not None and not src.hub:
            raise UserError("data file not found", file=str(path), field=f"{field}.path")
        else:
            ds = _read_hub(src, field, missing_path=path)
        rows = ds.to_list()
    rows = rows[: src.limit] if src.limit else rows
    return _map_rows(rows, src.map, cfg, field) if src.map else rows


def _map_rows(rows: list[dict], spec: str, cfg: TaskConfig, field: str) -> list[dict]:
    """`spec` (module:function, dict -> dict) applied to each row; a failing row is named by its number."""
    fn = _import(spec, "map", cfg, f"{field}.map")
    out = []
    for i, row in enumerate(rows):
        try:
            new = fn(row)
        except Exception as e:  # any error in user code is a bad row for this map, not an rft bug
            raise UserError(f"map {spec!r} failed on row {i + 1}: {_one_line(e)}",
                            file=_file(cfg), field=f"{field}.map") from None
        if not isinstance(new, dict):
            raise UserError(f"map {spec!r} returned {type(new).__name__} on row {i + 1}; expected a dict",
                            file=_file(cfg), field=f"{field}.map")
        out.append(new)
    return out


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
    file = _origin(src, cfg)
    rows = load_rows(src, cfg, key)
    if not rows:
        raise UserError("source gave no rows", file=_file(cfg), field=key)
    return [to_example(r, cfg.data, tokenizer, (file, f"row {i + 1}")) for i, r in enumerate(rows)]


def sft_tensors(examples: list[Example], tokenizer, response_prefix: str, max_length: int, file: str,
                segments=None) -> list[dict]:
    """Tokenise prompt+target (+EOS). Labels are -100 on prompt tokens: loss on the response only.

    `segments(text) -> [(text, trainable)]` (tool tasks): the target is tokenized piece by piece,
    as a multi-turn rollout builds its tokens (each tool result on its own), and the pieces that
    are not the model's (tool results) get label -100, as they get no loss in RL."""
    out = []
    for i, ex in enumerate(examples):
        if not ex.target:
            raise UserError("row has no reference solution for the SFT warm-up", file=file, field=f"row {i + 1}")
        p = tokenizer(ex.prompt, add_special_tokens=False)["input_ids"]
        pieces = segments(response_prefix + ex.target) if segments else [(response_prefix + ex.target, True)]
        r, lab = [], []
        for text, trainable in pieces:
            ids_ = tokenizer(text, add_special_tokens=False)["input_ids"]
            r += ids_
            lab += ids_ if trainable else [-100] * len(ids_)
        r, lab = r + [tokenizer.eos_token_id], lab + [tokenizer.eos_token_id]
        # Over max_length: cut the prompt from the left (keep the end, next to the response), then
        # the response from the right, so every row keeps response tokens to learn from.
        r, lab = r[: max_length - 1], lab[: max_length - 1]
        p = p[len(p) + len(r) - max_length:] if len(p) + len(r) > max_length else p
        ids, labels = p + r, [-100] * len(p) + lab
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
