"""The task YAML schema: one validated `TaskConfig` from a file plus `--set key.path=value`.

Every section forbids unknown keys, so a typo fails at load time with the file, the key path
and what was expected (`tasks/arith.yaml: algorithm.kl_coeff: unknown key ...`). No torch here.
"""
from __future__ import annotations

import string
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from rft.errors import UserError


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, populate_by_name=True)


class TinyModelConfig(Section):
    """The built-in `tiny` recipe: a small model and a BPE tokenizer built offline from a seed."""

    arch: Literal["qwen2", "llama"] = Field("qwen2", description="Hugging Face architecture of the tiny model.")
    hidden_size: int = Field(256, gt=0, description="Width of the residual stream.")
    num_layers: int = Field(4, gt=0, description="Transformer blocks.")
    num_heads: int = Field(4, gt=0, description="Attention heads (key/value heads are the same).")
    intermediate_size: int = Field(1024, gt=0, description="MLP width.")
    vocab_size: int = Field(512, ge=300, description="BPE vocabulary size (byte-level, digits split).")
    seed: int = Field(0, description="Seed of the weights; the same seed gives the same model.")


class LoraConfig(Section):
    """LoRA adapters through peft (`pip install rft[lora]`): `model.lora: {r: 16}` turns them on."""

    r: int = Field(16, gt=0, description="Adapter rank.")
    alpha: float = Field(32.0, gt=0, description="Scaling numerator: the update is (alpha / r) * B @ A.")
    dropout: float = Field(0.0, ge=0, lt=1, description="Dropout on the adapter's input.")
    target_modules: str | list[str] = Field("all-linear", description="Module names to adapt, or `all-linear` (every linear layer but the output head).")


class ModelConfig(Section):
    name: str = Field("tiny", description="`tiny` (built locally), a local Hugging Face model directory, or a hub id.")
    tiny: TinyModelConfig = Field(default_factory=TinyModelConfig, description="Recipe used when name is `tiny`.")
    dtype: Literal["float32", "bfloat16", "float16"] = Field("float32", description="Compute precision. `bfloat16`/`float16`: mixed precision through accelerate (forward passes under autocast; log-probs, ratios, KL, advantages and losses in float32; float16 with a loss scaler, on CUDA only); trained weights and optimizer state stay in `param_dtype`; the frozen reference is stored in this dtype.")
    param_dtype: Literal["float32", "bfloat16"] | None = Field(None, description="Storage dtype of the trained weights (policy, critic) and so of their optimizer state; null: float32. `bfloat16` halves their memory at the cost of precision in the update.")
    revision: str | None = Field(None, description="Hub revision (branch, tag or commit) for hub ids.")
    trust_remote_code: bool = Field(False, description="Passed to the Auto classes.")
    lora: LoraConfig | None = Field(None, description="Train LoRA adapters (peft) instead of all weights; the reference is then the base weights under `disable_adapter()`, with no second copy. null: full fine-tuning.")
    gradient_checkpointing: bool = Field(False, description="Recompute activations in the backward pass (less memory, more compute); turns off train.share_prompt in the update, since a checkpointed forward cannot take a KV cache.")


