"""The demo recipe's one training loop (stage 0 and align): an interrupted run resumes to exactly the weights of an
uninterrupted one, batches drawn from a checkpointed generator included; the schedule, the log, the commands."""

from __future__ import annotations

import json

import torch

from recipes.demo.__main__ import main
from recipes.demo.loop import CHECKPOINT, Schedule, eval_entries, find_checkpoint, learning_rate, train_loop
from videoassist.checkpoints.atomic import old_copy

SCHEDULE = Schedule(steps=6, lr=0.05, warmup_steps=2, eval_every=3, checkpoint_every=2, max_grad_norm=1.0)


def run(folder, schedule: Schedule) -> tuple[bool, torch.nn.Module]:
    """A toy stage: a linear model fit to random batches drawn, step after step, from one seeded generator."""
    torch.manual_seed(0)
    net = torch.nn.Linear(4, 1)
    generator = torch.Generator().manual_seed(1)
    optimizer = torch.optim.AdamW(net.parameters(), lr=schedule.lr)

    def step_losses(step: int) -> dict[str, torch.Tensor]:
        x = torch.randn(8, 4, generator=generator)
        loss = torch.nn.functional.mse_loss(net(x).squeeze(-1), x.sum(-1))
        return {"total": loss, "mse": loss}

    def evaluate() -> dict[str, float]:
        assert not net.training  # evaluated in eval mode
        return {"weight_sum": net.weight.sum().item()}

    done = train_loop(folder, {"net": net}, optimizer, schedule, step_losses, evaluate, record={"toy": 1},
                      generator=generator, progress=False)
    return done, net


def state(folder) -> dict:
    return json.loads((folder / CHECKPOINT / "state.json").read_text())


def test_an_interrupted_run_resumes_to_the_same_weights(tmp_path):
    done, straight = run(tmp_path / "straight", SCHEDULE)
    assert done
    log = [json.loads(line) for line in (tmp_path / "straight" / "log.jsonl").read_text().splitlines()]
    assert [e["step"] for e in log if "eval" not in e] == [1, 2, 3, 4, 5, 6]
    assert [e["step"] for e in eval_entries(tmp_path / "straight")] == [3, 6]
    assert state(tmp_path / "straight")["step"] == 6 and state(tmp_path / "straight")["toy"] == 1

    resumed = tmp_path / "resumed"
    assert run(resumed, Schedule(**{**SCHEDULE.__dict__, "session_steps": 2}))[0] is False
    assert state(resumed)["step"] == 2
    assert run(resumed, Schedule(**{**SCHEDULE.__dict__, "time_limit_s": 0}))[0] is False  # no step this time
    assert state(resumed)["step"] == 2
    assert run(resumed, Schedule(**{**SCHEDULE.__dict__, "session_steps": 3}))[0] is False
    assert state(resumed)["step"] == 5
    done, net = run(resumed, SCHEDULE)
    assert done and all(torch.equal(a, b) for a, b in zip(net.state_dict().values(), straight.state_dict().values()))
    assert eval_entries(resumed) == eval_entries(tmp_path / "straight")


def test_a_swap_cut_between_its_renames_resumes_from_the_previous_checkpoint(tmp_path):
    assert not run(tmp_path, Schedule(**{**SCHEDULE.__dict__, "session_steps": 4}))[0]
    (tmp_path / CHECKPOINT).rename(old_copy(tmp_path / CHECKPOINT))  # the new one never arrived
    assert find_checkpoint(tmp_path) == old_copy(tmp_path / CHECKPOINT)
    done, net = run(tmp_path, SCHEDULE)
    assert done and state(tmp_path)["step"] == 6


def test_warm_up_then_cosine_to_zero():
    rates = [learning_rate(step, 1.0, 2, 10) for step in range(10)]
    assert rates[:2] == [0.5, 1.0] and rates[2] == 1.0
    assert all(a > b for a, b in zip(rates[2:], rates[3:])) and rates[-1] < 0.05


def test_the_recipe_command_prints_a_bad_setting_as_one_line(tmp_path, capsys):
    config = tmp_path / "vision.yaml"
    config.write_text("train: {stepz: 3}\n")
    assert main(["vision", "--config", str(config), "--work", str(tmp_path)]) == 1
    error = capsys.readouterr().err
    assert error == f"recipes.demo vision: error: {config}: unknown key train.stepz (did you mean steps?)\n"
    assert main(["vision", "--work", str(tmp_path), "--set", "train.steps"]) == 1
    assert "--set 'train.steps': expected KEY=VALUE" in capsys.readouterr().err
