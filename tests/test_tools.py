"""Tool calls inside rollouts: the tools, the call syntax, and multi-turn rollouts on a real model.

The rollout tests sample from the shrunken tiny model after a short SFT warm-up on
`tasks/arith_tool.yaml` (with more demonstrations calling the tool, so that sampled rollouts do),
trained once per module through `rft train` as a user would run it.
"""
from __future__ import annotations

import json

import pytest
import torch

from conftest import ROOT, TINY, run_cli
from rft.config import load_config
from rft.data import Example, sft_tensors
from rft.learner import forward_logits
from rft.models import load_model, load_tokenizer
from rft.sampling import HFSampler, SamplingParams
from rft.sampling.episodes import EpisodeSampler
from rft.tasks.arith import generate_tool
from rft.verifiers import ScoreTable, ToolEnv, ToolFormat
from rft.verifiers.tools import Calculator, Python, ToolResult, build_tool

TASK = ROOT / "tasks" / "arith_tool.yaml"
TINY_SETS = [a for prev, a in zip(TINY, TINY[1:]) if prev == "--set"]


# ------------------------------------------------------------------------------------ the tools
@pytest.mark.parametrize("expr, out", [("48 * 397", "19056"), ("7 + 5", "12"), ("(12 - 5) * 7 / 2", "24.5"),
                                       ("2 ** 100", str(2 ** 100)), ("1 / 3", "0.3333333333"), ("-4 // 3", "-2"),
                                       ("1,000 * 3", "3000"), ("0.1 + 0.2", "0.3")])
def test_calc_is_exact_arithmetic(expr, out):
    res = Calculator()(expr)
    assert (res.output, res.status) == (out, "ok")


@pytest.mark.parametrize("expr, why", [("__import__('os').getcwd()", "unsupported"),
                                       ("x + 1", "unsupported"), ("1 / 0", "division by zero"),
                                       ("2 ** 100000", "exponent"), ("48 *", "cannot parse"),
                                       ("9 ** 999 * 9 ** 999", "digits")])
def test_calc_refuses_what_is_not_arithmetic_and_never_runs_it(expr, why):
    res = Calculator()(expr)
    assert res.status == "error" and why in res.output


def test_python_tool_runs_the_call_in_the_sandbox_with_its_limits():
    py = Python(timeout_s=1.0, memory_mb=128, workers=1)
    try:
        assert py("print(48 * 397)") == ToolResult("19056", "ok")
        err = py("raise ValueError('bad input')")
        assert err.status == "error" and err.output == "ValueError: bad input"
        slow = py("while True:\n    pass")
        assert slow.status == "timeout"
        assert py("```python\nprint('fenced')\n```").output == "fenced"
        net = py("import socket\nsocket.create_connection(('1.1.1.1', 53), timeout=1)")
        assert net.status == "error"  # no network inside the sandbox
    finally:
        py.close()


def test_a_long_tool_result_is_cut():
    res = build_tool("calc", {"max_digits": 2000})("10 ** 999")
    assert res.status == "ok" and res.output.endswith("...[truncated]") and len(res.output) < 450


def test_tool_format_parses_the_call_that_ends_the_turn():
    f = ToolFormat()
    assert f.parse(" <calc>48 * 397</calc>", ["calc"]) == ("calc", "48 * 397")
    assert f.parse("<calc>1+1</calc> then <calc>2+2</calc>", ["calc"]) == ("calc", "2+2")
    assert f.parse("<calc>1+1</calc> and more text", ["calc"]) is None  # the turn did not stop at the call
    assert f.parse(" The answer is 5.", ["calc"]) is None
    assert f.parse("<python>print(1)</python>", ["calc"]) is None  # not a tool the task offers
    g = ToolFormat(open="[[{name}:", close=":{name}]]", result=" => {output};")
    assert g.parse("[[calc: 2*3 :calc]]", ["calc"]) == ("calc", "2*3")
    assert g.render("6") == " => 6;" and g.stops(["calc", "python"]) == [":calc]]", ":python]]"]


def test_a_demonstration_splits_into_model_text_and_tool_results():
    f = ToolFormat()
    assert f.segments(" <calc>4 * 5</calc><output>20</output> The answer is 20.") == [
        (" <calc>4 * 5</calc>", True), ("<output>20</output>", False), (" The answer is 20.", True)]
    assert f.segments(" 4 * 5 = 20.") == [(" 4 * 5 = 20.", True)]