class SourceConfig(Section):
    """Where rows come from: a local `path`, a `hub` id, both (the file if it exists, else the hub), or a `generator`."""

    path: str | None = Field(None, description="Local .jsonl/.json/.parquet/.csv file (gzip allowed), read through `datasets`. Relative paths resolve from the YAML's folder, then the working directory. With `hub` also given, the file is used when it exists and the hub id otherwise.")
    hub: str | None = Field(None, description="A `datasets` hub id, loaded with load_dataset(hub, subset, split=split); with `path`, the fallback when that file does not exist.")
    subset: str | None = Field(None, description="Hub dataset configuration name.")
    split: str = Field("train", description="Split for hub datasets, and the split argument passed to a generator.")
    generator: str | None = Field(None, description="`module:function` returning a list of row dicts (called with split= and args); excludes path and hub.")
    args: dict[str, Any] = Field(default_factory=dict, description="Keyword arguments for the generator.")
    map: str | None = Field(None, description="`module:function` applied to every row (dict -> dict) after loading and `limit`, whatever the source, e.g. `rft.tasks.math_data:gsm8k`.")
    limit: int | None = Field(None, gt=0, description="Use only the first `limit` rows.")

    @model_validator(mode="after")
    def _one_source(self):
        if self.generator and (self.path or self.hub):
            given = [k for k in ("path", "hub") if getattr(self, k)]
            raise ValueError(f"a generator excludes path and hub (got generator and {' and '.join(given)}); "
                             "give a generator, or a path and/or a hub id")
        if not (self.generator or self.path or self.hub):
            raise ValueError("give a path, a hub id (or both: the file if it exists, else the hub), or a generator")
        return self


class DataConfig(Section):
    train: SourceConfig = Field(description="Prompts (and references) for RL; also the SFT rows unless `sft` is given.")
    eval: SourceConfig | None = Field(None, description="Held-out rows for greedy accuracy and pass@k.")
    sft: SourceConfig | None = Field(None, description="Demonstrations for the warm-up, if not the train rows.")
    format: Literal["template", "alpaca", "messages"] = Field("template", description="Row format: `template` fills `prompt` from row fields; `alpaca` reads instruction/input/output(/history); `messages` reads a chat `messages` list.")
    prompt: str = Field("{question}", description="Prompt template (Python format string over row fields) for format `template`.")
    answer_field: str = Field("answer", description="Row field holding the reference answer given to the verifier.")
    solution_field: str = Field("solution", description="Row field holding the reference solution used as the SFT target.")
    response_prefix: str = Field("", description="Text put between prompt and SFT target (e.g. a space).")

    @field_validator("prompt")
    @classmethod
    def _named_fields_only(cls, prompt: str) -> str:
        try:
            names = [name for _, name, _, _ in string.Formatter().parse(prompt) if name is not None]
        except ValueError as e:
            raise ValueError(f"not a valid format string ({e}); write literal braces as {{{{ and }}}}") from None
        if any(name == "" or name.isdigit() for name in names):
            raise ValueError("`{}` is a positional field, not a row field; write literal braces as {{ and }}, "
                             "e.g. \\boxed{{}}")
        return prompt


class ScoresConfig(Section):
    correct: float = Field(1.0, description="Reward for a correct answer.")
    wrong: float = Field(0.1, description="Reward for a parseable but wrong answer.")
    unparseable: float = Field(0.0, description="Reward when no answer can be parsed.")
    error: float = Field(0.0, description="Reward when the verifier raised or timed out.")


class AuditConfig(Section):
    """A second verifier that re-scores a sample of the training completions, to catch reward hacking."""

    verifier: str = Field(description="Registry name or import path of the auditing verifier, e.g. `math` with `options: {strict: true}`, or a stricter verifier of your own.")
    options: dict[str, Any] = Field(default_factory=dict, description="Keyword options for the auditing verifier.")
    every: int = Field(1, ge=1, description="Audit every N-th RL step.")
    sample: int = Field(16, ge=1, description="Completions re-scored per audited step (drawn at random from the step's batch, over all ranks).")


