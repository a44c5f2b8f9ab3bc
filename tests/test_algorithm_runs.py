"""The parts of a run beyond the group estimators: PPO's critic, the frozen reference (a separate
model, or the LoRA base weights), gradient checkpointing, DAPO's dynamic sampling, every
algorithm through the real CLI, PPO's resume, and the cross-section config errors.

Everything runs on the shrunken tiny model (conftest TINY) with the real sampler and verifier
runner; the end-to-end runs are real CLI subprocesses and are marked slow.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from conftest import ROOT, TINY, run_cli, to_batch
from rft import algorithms as algo
from rft.batch import Batch
from rft.collector import Collector
from rft.config import load_config
from rft.data import PromptStream, load_examples
from rft.learner import Learner, Models, forward_logits, value_forward
from rft.models import enable_gradient_checkpointing, load_critic, load_model, load_tokenizer, trainable_model
from rft.sampling import HFSampler, Rollout, SamplingParams, build_sampler
from rft.tasks.arith import generate
from rft.verifiers import ScoreTable, Verifier, build_verifier
from rft.verifiers.runner import VerifierRunner

TINY_SETS = [a for prev, a in zip(TINY, TINY[1:]) if prev == "--set"]
G = 4


def _cfg(*overrides: str):
    # train.threads=null: a Trainer would otherwise set the thread count of the whole pytest process
    return load_config(ROOT / "tasks" / "arith.yaml", [*TINY_SETS, "train.threads=null", *overrides])


def _rollout(tiny_dir, n_prompts: int = 3, max_new_tokens: int = 10) -> Rollout:
    """A real sampled rollout: n_prompts prompts of different lengths (left padding) x G samples."""
    cfg = _cfg()
    tok, model = load_tokenizer(str(tiny_dir), cfg.model), load_model(str(tiny_dir), cfg.model)
    prompts = [f"Q: {r['question']}\nA:" for r in generate("train", n=n_prompts, seed=5)]
    torch.manual_seed(0)
    rollout = HFSampler(model, tok, SamplingParams(max_new_tokens=max_new_tokens)).generate(prompts, G)
    assert rollout.prompt_mask[:, 0].min() == 0, "the prompts should need left padding"
    return rollout


def _grads(model) -> dict[str, torch.Tensor]:
    return {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}


# ---------------------------------------------------------------------------------------- the critic

def test_critic_values_with_a_shared_prompt_match_the_full_forward(tiny_dir):
    rollout = _rollout(tiny_dir)
    critic = load_critic(str(tiny_dir), _cfg().model).train()
    N = rollout.response_ids.shape[0]
    out = {}
    for share in (False, True):
        critic.zero_grad(set_to_none=True)
        values = value_forward(critic, rollout, slice(0, N), share_prompt=share)
        values.sum().backward()
        out[share] = values.detach(), _grads(critic)
    (v_full, g_full), (v_shared, g_shared) = out[False], out[True]
    assert v_full.shape == (N, rollout.response_ids.shape[1]) and v_full.dtype == torch.float32
    torch.testing.assert_close(v_shared, v_full, atol=1e-5, rtol=0)
    assert g_full.keys() == g_shared.keys() == {n for n, _ in critic.named_parameters()}
    for name in g_full:
        torch.testing.assert_close(g_shared[name], g_full[name], atol=1e-4, rtol=1e-4, msg=lambda m, k=name: f"{k}: {m}")


def _critic_update(tiny_dir, rollout, reuse_graph: bool) -> list[torch.Tensor]:
    """One PPO critic update from the sampling-time values, with or without reusing their forward."""
    cfg = _cfg("algorithm.name=ppo", "algorithm.epochs=1", "train.micro_batch=64")
    torch.manual_seed(0)  # the new scalar head is drawn at random: the same one on both paths
    critic = load_critic(str(tiny_dir), cfg.model)
    learner = Learner(cfg, algo.ADVANTAGES.get("ppo"), Models(load_model(str(tiny_dir), cfg.model), critic=critic))
    learner.critic_opt = torch.optim.SGD(learner.critic.parameters(), lr=1.0)  # the change is the gradient itself
    batch = to_batch(rollout)
    old_values, graph = learner.values(batch)
    assert graph is not None  # one pass over one micro-batch: the forward is kept
    mask = batch.loss_mask
    returns = algo.token_level_rewards(torch.linspace(0, 1, mask.shape[0]), mask).flip(-1).cumsum(-1).flip(-1)
    stats = learner.update_critic(batch, returns, old_values, graph if reuse_graph else None)
    assert stats["loss/value"] > 0
    return [p.detach().clone() for p in learner.critic.parameters()]


def test_critic_update_through_the_kept_rollout_forward_equals_a_fresh_forward(tiny_dir):
    rollout = _rollout(tiny_dir)
    torch.manual_seed(0)
    before = [p.detach().clone() for p in load_critic(str(tiny_dir), _cfg().model).parameters()]
    fused, fresh = _critic_update(tiny_dir, rollout, True), _critic_update(tiny_dir, rollout, False)
    assert any((a - b).abs().max() > 1e-4 for a, b in zip(fresh, before))  # the update moved the critic
    for a, b in zip(fused, fresh):
        torch.testing.assert_close(a, b, atol=1e-6, rtol=1e-5)


def test_critic_starts_from_the_policy_backbone_with_a_new_scalar_head(tiny_dir):
    cfg = _cfg()
    critic = load_critic(str(tiny_dir), cfg.model)
    backbone = load_model(str(tiny_dir), cfg.model).model.state_dict()
    got = critic.base_model.state_dict()
    assert got.keys() == backbone.keys()
    for k in backbone:
        assert torch.equal(got[k], backbone[k]), k
    assert isinstance(critic.score, torch.nn.Linear)
    assert critic.score.out_features == 1 and critic.score.in_features == cfg.model.tiny.hidden_size
    rollout = _rollout(tiny_dir, n_prompts=2)
    with torch.no_grad():
        values = value_forward(critic.eval(), rollout, slice(0, 8))
    assert values.shape == rollout.response_ids.shape
    assert values.std() > 0  # one value per position, not a constant


# ---------------------------------------------------------------------------------------- the reference

def test_reference_model_holds_no_gradients_and_no_optimizer_state(tiny_dir):
    """Full fine-tuning with the KL in the loss: the reference runs in every update, but only the
    policy is trained; a reference that took gradients or optimizer state would double the memory."""
    rollout = _rollout(tiny_dir)
    cfg = _cfg("algorithm.kl_coef=0.05", "algorithm.skip_uniform_groups=false")
    learner = Learner(cfg, algo.ADVANTAGES.get("grpo"),
                      Models(load_model(str(tiny_dir), cfg.model), load_model(str(tiny_dir), cfg.model, trainable=False)))
    ref_before = {k: v.clone() for k, v in learner.ref.state_dict().items()}
    rewards = torch.tensor([1.0, 0.1, 0.1, 0.0] * 3)
    stats = learner.update(to_batch(rollout, rewards))
    assert learner.kl_placement == "loss" and "loss/kl" in stats
    for name, p in learner.ref.named_parameters():
        assert not p.requires_grad and p.grad is None, name
    assert not learner.ref.training  # reference_logprobs leaves it in eval mode
    ref_ptrs = {p.data_ptr() for p in learner.ref.parameters()}
    in_opt = [p for g in learner.opt.param_groups for p in g["params"]]
    assert not ref_ptrs & {p.data_ptr() for p in in_opt}
    assert not ref_ptrs & {p.data_ptr() for p in learner.opt.state}
    assert len(learner.opt.state) == len(in_opt)  # the policy's parameters did get a step
    for k, v in learner.ref.state_dict().items():
        assert torch.equal(v, ref_before[k]), k
    assert any(not torch.equal(p, learner.ref.state_dict()[k]) for k, p in learner.module.state_dict().items())


def test_lora_reference_is_the_base_weights_with_no_second_copy(tiny_dir):
    pytest.importorskip("peft")
    rollout = _rollout(tiny_dir)
    cfg = _cfg("model.lora.r=4")
    policy = trainable_model(str(tiny_dir), cfg.model)
    trainable = [n for n, p in policy.named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in n for n in trainable)
    torch.manual_seed(1)
    with torch.no_grad():  # lora_B starts at zero; move it so the policy differs from its base
        for n, p in policy.named_parameters():
            if "lora_B" in n:
                p.normal_(0, 0.05)
    learner = Learner(cfg, algo.ADVANTAGES.get("grpo"), Models(policy))
    assert learner.ref is None
    N, mask = rollout.response_ids.shape[0], rollout.response_mask
    ref = learner.reference_logprobs(to_batch(rollout))

    base = load_model(str(tiny_dir), cfg.model, trainable=False)
    with torch.no_grad():
        want = algo.logprobs_from_logits(forward_logits(base, rollout, slice(0, N), share_prompt=False),
                                         rollout.response_ids, temperature=cfg.sampler.temperature)
        own = algo.logprobs_from_logits(forward_logits(learner.module, rollout, slice(0, N), share_prompt=False),
                                        rollout.response_ids, temperature=cfg.sampler.temperature)
    torch.testing.assert_close(ref * mask, want * mask, atol=1e-5, rtol=0)
    assert ((own - want).abs() * mask).max() > 1e-3, "the adapters did not change the policy"


# ---------------------------------------------------------------------------------------- checkpointing

@pytest.mark.parametrize("lora", [False, True], ids=["full", "lora"])
def test_gradient_checkpointing_gives_the_same_gradients(tiny_dir, lora):
    """Recomputing activations changes no gradient. With LoRA the checkpointed blocks' inputs (the
    frozen embeddings) need no grad, and the adapters' gradients must still come through them."""
    if lora:
        pytest.importorskip("peft")
    rollout = _rollout(tiny_dir)
    model = trainable_model(str(tiny_dir), _cfg(*(["model.lora.r=4"] if lora else [])).model).train()
    if lora:
        torch.manual_seed(1)
        with torch.no_grad():
            for n, p in model.named_parameters():
                if "lora_B" in n:
                    p.normal_(0, 0.05)
    N, mask = rollout.response_ids.shape[0], rollout.response_mask

    def grads():
        model.zero_grad(set_to_none=True)
        lp = algo.logprobs_from_logits(forward_logits(model, rollout, slice(0, N), share_prompt=False),
                                       rollout.response_ids)
        (lp * mask).sum().backward()
        return _grads(model)

    plain = grads()
    enable_gradient_checkpointing(model)
    inner = model.get_base_model() if lora else model
    assert getattr(inner, "is_activation_checkpointing", None) or inner.is_gradient_checkpointing
    checkpointed = grads()
    want = {n for n, p in model.named_parameters() if p.requires_grad}
    assert plain.keys() == checkpointed.keys() == want
    assert any(g.abs().max() > 0 for g in plain.values())
    for name in plain:
        torch.testing.assert_close(checkpointed[name], plain[name], atol=1e-6, rtol=1e-5,
                                   msg=lambda m, k=name: f"{k}: {m}")


