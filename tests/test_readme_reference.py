"""The README's YAML reference documents every option of the task schema, with its real default."""
from __future__ import annotations

import re
from pathlib import Path

import yaml
from pydantic import BaseModel

from rft.config import DataConfig, SourceConfig, TaskConfig

ROOT = Path(__file__).resolve().parents[1]


def _reference() -> tuple[dict, str]:
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Task YAML reference"):]
    block = section[section.index("```yaml") + len("```yaml"):]
    block = block[: block.index("```")]
    return yaml.safe_load(block), block


def _section_type(annotation) -> type[BaseModel] | None:
    for t in getattr(annotation, "__args__", ()) or (annotation,):
        if isinstance(t, type) and issubclass(t, BaseModel):
            return t
    return None


def _check(model: type[BaseModel], doc: dict, block: str, path: str, problems: list[str],
           skip: tuple[str, ...] = ()) -> None:
    for name, field in model.model_fields.items():
        name = field.alias or name  # `train.async` is `async_` in Python
        if name in skip:
            continue
        key = f"{path}{name}"
        sub = _section_type(field.annotation)
        if name not in doc:
            problems.append(f"{key}: missing")
            continue
        if sub is not None and field.default is None:
            # an optional section, off by default: `key: null`, its fields listed in comments
            if doc[name] is not None:
                problems.append(f"{key}: default is null, README shows {doc[name]!r}")
            for sname, sfield in sub.model_fields.items():
                if sfield.is_required():
                    shown = "(required)"
                else:
                    default = sfield.get_default(call_default_factory=True)
                    shown = yaml.safe_dump(default, default_flow_style=True).strip().removesuffix("...").strip()
                if not re.search(rf"#\s+{sname}: {re.escape(shown)}(\s|$)", block):
                    problems.append(f"{key}.{sname}: no commented `{sname}: {shown}` line")
        elif sub is not None:
            _check(sub, doc[name] or {}, block, key + ".", problems)
        elif doc[name] != field.get_default(call_default_factory=True):
            problems.append(f"{key}: README shows {doc[name]!r}, the default is "
                            f"{field.get_default(call_default_factory=True)!r}")


def test_every_option_is_in_the_readme_reference_with_its_default():
    doc, block = _reference()
    problems: list[str] = []
    # `name` is an example; data sources have no defaults (checked below)
    _check(TaskConfig, doc, block, "", problems, skip=("name", "data"))
    assert not problems, "README's YAML reference is out of date:\n" + "\n".join(problems)


def test_every_data_option_is_in_the_readme_reference():
    doc, _ = _reference()
    data = doc["data"]
    missing = [f"data.{k}" for k in DataConfig.model_fields if k not in data]
    shown = {k for src in ("train", "eval") for k in (data.get(src) or {})}
    missing += [f"data.<source>.{k}" for k in SourceConfig.model_fields if k not in shown]
    assert not missing, f"not in README's YAML reference: {missing}"