class VerifierConfig(Section):
    name: str = Field("math", description="Registry name (`math`) or import path `pkg.module:Class`.")
    options: dict[str, Any] = Field(default_factory=dict, description="Keyword options for the verifier class.")
    scores: ScoresConfig = Field(default_factory=ScoresConfig, description="Reward per outcome.")
    executor: Literal["inprocess", "pool", "ray"] = Field("pool", description="Where scoring runs. `pool`: `workers` processes on this machine, each row bounded by timeout_s (a hang or crash costs that row only). `inprocess`: a thread of the trainer (no hang or crash protection; for trivial verifiers and debugging). `ray` (`pip install 'rft[ray]'`): `workers` Ray actors, each with its own pool of `ray_processes` processes, anywhere on the cluster at `ray_address`. Every executor scores a group as soon as it is sampled, while the rest of the batch samples.")
    workers: int = Field(1, ge=0, description="`pool`: worker processes (0 is the same as executor `inprocess`); `ray`: Ray actors.")
    ray_processes: int = Field(1, ge=1, description="`ray`: scoring processes inside each Ray actor (its local pool; a code verifier's sandbox runs in them).")
    ray_address: str | None = Field(None, description="`ray`: the cluster to join (`auto`: the one `ray start` runs on this node; `host:6379` or `ray://host:10001`); null: a local cluster started for this run.")
    timeout_s: float = Field(2.0, gt=0, description="Per-row deadline; a row past it scores `error`.")
    audit: AuditConfig | None = Field(None, description="Re-score a sample of each step's completions with a second verifier; the disagreement rate goes to metrics.jsonl and the disagreeing completions, with both reasons, to audit.jsonl. null: off.")


class ToolFormatConfig(Section):
    """The text of a tool call and of its result (see `rft.verifiers.tools.ToolFormat`)."""

    open: str = Field("<{name}>", description="Text that opens a call; `{name}` is the tool's name.")
    close: str = Field("</{name}>", description="Text that closes a call and ends the model's turn; must contain `{name}`.")
    result: str = Field("<output>{output}</output>", description="Text of the tool's result appended after the call; must contain `{output}`.")

    @model_validator(mode="after")
    def _placeholders(self):
        if "{name}" not in self.close:
            raise ValueError("close must contain {name}: the closing tag of each tool ends the model's turn")
        if "{output}" not in self.result:
            raise ValueError("result must contain {output}")
        return self


class EnvConfig(Section):
    """A multi-turn environment (see `rft.verifiers.envs`): it scores the episodes instead of `verifier`."""

    name: str = Field(description="Registry name or import path `pkg.module:Class` of an `Environment` subclass.")
    options: dict[str, Any] = Field(default_factory=dict, description="Keyword options for the environment class.")


class SamplerConfig(Section):
    backend: Literal["auto", "hf", "vllm"] = Field("auto", description="`hf`: batched transformers generate with KV cache, on the policy's own weights. `vllm` (`pip install 'rft[vllm]'`): a vLLM engine in the trainer's process, its own copy of the weights pushed in place after every update. auto: vllm on a GPU when it is installed, else hf (on a CPU hf is the faster for small models).")
    gpu_memory_utilization: float = Field(0.3, gt=0, lt=1, description="vllm on a GPU: the share of GPU memory the engine may take (weights and KV cache); the learner needs the rest.")
    cache: Literal["auto", "dynamic", "static"] = Field("auto", description="hf: transformers' KV cache. `static` (compiled by transformers) cuts per-token overhead on a GPU; `dynamic` lets groups share their prompt's prefill. auto: static on CUDA, dynamic on a CPU.")
    n: int = Field(8, ge=1, description="Samples per prompt (the GRPO group size G).")
    temperature: float = Field(1.0, gt=0, description="Sampling temperature.")
    top_p: float = Field(1.0, gt=0, le=1, description="Nucleus sampling mass.")
    top_k: int = Field(0, ge=0, description="Top-k sampling (0: off).")
    max_new_tokens: int = Field(32, ge=1, description="Response length cap.")
    executor: Literal["local", "ray"] = Field("local", description="`local`: the sampler runs in the trainer's process (hf on the policy's own weights, or a vllm engine). `ray` (`pip install 'rft[ray]'`, hf backend): `workers` Ray actors sample, each on its own copy of the weights, pushed from the learner through Ray's object store after every update; on a GPU node each takes one GPU.")
    workers: int = Field(1, ge=1, description="`ray`: rollout actors; the step's prompts are split among them in whole groups.")
    ray_address: str | None = Field(None, description="`ray`: the cluster to join (as verifier.ray_address; the two must agree); null: a local cluster started for this run.")
    tools: list[str] = Field(default_factory=list, description="Tools the model may call inside a rollout (`calc`, `python`, or `pkg.module:Class` of a `Tool` subclass). A turn that ends with a call (tool_format) gets the tool's result appended, and the model goes on, up to `max_turns` turns; the result's tokens are attended to and not trained on. The verifier scores the model's turns. Empty: single-turn sampling.")
    tool_options: dict[str, dict[str, Any]] = Field(default_factory=dict, description="Keyword options per tool, by the name given in `tools` (e.g. `python: {timeout_s: 2}`).")
    tool_format: ToolFormatConfig = Field(default_factory=ToolFormatConfig, description="The text of a call and of its result.")
    max_turns: int = Field(4, ge=1, description="Multi-turn rollouts (tools or env): most model turns per rollout. `max_new_tokens` bounds the whole response (model and tool tokens together).")
    env_workers: int = Field(4, ge=1, description="Multi-turn rollouts: threads that run tool calls and environment steps of one turn at once.")
    recompute_logprobs: bool = Field(False, description="The update's old log-probs from a no-grad forward of the learner's policy before it changes, instead of the sampler's own (which then only weigh algorithm.tis_cap and the mismatch metrics). For a sampler that computes probabilities differently from the learner (an inference engine); hf samples with the learner's own model.")