def test_sft_tokenizes_tool_results_apart_and_puts_no_loss_on_them(tiny_dir):
    cfg = load_config(TASK, TINY_SETS)
    tok = load_tokenizer(str(tiny_dir), cfg.model)
    target = "<calc>48 * 397</calc><output>19056</output> The answer is 19056."
    [item] = sft_tensors([Example("Q: x\nA:", target, {"answer": "19056"})], tok, " ", 256, "test",
                         segments=ToolFormat().segments)
    pieces = [" <calc>48 * 397</calc>", "<output>19056</output>", " The answer is 19056."]
    ids = [tok(p, add_special_tokens=False)["input_ids"] for p in pieces]
    n_prompt = len(tok("Q: x\nA:", add_special_tokens=False)["input_ids"])
    assert item["input_ids"][n_prompt:] == ids[0] + ids[1] + ids[2] + [tok.eos_token_id]
    labels = item["labels"][n_prompt:]
    assert labels == ids[0] + [-100] * len(ids[1]) + ids[2] + [tok.eos_token_id]


def test_tool_task_rows_mix_easy_and_hard_and_demos_call_the_tool_sometimes():
    rows = generate_tool("train", n=2000, seed=1)
    hard = [r for r in rows if r["kind"] == "hard"]
    assert 0.45 < len(hard) / len(rows) < 0.55
    called = [r for r in rows if "<calc>" in r["solution"]]
    assert 0.25 < len(called) / len(rows) < 0.35
    for r in called[:50]:  # every demonstration's tool result is what calc gives
        expr = r["solution"].split("<calc>")[1].split("</calc>")[0]
        assert Calculator()(expr).output == r["answer"]
    held_out = {r["question"] for r in generate_tool("eval")}
    assert not held_out & {r["question"] for r in rows}


# ------------------------------------------------------------------------- config and errors
@pytest.mark.parametrize("sets, field", [
    (["sampler.tools=[nope]"], "sampler.tools"),
    (["sampler.tools=[calc]", "sampler.tool_options={python: {timeout_s: 1}}"], "sampler.tool_options"),
    (["sampler.tools=[calc]", "sampler.executor=ray"], "sampler.executor"),
    (["sampler.tool_format.close=</tool>"], "sampler.tool_format"),
    (["sampler.tool_options={calc: {bogus: 1}}"], "sampler.tool_options"),
])
def test_bad_tool_settings_are_one_line_errors_naming_the_field(tmp_path, sets, field):
    proc = run_cli("train", str(TASK), *TINY, *[a for s in sets for a in ("--set", s)], "--output",
                   str(tmp_path / "run"))
    assert proc.returncode == 2, proc.stderr
    assert field in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "run").exists()


# ------------------------------------------------------------------------ rollouts on a model
@pytest.mark.parametrize("rows", [1, 3])
def test_a_turn_ends_at_its_stop_string_even_when_it_is_the_last_row_to_stop(tiny_dir, rows):
    """Regression: a batch whose last running row stopped at a stop string ends on that very token;
    that row's turn was once reported as cut at the token limit (`length`) instead of `stop`."""
    cfg = load_config(TASK, TINY_SETS)
    tok = load_tokenizer(str(tiny_dir), cfg.model)
    model = load_model(str(tiny_dir), cfg.model, trainable=False)
    hf = HFSampler(model, tok, SamplingParams(max_new_tokens=16))
    greedy = SamplingParams(max_new_tokens=16, greedy=True, logprobs=False)
    context = tok(PROMPTS[0], add_special_tokens=False)["input_ids"]
    [free] = hf.generate_ids([context], greedy)
    k = next(j for j in range(2, len(free.tokens)) if tok.decode(free.tokens[j]).strip())  # a visible token
    stop = tok.decode(free.tokens[k]).strip()
    turns = hf.generate_ids([context] * rows, greedy, stop=[stop], max_new=[16] * rows)
    for t in turns:
        assert t.finish == "stop" and stop in tok.decode(t.tokens) and len(t.tokens) <= k + 1
        assert t.tokens == free.tokens[:len(t.tokens)]  # the same greedy tokens, cut at the stop



