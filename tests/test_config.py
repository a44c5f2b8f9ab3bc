"""Task YAML -> TaskConfig: defaults, overrides, and errors that name the file and key path."""
import pytest

from rft.config import load_config
from rft.errors import UserError

MINIMAL = """
name: t
data:
  train: {generator: "rft.tasks.arith:generate"}
"""


def write(tmp_path, text, name="task.yaml"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_builtin_arith_yaml_validates_with_documented_defaults():
    cfg = load_config("tasks/arith.yaml")
    assert cfg.name == "arith"
    assert cfg.verifier.scores.correct == 1.0 and cfg.verifier.scores.wrong == 0.1
    assert cfg.verifier.scores.unparseable == 0.0
    assert cfg.batch_size == cfg.train.prompts_per_step * cfg.sampler.n
    assert cfg.output_dir == "runs/arith"


def test_set_overrides_parse_yaml_values_at_any_depth(tmp_path):
    cfg = load_config(write(tmp_path, MINIMAL), ["algorithm.lr=3e-4", "sampler.n=4", "sft.steps=0",
                                                 "verifier.options.fallback_last_number=false"])
    assert cfg.algorithm.lr == pytest.approx(3e-4)
    assert cfg.sampler.n == 4 and cfg.sft.steps == 0
    assert cfg.verifier.options == {"fallback_last_number": False}


def test_unknown_key_names_file_and_key_path(tmp_path):
    p = write(tmp_path, MINIMAL + "algorithm:\n  kl_coeff: 0.1\n")
    with pytest.raises(UserError) as e:
        load_config(p)
    assert str(p) in str(e.value) and "algorithm.kl_coeff" in str(e.value) and "unknown key" in str(e.value)


def test_bad_value_names_key_and_expected_type(tmp_path):
    with pytest.raises(UserError) as e:
        load_config(write(tmp_path, MINIMAL), ["sampler.temperature=hot"])
    assert "sampler.temperature" in str(e.value) and "number" in str(e.value)


def test_out_of_range_value_is_rejected(tmp_path):
    with pytest.raises(UserError) as e:
        load_config(write(tmp_path, MINIMAL), ["sampler.top_p=1.5"])
    assert "sampler.top_p" in str(e.value)


def test_malformed_yaml_reports_line(tmp_path):
    p = write(tmp_path, "name: t\ndata: [unclosed\n")
    with pytest.raises(UserError) as e:
        load_config(p)
    assert "malformed YAML" in str(e.value) and "line" in str(e.value)


def test_generator_excludes_path_and_hub(tmp_path):
    p = write(tmp_path, "data:\n  train: {generator: 'rft.tasks.arith:generate', hub: gsm8k}\n")
    with pytest.raises(UserError) as e:
        load_config(p)
    assert "data.train" in str(e.value) and "generator excludes path and hub" in str(e.value)


def test_source_needs_a_path_a_hub_or_a_generator(tmp_path):
    with pytest.raises(UserError) as e:
        load_config(write(tmp_path, "data:\n  train: {split: train}\n"))
    assert "data.train" in str(e.value) and "give a path, a hub id" in str(e.value)


def test_source_may_give_a_path_and_a_hub_fallback(tmp_path):
    cfg = load_config(write(tmp_path, "data:\n  train: {path: a.jsonl, hub: openai/gsm8k, subset: main}\n"))
    assert (cfg.data.train.path, cfg.data.train.hub, cfg.data.train.subset) == ("a.jsonl", "openai/gsm8k", "main")


def test_prompt_with_a_bare_brace_pair_names_data_prompt(tmp_path):
    # `\boxed{}` in a format string is a positional field: str.format would fail on the first row
    p = write(tmp_path, MINIMAL + "  prompt: '{question} within \\boxed{}'\n")
    with pytest.raises(UserError) as e:
        load_config(p)
    assert str(p) in str(e.value) and "data.prompt" in str(e.value) and "{{ and }}" in str(e.value)
    cfg = load_config(write(tmp_path, MINIMAL + "  prompt: '{question} within \\boxed{{}}'\n", "ok.yaml"))
    assert cfg.data.prompt.format(question="1+1?") == "1+1? within \\boxed{}"


def test_missing_required_section(tmp_path):
    with pytest.raises(UserError) as e:
        load_config(write(tmp_path, "name: t\n"))
    assert "data" in str(e.value) and "missing" in str(e.value)