class CriticConfig(Section):
    """PPO's value model: the policy's backbone with a scalar head (AutoModelForTokenClassification, one label)."""

    model: str | None = Field(None, description="Where the critic's backbone comes from: null for the model RL starts from (the SFT warm-up result), or a local directory / hub id. The scalar head is new.")
    lr: float = Field(1e-4, gt=0, description="AdamW learning rate of the critic (its own optimizer).")
    warmup_steps: int = Field(0, ge=0, description="First RL steps that train only the critic, so the policy is not driven by an untrained baseline.")
    value_clip: float = Field(0.2, gt=0, description="Clip range of the value loss around the rollout-time values.")
    grad_clip: float = Field(1.0, gt=0, description="Max global gradient norm of the critic.")
    weight_decay: float = Field(0.0, ge=0, description="AdamW weight decay of the critic.")


class AlgorithmConfig(Section):
    name: str = Field("grpo", description="Advantage estimator, a name in rft.algorithms.ADVANTAGES: `grpo` (group mean, / std with adv_scale=group), `dr_grpo` (group mean, no std; use loss_agg=seq-mean-token-sum), `rloo` (leave-one-out mean), `reinforce_pp` (whitened batch returns, per-token KL in the reward), `ppo` (GAE with a critic); or `module:name` for an estimator registered in your own module (imported first).")
    policy_loss: str = Field("ppo_clip", description="Policy loss, a name in rft.algorithms.POLICY_LOSSES (`ppo_clip`: the clipped surrogate every built-in algorithm uses), or `module:name` for one registered in your own module.")
    lr: float = Field(1e-5, gt=0, description="AdamW learning rate of the policy.")
    lr_schedule: Literal["constant", "linear", "cosine"] = Field("constant", description="Decay over train.steps after warm-up.")
    warmup_steps: int = Field(0, ge=0, description="Linear LR warm-up steps.")
    weight_decay: float = Field(0.0, ge=0, description="AdamW weight decay.")
    epochs: int = Field(1, ge=1, description="Optimizer passes over each sampled batch (the first reuses sampled log-probs).")
    clip_eps: float = Field(0.2, gt=0, description="PPO clip range for the importance ratio (low side, DAPO's epsilon_low).")
    clip_eps_high: float | None = Field(None, gt=0, description="High side of the clip range (DAPO's clip-higher epsilon_high, e.g. 0.28); defaults to clip_eps.")
    kl_coef: float = Field(0.04, ge=0, description="Weight of the KL to the frozen reference (0: KL off, and no reference model is kept).")
    kl_kind: Literal["k1", "k2", "k3"] = Field("k3", description="KL estimator.")
    kl_in: Literal["loss", "reward"] | None = Field(None, description="Where the KL goes: `loss` (added to the per-token loss), `reward` (per-token penalty folded into the reward before the advantages; group estimators see score - kl_coef * sum of the sequence's KL). null: the estimator's default (`reward` for ppo and reinforce_pp, `loss` for the others).")
    adv_scale: Literal["group", "none"] = Field("group", description="grpo only: divide group-centred rewards by the group std (`group`) or not (`none`).")
    loss_agg: Literal["token-mean", "seq-mean-token-mean", "seq-mean-token-sum"] = Field("token-mean", description="How token losses are averaged: over all tokens of the batch; per sequence then over sequences (GRPO paper); per-sequence sums / loss_agg_norm, then over sequences (Dr. GRPO).")
    loss_agg_norm: int | None = Field(None, gt=0, description="The constant of seq-mean-token-sum; null: sampler.max_new_tokens.")
    gamma: float = Field(1.0, ge=0, le=1, description="ppo: discount of GAE.")
    lam: float = Field(1.0, ge=0, le=1, description="ppo: GAE lambda. 1 (verl's default): A_t = return - V_t, which leans least on a young critic's per-token values; the ReFT paper used 0.95.")
    whiten_advantages: bool = Field(True, description="ppo: whiten the GAE advantages over the batch's response tokens.")
    critic: CriticConfig = Field(default_factory=CriticConfig, description="ppo: the value model.")
    dynamic_sampling: bool = Field(False, description="DAPO: drop groups whose rewards are all equal and draw more prompts until the batch holds train.prompts_per_step groups.")
    max_sample_rounds: int = Field(3, ge=1, description="Dynamic sampling: at most this many sampling rounds per step (each draws prompts_per_step prompts); if the batch is still short, the step trains on the groups it has.")
    overlong_filter: bool = Field(False, description="DAPO: responses cut at sampler.max_new_tokens are left out of the loss.")
    overlong_buffer: int = Field(0, ge=0, description="DAPO's soft overlong penalty: over the last `overlong_buffer` tokens before sampler.max_new_tokens the reward drops linearly by up to overlong_penalty (0: off).")
    overlong_penalty: float = Field(1.0, ge=0, description="Largest soft overlong penalty, reached at max_new_tokens.")
    grad_clip: float = Field(1.0, gt=0, description="Max global gradient norm.")
    tis_cap: float | None = Field(None, gt=0, description="Truncated importance sampling: weigh each token's policy-gradient loss by min(pi_learner / pi_sampler, tis_cap), correcting for a sampler whose probabilities differ from the learner's; null: off.")
    skip_uniform_groups: bool = Field(False, description="Group estimators (grpo, dr_grpo, rloo) with the KL in the loss: leave groups whose rewards are all equal out of the update's forward and backward. Their advantages are zero, and the loss keeps the whole batch's normalizer, so the policy gradient is unchanged; only their KL term is lost (exactly the same update when kl_coef is 0). Ignored by ppo and reinforce_pp, whose advantages are not zero there.")