# ---------------------------------------------------------------------------------------- dynamic sampling

class ParityVerifier(Verifier):
    """Deterministic rewards with a known share of uniform groups: prompts with an even reference
    answer score `correct` on every completion (a uniform group); the others score by the parity of
    the completion's length, so their groups are mixed unless all G lengths share a parity.
    `all_correct` makes every group uniform."""

    def __init__(self, scores=None, all_correct: bool = False):
        super().__init__(scores)
        self.all_correct = all_correct

    def score(self, completion, answer, **fields):
        if self.all_correct or int(answer) % 2 == 0 or len(completion) % 2:
            return self.correct("parity")
        return self.wrong("parity")


class RecordingCollector(Collector):
    """A collector that keeps every round it scored, to check what dynamic sampling kept of them."""

    def shape(self, rollout, scores, idx):
        out, penalty = super().shape(rollout, scores, idx)
        self.rounds.append(out.rewards.clone())
        return out, penalty


def _collector(*overrides: str) -> RecordingCollector:
    cfg = _cfg("sft.steps=0", "verifier.workers=0", "verifier.name=test_algorithm_runs:ParityVerifier",
               "data.train.args.n=200", "sampler.max_new_tokens=8", "train.prompts_per_step=4", f"sampler.n={G}",
               "algorithm.dynamic_sampling=true", *overrides)
    path = str(tiny_path_of(cfg))
    tok = load_tokenizer(path, cfg.model)
    verifier = build_verifier(cfg.verifier.name, cfg.verifier.options, ScoreTable())
    sampler = build_sampler(cfg, load_model(path, cfg.model), tok, "cpu")
    col = RecordingCollector(cfg, load_examples(cfg, "train", tok), sampler, VerifierRunner(verifier, workers=0),
                             tok.pad_token_id)
    col.rounds = []
    torch.manual_seed(0)
    return col


