"""Row formats (template, alpaca with history, chat messages), response-only SFT labels, streams."""
import json

import pytest

from rft.config import load_config
from rft.data import PromptStream, load_examples, sft_tensors
from rft.errors import UserError
from rft.models import load_tokenizer, resolve_model_path
from rft.tasks.arith import generate

from conftest import SHARED


@pytest.fixture(scope="module")
def tok():
    cfg = load_config("tasks/arith.yaml")
    return load_tokenizer(resolve_model_path(cfg.model), cfg.model)


def task(tmp_path, data_yaml, name="task.yaml"):
    p = tmp_path / name
    p.write_text("name: t\ndata:\n" + data_yaml)
    return load_config(p)


def test_arith_splits_are_disjoint_and_seeded():
    ev = generate("eval", eval_n=200)
    tr = generate("train", n=2000, seed=1, eval_n=200)
    assert len({r["question"] for r in ev}) == 200
    assert not {r["question"] for r in ev} & {r["question"] for r in tr}
    assert tr == generate("train", n=2000, seed=1, eval_n=200)


def test_arith_imperfect_demos_keep_true_answer():
    rows = generate("train", n=2000, seed=1, demo_error_rate=0.3)
    wrong = [r for r in rows if not r["solution"].endswith(f"is {r['answer']}.")]
    assert 0.25 < len(wrong) / len(rows) < 0.35
    for r in wrong[:50]:  # a near miss: off by one or two
        shown = int(r["solution"].rsplit(" ", 1)[1].rstrip("."))
        assert 1 <= abs(shown - int(r["answer"])) <= 2


def test_sft_labels_cover_response_only(tmp_path, tok):
    cfg = task(tmp_path, "  train: {generator: 'rft.tasks.arith:generate', args: {n: 4}}\n  prompt: 'Q: {question}\\nA:'\n")
    ex = load_examples(cfg, "train", tok)
    item = sft_tensors(ex, tok, " ", 256, "x")[0]
    n_prompt = len(tok(ex[0].prompt, add_special_tokens=False)["input_ids"])
    assert all(l == -100 for l in item["labels"][:n_prompt])
    assert item["labels"][n_prompt:] == item["input_ids"][n_prompt:]
    assert item["input_ids"][-1] == tok.eos_token_id
    assert tok.decode(item["input_ids"][n_prompt:-1]) == " " + ex[0].target


def test_alpaca_rows_with_history_use_chat_template(tmp_path, tok):
    rows = [{"instruction": "Add.", "input": "2 and 3", "output": "5",
             "history": [["What is 1+1?", "2"]]}]
    f = tmp_path / "a.jsonl"
    f.write_text("\n".join(json.dumps(r) for r in rows))
    cfg = task(tmp_path, f"  train: {{path: {f}}}\n  format: alpaca\n")
    ex = load_examples(cfg, "train", tok)[0]
    assert ex.prompt == "user: What is 1+1?\nassistant: 2\nuser: Add.\n\n2 and 3\nassistant:"
    assert ex.target == "5" and ex.fields["answer"] == "5"


def test_messages_rows_split_at_last_assistant_turn(tmp_path, tok):
    rows = [{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "2+2?"},
                          {"role": "assistant", "content": "4"}], "answer": "4"}]
    f = tmp_path / "m.jsonl"
    f.write_text(json.dumps(rows[0]))
    cfg = task(tmp_path, f"  train: {{path: {f}}}\n  format: messages\n")
    ex = load_examples(cfg, "train", tok)[0]
    assert ex.prompt.endswith("user: 2+2?\nassistant:") and ex.target == "4"


def test_row_missing_field_names_file_row_and_field(tmp_path, tok):
    f = tmp_path / "bad.jsonl"
    f.write_text(json.dumps({"question": "q", "answer": "1"}) + "\n" + json.dumps({"question": "q2"}) + "\n")
    cfg = task(tmp_path, f"  train: {{path: {f}}}\n")
    with pytest.raises(UserError) as e:
        load_examples(cfg, "train", tok)
    msg = str(e.value)
    assert str(f) in msg and "row 2" in msg and "'answer'" in msg


def test_gsm8k_rows_load_through_datasets(tmp_path, tok):
    path = SHARED / "data" / "gsm8k" / "train.jsonl"
    cfg = task(tmp_path, f"  train: {{path: {path}, limit: 16}}\n  prompt: 'Question: {{question}}\\nAnswer:'\n"
                         "  solution_field: answer\n")
    ex = load_examples(cfg, "train", tok)
    assert len(ex) == 16 and "####" in ex[0].target and ex[0].prompt.startswith("Question: ")


def test_prompt_stream_resumes_at_same_position():
    a = PromptStream(10, seed=3)
    first = a.take(7)
    b = PromptStream(10, seed=3)
    b.load_state_dict(a.state_dict())
    assert a.take(25) == b.take(25)
    assert sorted(PromptStream(10, seed=3).take(10)) == list(range(10)) and first != list(range(7))


def test_sft_truncation_keeps_response_tokens(tok):
    from rft.data import Example

    ex = Example(prompt="word " * 200, target="the answer is 4", fields={"answer": "4"})
    item = sft_tensors([ex], tok, " ", 32, "x")[0]
    assert len(item["input_ids"]) == 32
    n_resp = sum(label != -100 for label in item["labels"])
    assert n_resp == len(tok(" the answer is 4", add_special_tokens=False)["input_ids"]) + 1  # + EOS


def test_arith_demo_bias_writes_crossing_ten_sums_one_short():
    rows = generate("train", n=4000, seed=1, max_operand=10, demo_bias=0.6)
    crossing, other_wrong = [], 0
    for r in rows:
        a, b = (int(x) for x in r["solution"].split(" = ")[0].split(" + ")) if " + " in r["solution"] else (0, 0)
        shown = int(r["solution"].rsplit(" ", 1)[1].rstrip("."))
        if a % 10 + b % 10 >= 10:
            crossing.append(shown == int(r["answer"]) - 1)
        elif shown != int(r["answer"]):
            other_wrong += 1
    assert other_wrong == 0  # only the crossing-ten additions carry the systematic slip
    assert 0.55 < sum(crossing) / len(crossing) < 0.65