class SFTConfig(Section):
    steps: int = Field(200, ge=0, description="Warm-up optimizer steps (0: no warm-up).")
    lr: float = Field(2e-3, gt=0, description="Peak learning rate.")
    lr_schedule: Literal["constant", "linear", "cosine"] = Field("cosine", description="Decay after warm-up.")
    warmup_steps: int = Field(10, ge=0, description="Linear warm-up steps.")
    batch_size: int = Field(32, ge=1, description="Sequences per optimizer step.")
    weight_decay: float = Field(0.0, ge=0, description="AdamW weight decay.")
    grad_clip: float = Field(1.0, gt=0, description="Max global gradient norm.")
    max_length: int = Field(256, ge=8, description="Prompt+response tokens beyond this are cut.")


class TrainConfig(Section):
    steps: int = Field(100, ge=0, description="RL steps (one sampled batch each).")
    prompts_per_step: int = Field(8, ge=1, description="Prompts per RL step (B); B*G sequences per batch.")
    micro_batch: int = Field(64, ge=1, description="Sequences per forward/backward; gradients accumulate over the batch. A multiple of sampler.n lets groups share their prompt's forward pass.")
    share_prompt: bool = Field(True, description="Run each prompt once per group, in sampling and in the update, and repeat its KV cache (same distribution and gradients, less compute); off for models whose cache cannot be repeated.")
    seed: int = Field(0, description="Seed for data order, sampling and initialisation.")
    eval_every: int = Field(0, ge=0, description="Greedy eval every N RL steps (0: only before and after RL).")
    eval_limit: int | None = Field(None, gt=0, description="Eval on the first N eval rows only.")
    eval_batch_size: int = Field(100, ge=1, description="Prompts per greedy eval batch.")
    save_every: int = Field(50, ge=0, description="Checkpoint every N RL steps (0: only at the end).")
    keep_checkpoints: int = Field(2, ge=1, description="Most recent checkpoints kept.")
    output_dir: str = Field("runs/{name}", description="Run directory; `{name}` is the task name.")
    threads: int | None = Field(None, ge=1, description="torch CPU threads (default: all cores).")
    device: Literal["auto", "cpu", "cuda"] = Field("auto", description="Where policy, reference, critic, sampler and every tensor of a step live: auto takes the GPU when torch sees one. With several processes, each rank takes its own GPU.")
    sample_every: int = Field(25, ge=0, description="Print a table of sample completions every N steps (0: never).")
    async_: Literal["off", "one_step"] = Field("off", alias="async", description="`off`: sample, verify, update, one after the other (groups are still verified while the rest sample). `one_step`: step k+1's batch is sampled and verified with the weights of step k-1 while the learner updates on step k's, so a step costs about its largest part instead of their sum; the samples are one update stale (logged as `async/staleness`) and the importance ratio uses the log-probs of the weights that sampled them. The sampler then holds its own copy of the weights (hf: one more copy in memory).")


    @field_validator("async_", mode="before")
    @classmethod
    def _yaml_off(cls, v):
        return "off" if v is False else v  # YAML reads a bare `off` as false