def tiny_path_of(cfg):
    from rft.models import tiny_path

    return tiny_path(cfg.model.tiny)


def _rescore(col: Collector, batch: Batch) -> torch.Tensor:
    """The verifier's rewards of the batch's own texts, each against its group's example."""
    v = col.runner.verifier
    return torch.tensor([v.score(t, **col.examples[int(i)].fields).value for t, i in zip(batch.texts, batch.group_ids)])


def test_dynamic_sampling_fills_the_batch_with_groups_that_have_signal():
    col = _collector()
    batch = col.collect()
    B, rounds, rewards = col.cfg.train.prompts_per_step, col.rounds, batch.rewards
    assert algo.uniform_groups(rounds[0], G).any(), "precondition: the first round has uniform groups"
    assert batch.stats["sampling/rounds"] == len(rounds) >= 2
    # kept: every group with signal, in the order drawn, the first B of them
    kept = [g for r in rounds for g in r.view(-1, G) if not algo.uniform_groups(g, G).all()]
    assert len(kept) >= B and len([g for r in rounds[:-1] for g in r.view(-1, G)
                                   if not algo.uniform_groups(g, G).all()]) < B  # no round more than needed
    assert batch.num_rows == rewards.shape[0] == len(batch.texts) == B * G
    assert not algo.uniform_groups(rewards, G).any()
    assert torch.equal(rewards, torch.cat(kept[:B]))
    assert torch.equal(_rescore(col, batch), rewards)  # rows, texts, group ids and rewards stayed aligned


