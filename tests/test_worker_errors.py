"""An error raised in a DataLoader worker reaches the user as the one line it would be in the main process."""

from __future__ import annotations

import pickle
import subprocess
import sys

import pytest
from torch._utils import ExceptionWrapper

from test_data_fixtures import caption_record, flawed_folder, synth_folder, write_json  # noqa: F401 (fixtures)
from test_train_fixtures import TINY_RECIPES, one_thread, tiny_models  # noqa: F401 (fixtures)
from videoassist.cli.main import main
from videoassist.errors import DataError, ModelError, VideoError
from videoassist.training.worker_errors import worker_error


def reraised_by_pytorch(error: Exception) -> Exception:
    """`error` as the main process gets it from a DataLoader worker."""
    try:
        raise error
    except Exception:
        wrapper = ExceptionWrapper(where="in DataLoader worker process 1")
    wrapper = pickle.loads(pickle.dumps(wrapper))  # the worker sends it through a queue
    try:
        wrapper.reraise()
    except Exception as reraised:
        return reraised


@pytest.mark.parametrize("error", [DataError("/data/a b: c.mp4", "none readable (missing 2): is the root right?"),
                                   VideoError("clip.mp4", "is not a video"), ModelError("no such model 'x'")])
def test_a_worker_error_is_rebuilt_as_it_was_raised(error):
    reraised = reraised_by_pytorch(error)
    assert "Traceback" in str(reraised)  # what PyTorch raises: the worker's traceback as the message
    rebuilt = worker_error(reraised)
    assert type(rebuilt) is type(error) and str(rebuilt) == str(error)


def test_other_errors_are_left_as_they_are():
    assert worker_error(reraised_by_pytorch(ValueError("a bug"))) is None
    assert worker_error(RuntimeError("Caught DataError elsewhere")) is None


def test_file_problems_survive_pickling():
    """Errors cross processes (multiprocessing pools) by pickle; FileProblem takes two arguments."""
    error = pickle.loads(pickle.dumps(DataError("data.json", "record 3 has no conversations")))
    assert type(error) is DataError and (error.path, error.problem) == ("data.json", "record 3 has no conversations")
    assert str(error) == "data.json: record 3 has no conversations"


def train_argv(tiny_models, tmp_path, data, *more):
    return ["train", str(TINY_RECIPES / "pretrain.yaml"), "--set", f"output_dir={tmp_path / 'run'}",
            "--set", f"model.base={tiny_models('valley_v1')}", "--set", f"data.0.path={data}",
            "--set", "training.max_steps=2", "--set", "training.dataloader_num_workers=2", *more]


def test_unreadable_videos_in_dataloader_workers_stop_with_one_line(tiny_models, tmp_path):
    data = write_json(tmp_path / "gone.json", [caption_record(f"clip{k}", f"clip{k}.mp4") for k in range(4)])
    run = subprocess.run([sys.executable, "-m", "videoassist", *train_argv(tiny_models, tmp_path, data)],
                         capture_output=True, text=True, timeout=300)
    expected = (f"videoassist train: error: {tmp_path / 'clip0.mp4'}: none of the 4 samples has a readable video "
                "(4 samples skipped (missing 4)); is the video root right?")
    assert run.returncode == 1
    assert run.stderr.splitlines().count(expected) == 1, run.stderr
    assert "Traceback" not in run.stderr and "DataLoader worker" not in run.stderr


def test_debug_keeps_the_worker_traceback(tiny_models, tmp_path):
    data = write_json(tmp_path / "gone.json", [caption_record("clip", "clip.mp4")])
    with pytest.raises(DataError, match="none of the 1 samples has a readable video") as caught:
        main(["--debug", *train_argv(tiny_models, tmp_path, data)])
    assert "Caught DataError in DataLoader worker process" in str(caught.value.__cause__)


def test_train_takes_a_video_root(flawed_folder, tiny_models, tmp_path, capsys):
    """A JSON made elsewhere: its videos are not beside it; --video-root says where they are."""
    data = write_json(tmp_path / "elsewhere" / "good.json", [caption_record(f"good_{k}", f"good_{k}.mp4")
                                                              for k in range(3)])
    argv = train_argv(tiny_models, tmp_path, data, "--video-root", str(flawed_folder / "videos"))
    assert main(argv) == 0
    assert (tmp_path / "run" / "model.safetensors").is_file() and not (tmp_path / "run" / "failures.jsonl").exists()
    assert main([*argv[:-2], "--video-root", str(tmp_path / "nowhere")]) == 1
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        f"videoassist train: error: {tmp_path / 'nowhere'}: is not a folder (the video root of {data})")
