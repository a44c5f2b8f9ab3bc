"""The README's 'Writing a verifier' example runs exactly as printed, in-process and in a worker."""
import re
import sys

from conftest import ROOT
from rft.verifiers import ScoreTable, build_verifier
from rft.verifiers.runner import VerifierRunner


def readme_example() -> str:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Writing a verifier", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_readme_verifier_example_scores_and_registers(tmp_path, monkeypatch):
    code = readme_example()
    assert 10 <= len(code.strip().splitlines()) <= 25  # "about 15 lines"
    (tmp_path / "my_verifiers.py").write_text(code)
    monkeypatch.syspath_prepend(str(tmp_path))
    v = build_verifier("my_verifiers:KeywordVerifier", {"case_sensitive": False}, ScoreTable(wrong=0.2))
    assert v.score("It is Helium.", answer="helium").outcome == "correct"
    s = v.score("It is neon.", answer="helium")
    assert (s.outcome, s.value) == ("wrong", 0.2)
    assert v.score("   ", answer="helium").outcome == "unparseable"
    # registered by name once imported, and runs in the spawned worker processes training uses
    assert type(build_verifier("keyword")).__name__ == "KeywordVerifier"
    with VerifierRunner(v, workers=1, timeout_s=5) as runner:
        scores = runner.score_batch(["Au is gold", "silver"], [{"answer": "gold"}, {"answer": "gold"}])
    assert [s.outcome for s in scores] == ["correct", "wrong"]
    sys.modules.pop("my_verifiers", None)
