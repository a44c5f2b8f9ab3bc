"""Reward audit and truncation: a second verifier's opinion during training, and `truncated`
reaching verifiers from the sampler, `rft verify` rows and the runner."""
from __future__ import annotations

import json

import pytest

from conftest import ROOT, TINY, run_cli
from rft.config import load_config
from rft.trainer import Trainer
from rft.verifiers import Verifier, build_verifier
from rft.verifiers.runner import VerifierRunner

TINY_SETS = [a for prev, a in zip(TINY, TINY[1:]) if prev == "--set"]


class Lenient(Verifier):
    """Rewards everything: the audit must catch what it should not have."""

    def score(self, completion, **fields):
        return self.correct("lenient")


class CutIsCorrect(Verifier):
    """`correct` exactly when the runner says the completion was cut at the token limit."""

    def score(self, completion, truncated=False, **fields):
        return self.correct("cut") if truncated else self.wrong("finished")


class NoTruncatedKeyword(Verifier):
    def score(self, completion, answer):
        return self.correct("ok")


def _cfg(tmp_path, *overrides):
    return load_config(ROOT / "tasks" / "arith.yaml", [
        *TINY_SETS, "train.threads=null", "sft.steps=0", "train.steps=3", "train.eval_limit=4",
        "train.eval_every=0", "train.prompts_per_step=2", "sampler.n=4", "sampler.max_new_tokens=12",
        "data.train.args.n=100", "verifier.workers=0", *overrides])


def test_audit_logs_disagreements_with_both_reasons(tmp_path):
    cfg = _cfg(tmp_path, "verifier.name=test_audit:Lenient",
               "verifier.audit={verifier: math, every: 2, sample: 6}")
    Trainer(cfg, tmp_path / "run").train()
    metrics = [json.loads(ln) for ln in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    audited = [m for m in metrics if "audit/disagreement" in m]
    assert [m["step"] for m in audited] == [2]  # every: 2
    assert all(("time/audit" in m) == ("audit/rows" in m) for m in metrics)
    assert all("reward/correct_truncated" in m for m in metrics)
    lines = [json.loads(ln) for ln in (tmp_path / "run" / "audit.jsonl").read_text().splitlines()]
    m = audited[0]
    assert m["audit/rows"] == 6 and m["audit/disagreement"] == pytest.approx(len(lines) / 6)
    assert len(lines) > 0, "an untrained tiny model's completions are mostly not right answers"
    assert m["audit/rewarded_rejected"] == pytest.approx(len(lines) / 6)  # everything was rewarded
    math_v = build_verifier("math")
    for ln in lines:
        assert ln["step"] == 2 and ln["verifier"] == {"outcome": "correct", "reason": "lenient", "reward": 1.0}
        again = math_v.score(ln["completion"], truncated=ln["truncated"], **ln["fields"])
        assert (ln["audit"]["outcome"], ln["audit"]["reason"]) == (again.outcome, again.reason) != ("correct", again.reason)


def test_an_unknown_audit_verifier_is_a_one_line_error(tmp_path):
    path = tmp_path / "task.yaml"
    path.write_text((ROOT / "tasks" / "arith.yaml").read_text().replace(
        "  timeout_s: 2.0\n", "  timeout_s: 2.0\n  audit: {verifier: no_such_verifier}\n", 1))
    proc = run_cli("train", str(path), "--output", str(tmp_path / "run"))
    assert proc.returncode == 2 and "verifier.audit.verifier" in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and not (tmp_path / "run").exists()


def test_sampler_truncation_reaches_the_verifier(tmp_path):
    cfg = _cfg(tmp_path, "verifier.name=test_audit:CutIsCorrect", "sampler.max_new_tokens=6", "train.steps=2")
    steps = []
    Trainer(cfg, tmp_path / "run", callbacks=[lambda e, p: steps.append(p) if e == "step" else None]).train()
    for m in steps:  # correct iff cut: the two rates are one, and every rewarded completion was cut
        assert m["reward/accuracy"] == pytest.approx(m["response/truncated"])
        assert m["reward/correct_truncated"] == (1.0 if m["reward/accuracy"] else 0.0)
    assert any(0 < m["response/truncated"] for m in steps), "precondition: 6 tokens cut some completions"


def test_runner_passes_truncated_only_to_verifiers_that_take_it():
    rows = ["x", "y"]
    with VerifierRunner(CutIsCorrect(), workers=0) as r:
        assert [s.outcome for s in r.score_batch(rows, [{}, {}], truncated=[True, False])] == ["correct", "wrong"]
    with VerifierRunner(NoTruncatedKeyword(), workers=0) as r:  # no TypeError for a strict signature
        assert [s.outcome for s in r.score_batch(rows, [{"answer": 1}] * 2, truncated=[True, False])] == ["correct"] * 2
    with VerifierRunner(build_verifier("math"), workers=1) as r:  # through a worker process too
        got = r.score_batch(["Trying 34 we must check before"] * 2, [{"answer": "34"}] * 2, truncated=[False, True])
        assert [s.outcome for s in got] == ["correct", "unparseable"]


def test_rft_verify_rows_carry_truncated(tmp_path):
    data = tmp_path / "rows.jsonl"
    rows = [{"completion": "We try $34$ and check the rest before", "answer": "34", "label": False, "truncated": True},
            {"completion": "So the answer is 34.", "answer": "34", "label": True, "truncated": True},
            {"completion": "Hence 34 works.", "answer": "34", "label": True}]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    proc = run_cli("verify", str(data), "--verifier", "math", "--json", check=True)
    report = json.loads(proc.stdout)
    assert (report["tp"], report["fp"], report["tn"], report["fn"]) == (2, 0, 1, 0)
    assert report["outcomes"]["unparseable"] == 1
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({**rows[0], "truncated": "yes"}) + "\n")
    proc = run_cli("verify", str(bad), "--verifier", "math")
    assert proc.returncode == 2 and "truncated" in proc.stderr and "row 1" in proc.stderr
