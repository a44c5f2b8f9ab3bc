"""Stage 1 on real data: a few SFT steps of the tiny model on GSM8K rows read through `datasets`."""
import torch

from conftest import SHARED
from rft.config import load_config
from rft.models import load_model, resolve_model_path
from rft.trainer import Trainer


def test_sft_on_gsm8k_rows_lowers_response_loss(tmp_path):
    gsm8k = SHARED / "data" / "gsm8k" / "train.jsonl"
    task = tmp_path / "gsm8k_sft.yaml"
    task.write_text(f"""
name: gsm8k-sft
model: {{name: tiny, tiny: {{hidden_size: 64, num_layers: 2, num_heads: 2, intermediate_size: 128}}}}
data:
  train: {{path: {gsm8k}, limit: 32}}
  prompt: "Question: {{question}}\\nAnswer:"
  response_prefix: " "
  solution_field: answer
sft: {{steps: 12, lr: 3.0e-3, batch_size: 8, warmup_steps: 2, max_length: 96}}
train: {{steps: 0, threads: 2}}
""")
    cfg = load_config(task)
    losses = []
    trainer = Trainer(cfg, tmp_path / "run", callbacks=[lambda e, p: losses.append(p["loss"]) if e == "sft_step" else None])
    trainer.setup()
    path = resolve_model_path(cfg.model)
    model = load_model(path, cfg.model)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    try:
        trainer.sft(model)
    finally:
        trainer.cleanup()
    assert len(losses) == 12 and all(torch.isfinite(torch.tensor(losses)))
    # GSM8K solutions are long and varied: a dozen steps from random weights must still cut the loss
    assert sum(losses[-3:]) / 3 < 0.8 * sum(losses[:3]) / 3
    assert any(not torch.equal(before[k], v) for k, v in model.state_dict().items())