def test_dynamic_sampling_stops_after_max_sample_rounds():
    col = _collector("algorithm.max_sample_rounds=1")
    batch = col.collect()
    B = col.cfg.train.prompts_per_step
    assert batch.stats["sampling/rounds"] == 1 and len(col.rounds) == 1
    drawn = col.rounds[0]
    signal = ~algo.uniform_groups(drawn, G)
    assert 0 < signal.sum() < B, "precondition: the round is short but not empty"
    assert batch.num_rows == int(signal.sum()) * G  # trains on what it has
    assert torch.equal(batch.rewards, drawn[batch.group_rows(signal.nonzero().view(-1))])
    assert torch.equal(_rescore(col, batch), batch.rewards)


def test_dynamic_sampling_with_no_signal_at_all_trains_on_the_last_round():
    col = _collector("algorithm.max_sample_rounds=2", "verifier.options.all_correct=true")
    batch = col.collect()
    B = col.cfg.train.prompts_per_step
    assert batch.stats["sampling/rounds"] == 2 and len(col.rounds) == 2
    assert batch.num_rows == B * G and algo.uniform_groups(batch.rewards, G).all()
    # the last round's prompts: the stream's second draw of B (a fresh stream replays it)
    stream = PromptStream(len(col.examples), col.cfg.train.seed)
    stream.take(B)
    assert batch.group_ids[::G].tolist() == stream.take(B)
    assert torch.equal(_rescore(col, batch), batch.rewards)