class LoggingConfig(Section):
    tensorboard: bool = Field(False, description="Also write TensorBoard scalars to <run>/tb (needs tensorboard).")
    wandb: bool = Field(False, description="Also log to Weights & Biases (needs wandb and a login).")
    wandb_project: str = Field("rft", description="W&B project.")


class TaskConfig(Section):
    name: str = Field("task", description="Task name, used in the default output dir.")
    model: ModelConfig = Field(default_factory=ModelConfig)
    data: DataConfig
    verifier: VerifierConfig = Field(default_factory=VerifierConfig)
    env: EnvConfig | None = Field(None, description="A multi-turn environment that scores its own episodes (instead of the verifier); null: single-turn, or tool calls (sampler.tools) scored by the verifier.")
    sampler: SamplerConfig = Field(default_factory=SamplerConfig)
    algorithm: AlgorithmConfig = Field(default_factory=AlgorithmConfig)
    sft: SFTConfig = Field(default_factory=SFTConfig)
    train: TrainConfig = Field(default_factory=TrainConfig)
    logging: LoggingConfig = Field(default_factory=LoggingConfig)
    _source: str | None = PrivateAttr(None)  # the YAML path; relative data paths resolve from it

    @property
    def batch_size(self) -> int:
        """Sequences per RL step: prompts_per_step * sampler.n."""
        return self.train.prompts_per_step * self.sampler.n

    @property
    def output_dir(self) -> str:
        return self.train.output_dir.format(name=self.name)