@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """`rft train tasks/arith_tool.yaml` on the shrunken tiny model: a warm-up whose demos call the
    tool 70% of the time, 3 GRPO steps; the run directory."""
    out = tmp_path_factory.mktemp("tool") / "run"
    sets = ["sft.steps=200", "sft.lr=3e-3", "data.train.args.tool_rate=0.7", "data.train.args.n=3000",
            "train.steps=3", "train.prompts_per_step=4", "sampler.n=4", "train.eval_limit=24", "train.sample_every=1",
            "train.save_every=0"]
    proc = run_cli("train", str(TASK), *TINY, *[a for s in sets for a in ("--set", s)], "--output", str(out),
                   check=True, timeout=900)
    return out, proc


def _sampler(run_dir, max_turns=3, max_new_tokens=64):
    cfg = load_config(TASK, TINY_SETS)
    tok = load_tokenizer(str(run_dir / "sft"), cfg.model)
    model = load_model(str(run_dir / "sft"), cfg.model, trainable=False)
    params = SamplingParams(max_new_tokens=max_new_tokens)
    tools = ToolEnv.build(["calc"])
    episodes = EpisodeSampler(HFSampler(model, tok, params), tok, lambda: ToolEnv(ScoreTable(), tools=tools),
                              params, max_turns=max_turns)
    return episodes, model, tok


PROMPTS = [f"Q: {r['question']}\nA:" for r in generate_tool("eval", eval_n=8)]


def test_rft_train_arith_tool_end_to_end_logs_tool_metrics_and_shows_a_multi_turn_sample(trained):
    out, proc = trained
    metrics = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [m["step"] for m in metrics] == [1, 2, 3]
    for m in metrics:
        for key in ("episode/turns", "episode/max_turns", "tool/calls", "tool/call_rate", "tool/errors",
                    "tool/timeouts", "tool/output_tokens"):
            assert key in m
        assert 1 <= m["episode/turns"] <= 3
        assert m["tool/call_rate"] == pytest.approx(m["tool/calls"] / (m["episode/turns"] * 16))
    assert sum(m["tool/calls"] for m in metrics) > 0  # the warm-up taught it to call the tool
    assert all(m["tool/output_tokens"] > 0 for m in metrics if m["tool/calls"])
    # the sampler's log-probs are the learner's for the same tokens: the tokens trained on are the
    # ones sampled, in their context (tool results between turns included)
    assert max(m["mismatch/logprob_abs_diff"] for m in metrics) < 1e-4
    summary = json.loads((out / "summary.json").read_text())
    assert 0.0 <= summary["eval"]["last"]["tool_use"] <= 1.0
    assert "tool results and observations in cyan" in proc.stderr
    assert "<output>" in proc.stderr  # the sample table shows the conversation with its tool results