def test_batch_cat_repads_prompts_on_the_left_and_responses_on_the_right():
    pad = 9

    def batch(prompt_ids, prompt_mask, response_ids, response_mask, logprobs, texts, truncated):
        n = len(texts)
        attn = torch.cat([torch.tensor(prompt_mask), torch.tensor(response_mask)], 1)
        return Batch(prompt_ids=torch.tensor(prompt_ids), response_ids=torch.tensor(response_ids), attention_mask=attn,
                     loss_mask=torch.tensor(response_mask).float(), logprobs=torch.tensor(logprobs),
                     rewards=torch.arange(n).float(), outcomes=["wrong"] * n, reasons=texts,
                     group_ids=torch.zeros(n, dtype=torch.long), truncated=torch.tensor(truncated), texts=texts,
                     group_size=2)

    a = batch([[1, 2], [1, 2]], [[1, 1], [1, 1]], [[3, 4, 5], [3, 9, 9]], [[1, 1, 1], [1, 0, 0]],
              [[-1.0, -2.0, -3.0], [-1.5, 0.0, 0.0]], ["a0", "a1"], [True, False])
    b = batch([[9, 6, 7, 8], [9, 6, 7, 8]], [[0, 1, 1, 1]] * 2, [[4], [5]], [[1], [1]], [[-0.5], [-0.25]],
              ["b0", "b1"], [False, False])
    c = Batch.cat([a, b], pad)
    assert torch.equal(c.prompt_ids, torch.tensor([[9, 9, 1, 2], [9, 9, 1, 2], [9, 6, 7, 8], [9, 6, 7, 8]]))
    assert torch.equal(c.attention_mask[:, :4], torch.tensor([[0, 0, 1, 1], [0, 0, 1, 1], [0, 1, 1, 1], [0, 1, 1, 1]]))
    assert torch.equal(c.response_ids, torch.tensor([[3, 4, 5], [3, 9, 9], [4, 9, 9], [5, 9, 9]]))
    assert torch.equal(c.response_mask, torch.tensor([[1, 1, 1], [1, 0, 0], [1, 0, 0], [1, 0, 0]]))
    assert torch.equal(c.loss_mask, c.response_mask.float())
    assert torch.equal(c.logprobs, torch.tensor([[-1.0, -2.0, -3.0], [-1.5, 0, 0], [-0.5, 0, 0], [-0.25, 0, 0]]))
    assert c.texts == c.reasons == ["a0", "a1", "b0", "b1"] and c.group_size == 2
    assert torch.equal(c.rewards, torch.tensor([0.0, 1.0, 0.0, 1.0]))
    assert torch.equal(c.truncated, torch.tensor([True, False, False, False]))
    # the attention mask follows the re-padding, so positions (mask cumsum) are unchanged per row
    assert torch.equal(c.attention_mask[2:], torch.tensor([[0, 1, 1, 1, 1, 0, 0]] * 2))
    second = c.select_groups(torch.tensor([1]))
    assert second.texts == ["b0", "b1"] and torch.equal(second.rewards, torch.tensor([0.0, 1.0]))


# ---------------------------------------------------------------------------------------- the CLI

# See test_train_e2e.py for why each budget is safe to shrink; no warm-up here: RL starts from the
# tiny model itself. Its 8-token samples are all cut at the limit, which the math verifier scores
# `unparseable` by default (no answer committed to); with `fallback_when_truncated` their last
# number counts, so they score a spread of wrong (0.1) and unparseable (0.0) and the update has signal.
RUN = [*TINY, "--set", "sft.steps=0", "--set", "train.eval_limit=4", "--set", "train.prompts_per_step=2",
       "--set", "sampler.n=4", "--set", "data.train.args.n=100", "--set", "sampler.max_new_tokens=8",
       "--set", "train.threads=1", "--set", "train.sample_every=0",
       "--set", "verifier.options={fallback_when_truncated: true}"]