def _parse_value(text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def apply_overrides(raw: dict, overrides: list[str], file: str) -> dict:
    """`--set a.b.c=value`: the value is parsed as YAML (numbers, bools, lists), else a string."""
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UserError(f"expected --set key.path=value, got {item!r}", file="--set")
        node = raw
        parts = key.split(".")
        for p in parts[:-1]:
            child = node.get(p)
            if child is None:
                child = node[p] = {}
            if not isinstance(child, dict):
                raise UserError(f"{p!r} is a value, not a section", file="--set", field=key)
            node = child
        node[parts[-1]] = _parse_value(value)
    return raw


def _format_validation_error(e: ValidationError, file: str) -> UserError:
    err = e.errors()[0]
    path = ".".join(str(x) for x in err["loc"]) or "(top level)"
    if err["type"] == "extra_forbidden":
        msg = "unknown key (check the spelling; see the YAML reference in README.md)"
    elif err["type"] == "missing":
        msg = "required key is missing"
    else:
        msg = f"{err['msg']} (got {err.get('input')!r})"
    more = f" (+{len(e.errors()) - 1} more)" if len(e.errors()) > 1 else ""
    return UserError(msg + more, file=file, field=path)


def load_config(path: str | Path, overrides: list[str] | None = None) -> TaskConfig:
    path = Path(path)
    if not path.is_file():
        raise UserError("task file not found (expected a YAML file)", file=str(path))
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise UserError(f"malformed YAML: {problem}", file=str(path), field=where) from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise UserError(f"expected a mapping of sections at the top level, got {type(raw).__name__}", file=str(path))
    raw.setdefault("name", path.stem)
    raw = apply_overrides(raw, overrides or [], str(path))
    try:
        cfg = TaskConfig.model_validate(raw)
    except ValidationError as e:
        raise _format_validation_error(e, str(path)) from None
    check_consistency(cfg, str(path))
    cfg._source = str(path.resolve())  # where relative data paths resolve from
    return cfg


def check_consistency(cfg: TaskConfig, file: str) -> None:
    """Checks across sections, which no single field can make; each names the field to change."""
    a = cfg.algorithm
    v, s = cfg.verifier, cfg.sampler
    if v.executor == "ray" and s.executor == "ray" and v.ray_address and s.ray_address \
            and v.ray_address != s.ray_address:
        raise UserError(f"expected the same cluster as verifier.ray_address ({v.ray_address!r}), got "
                        f"{s.ray_address!r}: one run joins one Ray cluster", file=file, field="sampler.ray_address")
    if s.executor == "ray" and s.backend == "vllm":
        raise UserError("Ray rollout workers sample with hf; a vllm engine runs in the trainer's process "
                        "(set sampler.executor: local, or backend: hf)", file=file, field="sampler.executor")
    if (s.tools or cfg.env) and s.executor == "ray":
        raise UserError("multi-turn rollouts (tools, env) run on the local sampler; expected sampler.executor: "
                        "local", file=file, field="sampler.executor")
    if s.tools and cfg.env:
        raise UserError("expected either sampler.tools (a tool loop scored by the verifier) or env (an "
                        "environment that scores itself), not both", file=file, field="env")
    unknown = sorted(set(s.tool_options) - set(s.tools))
    if unknown:
        raise UserError(f"options for {', '.join(unknown)}, which sampler.tools does not name (it names "
                        f"{s.tools or 'none'})", file=file, field="sampler.tool_options")
    if a.overlong_buffer > cfg.sampler.max_new_tokens:
        raise UserError(f"expected at most sampler.max_new_tokens ({cfg.sampler.max_new_tokens}), "
                        f"got {a.overlong_buffer}", file=file, field="algorithm.overlong_buffer")


def resolve_path(cfg: TaskConfig, p: str) -> Path:
    """A data path relative to the task YAML's folder if it exists there, else as given."""
    src = getattr(cfg, "_source", None)
    if src and not Path(p).is_absolute():
        cand = Path(src).parent / p
        if cand.exists():
            return cand
    return Path(p)


def to_yaml(cfg: TaskConfig) -> str:
    return yaml.safe_dump(cfg.model_dump(mode="json", by_alias=True), sort_keys=False)
