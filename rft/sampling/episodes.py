"""Multi-turn rollouts: a sampler that alternates model turns with an environment's observations.

Token in, token out. Each row keeps the token ids of its conversation: the prompt (tokenized once,
as single-turn sampling does), then the tokens each model turn sampled (kept as sampled, with
their log-probs), then each observation tokenized on its own and appended. A later turn is sampled
from those ids (`generate_ids`), never from re-tokenized text, so the tokens trained on are the
tokens sampled, in the context they were sampled in (re-tokenizing a decoded conversation can
merge or split tokens across a turn boundary and silently change both).

The `Rollout` it returns is a single-turn rollout's, plus:
- `response_mask` 1 on every token of the conversation after the prompt (model turns and
  observations: the model attends to all of them), `loss_mask` 1 on the sampled tokens only;
  observations carry log-prob 0 and no loss;
- `texts`: the model's turns (observations left out), for the task's verifier;
- `scores`: the environment's `Score` per row when it scored the episode itself (None for
  `ToolEnv`, whose answers the verifier scores);
- `episodes`: per row, `turns`, `tool_calls`, `tool_errors`, `tool_timeouts`, `tool_tokens`,
  `ended` (done, max_turns or length), `segments` ((text, the model wrote it) in order) and the
  `transcript` (their text joined).

A rollout ends when the environment says done, at `max_turns` model turns (a last turn that asked
for a tool gets no answer), or when its response (model and observation tokens together) reaches
`max_new_tokens`; `truncated` marks the last. Environment steps of one turn run in a thread pool
(a tool call may be a sandboxed process), model turns in one batched `generate_ids` call.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterable

import torch

from rft.sampling.base import Rollout, SamplingParams
from rft.verifiers.envs import Environment, Step


def _step(env: Environment, turn: str) -> Step:
    """`env.step(turn)`; an environment that raises ends its episode with an `error` score (as a
    verifier that raises does), not the run."""
    try:
        return env.step(turn)
    except Exception as e:
        return env.done(env.error(f"{type(env).__name__}.step raised {type(e).__name__}: {str(e)[:200]}"))


class EpisodeSampler:
    """`Sampler` of multi-turn rollouts over a backend with `generate_ids` (HF or vLLM).

    `make_env()` builds one environment per episode. `generate(prompts, n, params, rows=...)`:
    `rows[i]` are the fields of prompt i's data row (`prompt` is added), given to `reset`.
    """

    multi_turn = True

    def __init__(self, backend, tokenizer, make_env: Callable[[], Environment], params: SamplingParams, *,
                 max_turns: int = 4, workers: int = 4):
        self.backend, self.tok, self.make_env, self.params = backend, tokenizer, make_env, params
        self.max_turns, self.workers = max_turns, workers
        self._pool = ThreadPoolExecutor(max(1, workers), thread_name_prefix="rft-env")

    @property
    def weights_version(self) -> int:
        return getattr(self.backend, "weights_version", 0)

    @property
    def device(self) -> torch.device:
        return getattr(self.backend, "device", torch.device("cpu"))

    def load_weights(self, weights: Iterable[tuple[str, torch.Tensor]], version: int) -> None:
        self.backend.load_weights(weights, version)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        if hasattr(self.backend, "close"):
            self.backend.close()

    def __getattr__(self, name):  # the backend's own attributes (model, tok, ...) stay reachable
        if name == "backend":
            raise AttributeError(name)
        return getattr(self.backend, name)

    @torch.no_grad()
    def generate(self, prompts: list[str], n: int, params: SamplingParams | None = None, on_groups=None,
                 rows: list[dict] | None = None) -> Rollout:
        """n episodes per prompt, rows of one prompt adjacent. `on_groups` is never called: a
        group's episodes end at different turns, and the batch is scored when all have."""
        p = params or self.params
        tok, budget = self.tok, p.max_new_tokens
        rows = rows if rows is not None else [{} for _ in prompts]
        N = len(prompts) * n
        envs = [self.make_env() for _ in range(N)]
        firsts = list(self._pool.map(lambda i: envs[i].reset({**rows[i // n], "prompt": prompts[i // n]}), range(N)))
        for g in range(len(prompts)):  # a group compares samples of one prompt (and the update
            # runs each group's prompt once), so its episodes must start from the same one
            if len(set(firsts[g * n:(g + 1) * n])) > 1:
                raise ValueError(f"{type(envs[0]).__name__}.reset gave different first prompts for one data row; "
                                 "the n episodes of a row must start from the same prompt")
        prompt_ids = [tok(f, add_special_tokens=False)["input_ids"] for f in firsts]
        resp: list[list[int]] = [[] for _ in range(N)]
        train: list[list[int]] = [[] for _ in range(N)]  # 1: sampled by the model, 0: an observation
        lps: list[list[float]] = [[] for _ in range(N)]
        model_text = [""] * N
        segments: list[list[tuple[str, bool]]] = [[] for _ in range(N)]  # (text, the model wrote it)
        scores: list = [None] * N
        eps = [{"turns": 0, "tool_calls": 0, "tool_errors": 0, "tool_timeouts": 0, "tool_tokens": 0, "ended": ""}
               for _ in range(N)]
        truncated = [False] * N
        stop = list(envs[0].stop) if envs else []
        active = list(range(N))
        for turn in range(self.max_turns):
            if not active:
                break
            turns = self.backend.generate_ids([prompt_ids[i] + resp[i] for i in active], p, stop=stop,
                                              max_new=[budget - len(resp[i]) for i in active])
            stepping = []
            for i, t in zip(active, turns):
                resp[i] += t.tokens
                train[i] += [1] * len(t.tokens)
                lps[i] += t.logprobs if t.logprobs is not None else [0.0] * len(t.tokens)
                text = tok.decode(t.tokens, skip_special_tokens=True)
                model_text[i] += text
                segments[i].append((text, True))
                eps[i]["turns"] += 1
                if t.finish == "length":  # the response reached the budget mid-turn
                    truncated[i], eps[i]["ended"] = True, "length"
                    scores[i] = envs[i].timeout("the response reached max_new_tokens")
                else:
                    stepping.append((i, text))
            steps = list(self._pool.map(lambda it: _step(envs[it[0]], it[1]), stepping))
            active = []
            for (i, _), st in zip(stepping, steps):
                info = st.info or {}
                if "tool" in info:
                    eps[i]["tool_calls"] += 1
                    eps[i]["tool_errors"] += info.get("status") == "error"
                    eps[i]["tool_timeouts"] += info.get("status") == "timeout"
                if st.done or st.observation is None:
                    scores[i], eps[i]["ended"] = st.score, "done"
                    continue
                if turn == self.max_turns - 1:  # no turn left to read the observation
                    scores[i], eps[i]["ended"] = envs[i].timeout(f"max_turns ({self.max_turns}) reached"), "max_turns"
                    continue
                obs = tok(st.observation, add_special_tokens=False)["input_ids"]
                room = budget - len(resp[i])
                resp[i] += obs[:room]
                train[i] += [0] * len(obs[:room])
                lps[i] += [0.0] * len(obs[:room])
                segments[i].append((st.observation if len(obs) <= room else tok.decode(obs[:room]), False))
                eps[i]["tool_tokens"] += min(len(obs), room) if "tool" in info else 0
                if len(obs) >= room:  # nothing left for another model turn
                    truncated[i], eps[i]["ended"] = True, "length"
                    scores[i] = envs[i].timeout("the response reached max_new_tokens")
                    continue
                active.append(i)
        for e in envs:
            e.close()
        if hasattr(self.backend, "after_sampling"):
            self.backend.after_sampling()
        return self._rollout(prompt_ids, resp, train, lps if p.logprobs and not p.greedy else None, model_text,
                             segments, scores, eps, truncated, n, envs)

    def _rollout(self, prompt_ids, resp, train, lps, model_text, segments, scores, eps, truncated, n,
                 envs) -> Rollout:
        N, pad, dev = len(resp), self.tok.pad_token_id, self.device
        P, T = max(len(x) for x in prompt_ids), max(1, max(len(x) for x in resp))
        pid = torch.full((N, P), pad, dtype=torch.long)
        pmask = torch.zeros((N, P), dtype=torch.long)
        rid = torch.full((N, T), pad, dtype=torch.long)
        rmask = torch.zeros((N, T), dtype=torch.long)
        lmask = torch.zeros((N, T), dtype=torch.float32)
        lp = torch.zeros((N, T), dtype=torch.float32) if lps is not None else None
        for i in range(N):
            k, m = len(prompt_ids[i]), len(resp[i])
            pid[i, P - k:] = torch.tensor(prompt_ids[i], dtype=torch.long)
            pmask[i, P - k:] = 1
            if m:
                rid[i, :m] = torch.tensor(resp[i], dtype=torch.long)
                rmask[i, :m] = 1
                lmask[i, :m] = torch.tensor(train[i], dtype=torch.float32)
                if lp is not None:
                    lp[i, :m] = torch.tensor(lps[i], dtype=torch.float32)
        for i in range(N):
            eps[i]["segments"] = segments[i]
            eps[i]["transcript"] = "".join(t for t, _ in segments[i])
        own = envs[0].scores_episodes if envs else True
        if own and any(s is None for s in scores):
            raise ValueError(f"environment {type(envs[0]).__name__} ended an episode without a score "
                             "(return self.correct(...), self.wrong(...) or self.done(score))")
        return Rollout(prompt_ids=pid.to(dev), prompt_mask=pmask.to(dev), response_ids=rid.to(dev),
                       response_mask=rmask.to(dev), logprobs=None if lp is None else lp.to(dev), texts=model_text,
                       truncated=torch.tensor(truncated).to(dev), group_size=n, loss_mask=lmask.to(dev),
                       scores=list(scores) if own else None, episodes=eps)