def test_a_rollout_with_tool_calls_is_its_saved_tokens_replayed(trained):
    """No re-tokenization: replaying each saved rollout (the model's turns as saved tokens, the
    tool's results recomputed and tokenized on their own) gives exactly its token ids, and the
    learner's forward over those ids gives the sampler's log-probs on the sampled tokens."""
    sampler, model, tok = _sampler(trained[0])
    torch.manual_seed(0)
    r = sampler.generate(PROMPTS, 8)
    called = [i for i, e in enumerate(r.episodes) if e["tool_calls"]]
    assert called, "no rollout called the tool"
    env = ToolEnv(ScoreTable(), tools=ToolEnv.build(["calc"]))
    for i in range(len(r.texts)):
        n = int(r.response_mask[i].sum())
        ids, mine = r.response_ids[i, :n].tolist(), r.loss_mask[i, :n].tolist()
        runs, start = [], 0  # maximal runs of model tokens / tool-result tokens
        for k in range(1, n + 1):
            if k == n or mine[k] != mine[start]:
                runs.append((ids[start:k], bool(mine[start])))
                start = k
        replay = []
        for toks, is_model in runs:
            if is_model:
                replay += toks
                step = env.step(tok.decode(toks, skip_special_tokens=True))
                if step.observation is not None:
                    replay += tok(step.observation, add_special_tokens=False)["input_ids"]
        assert replay[:n] == ids, f"row {i}: the replay differs from the saved tokens"
        assert sum(not m for _, m in runs) == r.episodes[i]["tool_calls"]
        assert r.texts[i] == "".join(tok.decode(t, skip_special_tokens=True) for t, m in runs if m)
    # the learner's log-probs of the saved ids equal the sampled ones on the model's tokens
    with torch.no_grad():
        logits = forward_logits(model, r, slice(0, len(r.texts)), share_prompt=False)
    lp = torch.log_softmax(logits.float(), -1).gather(-1, r.response_ids[..., None]).squeeze(-1)
    mask = r.loss_mask.bool()
    assert (lp - r.logprobs)[mask].abs().max() < 1e-4
    assert (r.logprobs[~mask] == 0).all() and (r.loss_mask[r.response_mask == 0] == 0).all()
    # what this guards against: re-tokenizing the decoded conversation gives other ids for some
    # rows (the model sampled a split of the text that the tokenizer would not choose)
    retokenized = 0
    for i in range(len(r.texts)):
        n = int(r.response_mask[i].sum())
        saved = r.prompt_ids[i][r.prompt_mask[i].bool()].tolist() + r.response_ids[i, :n].tolist()
        again = tok(PROMPTS[i // 8] + r.episodes[i]["transcript"], add_special_tokens=False)["input_ids"]
        again += [tok.eos_token_id] if saved[-1] == tok.eos_token_id else []
        retokenized += again != saved
    assert retokenized > 0


def test_tool_results_are_attended_to_and_out_of_the_loss(trained):
    sampler, _, tok = _sampler(trained[0])
    torch.manual_seed(1)
    r = sampler.generate(PROMPTS, 4)
    for i, e in enumerate(r.episodes):
        tool = (r.response_mask[i] == 1) & (r.loss_mask[i] == 0)
        assert int(tool.sum()) == e["tool_tokens"]
        text = tok.decode(r.response_ids[i][tool].tolist())
        assert text.count("<output>") == e["tool_calls"]
        if e["tool_calls"]:
            assert "<output>" not in r.texts[i]  # the verifier sees the model's turns only
            assert "<output>" in e["transcript"]


def test_max_turns_and_the_token_budget_end_rollouts(trained):
    sampler, _, _ = _sampler(trained[0], max_turns=1)
    torch.manual_seed(0)
    r = sampler.generate(PROMPTS, 4)
    for i, e in enumerate(r.episodes):
        assert e["turns"] == 1
        if e["tool_calls"]:  # the call got no turn to read its result: nothing appended
            assert e["ended"] == "max_turns" and r.texts[i].rstrip().endswith("</calc>")
            assert bool(r.loss_mask[i][r.response_mask[i] == 1].all())
    sampler, _, _ = _sampler(trained[0], max_new_tokens=12)
    r = sampler.generate(PROMPTS, 4)
    assert int(r.response_mask.sum(-1).max()) <= 12
    assert all(bool(t) == (e["ended"] == "length") for t, e in zip(r.truncated.tolist(), r.episodes))


def test_greedy_multi_turn_sampling_is_deterministic(trained):
    sampler, _, _ = _sampler(trained[0])
    greedy = SamplingParams(max_new_tokens=64, greedy=True, logprobs=False)
    a, b = sampler.generate(PROMPTS, 1, greedy), sampler.generate(PROMPTS, 1, greedy)
    assert torch.equal(a.response_ids, b.response_ids) and a.texts == b.texts and a.logprobs is None


def test_rft_eval_samples_with_the_tools_and_reports_tool_use(trained):
    out, _ = trained
    proc = run_cli("eval", str(TASK), "--model", str(out / "final"), "--limit", "24", "--json", *TINY, check=True)
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    assert res["n"] == 24 and 0.0 <= res["tool_use"] <= 1.0 and res["tool_calls"] >= res["tool_use"]
    summary = json.loads((out / "summary.json").read_text())
    # greedy over the same 24 prompts in one batch: the run's own final eval, answer for answer
    assert res["correct"] == sum(summary["eval"]["last"]["correct_mask"])


def test_tool_env_runs_a_python_call_in_the_sandbox_and_counts_its_errors():
    tools = ToolEnv.build(["python", "calc"], {"python": {"timeout_s": 1.0, "workers": 1}})
    env = ToolEnv(ScoreTable(), tools=tools)
    try:
        assert env.stop == ("</python>", "</calc>")
        ok = env.step("Let me run it. <python>print(6 * 7)</python>")
        assert (ok.observation, ok.info) == ("<output>42</output>", {"tool": "python", "status": "ok"})
        bad = env.step("<python>1 / 0</python>")
        assert bad.observation == "<output>ZeroDivisionError: division by zero</output>"
        assert bad.info["status"] == "error"
        late = env.step("<python>import time\ntime.sleep(5)</python>")
        assert late.info["status"] == "timeout"
        answer = env.step(" The answer is 42.")
        assert answer.done and answer.score is None  # the task's verifier scores the answer
    finally:
        tools["python"].close()
