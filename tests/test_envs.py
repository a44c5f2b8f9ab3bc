"""The environment API: the README's example runs as printed, alone, in rollouts and in `rft train`."""
from __future__ import annotations

import json
import re
import sys

import pytest
import torch

from conftest import ROOT, TINY, run_cli
from rft.config import load_config
from rft.models import load_model, load_tokenizer
from rft.sampling import HFSampler, SamplingParams
from rft.sampling.episodes import EpisodeSampler
from rft.trainer import build_env
from rft.verifiers import Environment, ScoreTable, register_env


def readme_example() -> str:
    text = (ROOT / "README.md").read_text()
    section = text.split("### Writing an environment", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


@pytest.fixture(scope="module")
def my_envs(tmp_path_factory):
    """The README's example as `my_envs.py`, imported once (it registers its name), and importable
    by `rft train` subprocesses."""
    code = readme_example()
    assert 25 <= len(code.strip().splitlines()) <= 35  # "about 30 lines"
    where = tmp_path_factory.mktemp("envs")
    (where / "my_envs.py").write_text(code)
    mp = pytest.MonkeyPatch()
    mp.syspath_prepend(str(where))
    mp.setenv("PYTHONPATH", str(where))
    import my_envs

    yield my_envs
    mp.undo()
    sys.modules.pop("my_envs", None)


def test_readme_environment_plays_an_episode(my_envs):
    env = my_envs.GuessNumber(ScoreTable(wrong=0.2), high=20, max_guesses=3)
    assert "1 to 20" in env.reset({"answer": 13, "prompt": "ignored"})
    assert env.step(" 10").observation == " Higher. Guess:"
    assert env.step(" I say 15").observation == " Lower. Guess:"
    last = env.step(" 14")
    assert last.done and (last.score.outcome, last.score.value) == ("wrong", 0.2)
    env.reset({"answer": "7"})
    won = env.step(" 7\n")
    assert won.done and won.score.outcome == "correct" and won.score.reason == "found in 1 guesses"
    assert env.step("no idea").score.outcome == "unparseable"
    assert env.stop == ("\n",)


def _task(tmp_path, sets=()):
    rows = [{"question": "guess", "answer": a} for a in (3, 7, 11, 16, 19, 5, 13, 2)]
    (tmp_path / "rows.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (tmp_path / "guess.yaml").write_text(f"""
name: guess
model: {{name: tiny}}
data:
  train: {{path: {tmp_path / 'rows.jsonl'}}}
  eval: {{path: {tmp_path / 'rows.jsonl'}}}
env: {{name: "my_envs:GuessNumber", options: {{high: 20, max_guesses: 4}}}}
sampler: {{n: 4, max_new_tokens: 40, max_turns: 4}}
sft: {{steps: 0}}
train: {{steps: 2, prompts_per_step: 2, save_every: 0, sample_every: 1}}
""")
    return tmp_path / "guess.yaml"


def test_rollouts_of_the_readme_environment_are_scored_by_it(my_envs, tmp_path, tiny_dir):
    cfg = load_config(_task(tmp_path), [a for p, a in zip(TINY, TINY[1:]) if p == "--set"])
    make_env = build_env(cfg)
    tok = load_tokenizer(str(tiny_dir), cfg.model)
    model = load_model(str(tiny_dir), cfg.model, trainable=False)
    params = SamplingParams(max_new_tokens=40)
    sampler = EpisodeSampler(HFSampler(model, tok, params), tok, make_env, params, max_turns=4)
    torch.manual_seed(0)
    r = sampler.generate(["guess"] * 3, 4, rows=[{"answer": a} for a in (3, 7, 11)])
    assert r.scores is not None and len(r.scores) == 12  # the environment scored every episode
    for i, (s, e) in enumerate(zip(r.scores, r.episodes)):
        assert s.outcome in ("correct", "wrong", "unparseable") and 1 <= e["turns"] <= 4
        first = tok.decode(r.prompt_ids[i][r.prompt_mask[i].bool()])
        assert first == "I am thinking of a number from 1 to 20. Guess:"  # reset's prompt, not the row's
        observed = [t for t, mine in e["segments"] if not mine]
        full = [t in (" Higher. Guess:", " Lower. Guess:") for t in observed]
        # every observation is the environment's, whole, but one cut by the token budget
        assert all(full) or (e["ended"] == "length" and all(full[:-1])
                             and any(x.startswith(observed[-1]) for x in (" Higher. Guess:", " Lower. Guess:")))
        assert len(observed) == e["turns"] - 1 if e["ended"] == "done" else len(observed) <= e["turns"]
        if e["ended"] == "length":
            assert s.outcome == "unparseable" and bool(r.truncated[i])
        # the model's turns end at the environment's stop string or EOS; observations are not trained on
        assert int((r.loss_mask[i] == 0)[r.response_mask[i] == 1].sum()) == sum(
            len(tok(t, add_special_tokens=False)["input_ids"]) for t in observed)


def test_rft_train_with_the_readme_environment(my_envs, tmp_path):
    out = tmp_path / "run"
    proc = run_cli("train", str(_task(tmp_path)), *TINY, "--output", str(out), check=True, timeout=600)
    metrics = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [m["step"] for m in metrics] == [1, 2]
    assert all(1 <= m["episode/turns"] <= 4 and m["tool/calls"] == 0 for m in metrics)
    assert all(m["time/verify"] < 0.05 for m in metrics)  # scored by the environment, not the verifier
    summary = json.loads((out / "summary.json").read_text())
    assert summary["eval"]["last"]["n"] == 8
    assert "samples at step 1 (tool results and observations in cyan)" in proc.stderr


@register_env("test_raising_env")
class Raising(Environment):
    def reset(self, row):
        return row["prompt"]

    def step(self, turn):
        raise RuntimeError("the environment broke")


def test_an_environment_that_raises_ends_the_episode_as_an_error(tiny_dir):
    cfg = load_config(ROOT / "tasks" / "arith.yaml", [a for p, a in zip(TINY, TINY[1:]) if p == "--set"])
    tok = load_tokenizer(str(tiny_dir), cfg.model)
    model = load_model(str(tiny_dir), cfg.model, trainable=False)
    params = SamplingParams(max_new_tokens=8)
    sampler = EpisodeSampler(HFSampler(model, tok, params), tok, lambda: Raising(ScoreTable()), params)
    r = sampler.generate(["Q: 1 + 1?\nA:"], 8)
    ended = [(s.outcome, e["ended"]) for s, e in zip(r.scores, r.episodes)]
    assert all(o == ("error", "done") or o == ("unparseable", "length") for o in ended)
    errors = [s for s in r.scores if s.outcome == "error"]
    assert all("RuntimeError: the environment broke" in s.reason for s in errors)


@pytest.mark.parametrize("sets, field", [
    (["env.name=no_such_env"], "env.name"),
    (["env.options={bogus: 1}"], "env.options"),
    (["sampler.tools=[calc]"], "env"),
])
def test_bad_environment_settings_are_one_line_errors(my_envs, tmp_path, sets, field):
    proc = run_cli("train", str(_task(tmp_path)), *TINY, *[a for s in sets for a in ("--set", s)],
                   "--output", str(tmp_path / "run"))
    assert proc.returncode == 2, proc.stderr
    assert field in proc.stderr and "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