def _metrics(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines() if line]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["dr_grpo", "rloo", "reinforce_pp", "ppo"])
def test_every_algorithm_trains_end_to_end(name, tiny_dir, tmp_path):
    out = tmp_path / "run"
    # ppo: one critic warm-up step (arith.yaml has 20), then both train
    run_cli("train", "tasks/arith.yaml", *RUN, "--set", f"algorithm.name={name}", "--set", "train.steps=3",
            "--set", "algorithm.critic.warmup_steps=1", "--output", str(out), check=True)
    rows = _metrics(out)
    assert [r["step"] for r in rows] == [1, 2, 3]
    warm = 1 if name == "ppo" else 0
    assert all("policy/grad_norm" not in r for r in rows[:warm])  # the critic's warm-up leaves the policy alone
    assert all("policy/grad_norm" in r for r in rows[warm:])
    if name == "ppo":
        for r in rows:
            assert {"loss/value", "critic/explained_var", "critic/grad_norm"} <= r.keys(), r.keys()
        assert (out / "final" / "critic" / "config.json").is_file()
        critic = load_file(out / "final" / "critic" / "model.safetensors")
        assert critic["score.weight"].shape == (1, 64)
    else:
        assert not (out / "final" / "critic").exists()
    start, final = load_file(Path(tiny_dir) / "model.safetensors"), load_file(out / "final" / "model.safetensors")
    assert any(not torch.equal(start[k], final[k]) for k in start), "training left every weight unchanged"


@pytest.mark.slow
def test_ppo_resume_restores_the_critic(tmp_path):
    # the critic's warm-up spans the checkpoint (steps 1-3), so the resumed run must know step 3 is
    # still warm-up and step 4 is not
    run = [*RUN, "--set", "algorithm.name=ppo", "--set", "train.steps=4", "--set", "train.save_every=2",
           "--set", "algorithm.critic.warmup_steps=3"]
    straight = tmp_path / "straight"
    run_cli("train", "tasks/arith.yaml", *run, "--output", str(straight), check=True)
    ckpt = straight / "checkpoints" / "step-000002"
    assert (ckpt / "critic" / "model.safetensors").is_file()
    assert "critic_optimizer" in torch.load(ckpt / "trainer_state.pt", weights_only=False)["learner"]
    assert not (straight / "checkpoints" / "step-000004").exists()  # the last step is saved as final/ only

    resumed = tmp_path / "resumed"
    shutil.copytree(straight, resumed)  # as if killed after step 2 was saved: steps 3-4 are redone
    shutil.rmtree(resumed / "final")
    (resumed / "summary.json").unlink()
    run_cli("train", "tasks/arith.yaml", *run, "--output", str(resumed), "--resume", check=True)

    assert [r["step"] for r in _metrics(resumed)] == [1, 2, 3, 4]
    assert ["policy/grad_norm" in r for r in _metrics(resumed)] == [False, False, False, True]
    assert not torch.equal(load_file(ckpt / "model.safetensors")["model.norm.weight"],
                           load_file(straight / "final" / "model.safetensors")["model.norm.weight"])
    for part in ("critic/model.safetensors", "model.safetensors"):
        got, want = load_file(resumed / "final" / part), load_file(straight / "final" / part)
        assert got.keys() == want.keys(), part
        for k in want:
            assert torch.equal(got[k], want[k]), f"{part}: {k} differs after resume"
    # and the critic did train: its head moved from the checkpoint's
    assert not torch.equal(load_file(ckpt / "critic" / "model.safetensors")["score.weight"],
                           load_file(straight / "final" / "critic" / "model.safetensors")["score.weight"])


@pytest.mark.parametrize("override, field", [
    ("algorithm.name=foo", "algorithm.name"),
    ("sampler.n=1", "sampler.n"),  # tasks/arith.yaml runs grpo, which compares samples of a prompt
    ("algorithm.overlong_buffer=999", "algorithm.overlong_buffer"),  # > sampler.max_new_tokens (24)
])
def test_inconsistent_algorithm_settings_are_one_error_line_naming_the_field(override, field, tmp_path):
    out = tmp_path / "run"
    proc = run_cli("train", "tasks/arith.yaml", "--set", override, "--output", str(out))
    assert proc.returncode == 2, proc.stderr[-3000:]
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and field in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert not out.exists()
