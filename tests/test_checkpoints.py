"""The checkpoint and loading layer: the import graph of the subpackages, loading without the trainer, the model
source registry, and atomic writes."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from videoassist.checkpoints import registry
from videoassist.checkpoints.atomic import atomic_update, atomic_write, old_copy, open_atomic
from videoassist.errors import ModelError

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("import_graph", ROOT / "scripts" / "import_graph.py")
import_graph = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(import_graph)


# ---- the import graph ------------------------------------------------------------------------------------------


def test_the_import_graph_of_the_subpackages_has_no_cycle_and_keeps_the_rules():
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "import_graph.py")], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    lines = dict(line.split(" -> ", 1) for line in run.stdout.splitlines())
    assert "training" not in lines["inference"] and "demo" not in lines
    assert "checkpoints" in lines["inference"] and "checkpoints" in lines["training"]
    assert not {"training", "inference", "cli"} & set(lines["checkpoints"].split(", "))


def _package(root: Path, modules: dict[str, str]) -> Path:
    for name, source in modules.items():
        path = root / "videoassist" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
    return root


def test_the_import_graph_script_fails_on_a_cycle_and_on_a_broken_rule(tmp_path, capsys):
    root = _package(tmp_path, {
        "__init__.py": "",
        "inference/__init__.py": "",
        "inference/assistant.py": "def load():\n    from ..training.lora import add_lora\n",  # lazy: counts
        "training/__init__.py": "",
        "training/lora.py": "from videoassist.inference import assistant\n",
        "models/__init__.py": "from videoassist.errors import ModelError\nimport data_tools.synth\n",
        "errors.py": "",
    })
    assert import_graph.main([str(root)]) == 1
    errors = capsys.readouterr().err
    assert "cycle between inference, training" in errors
    assert "inference imports training (videoassist.inference.assistant)" in errors
    assert "the library imports data_tools (videoassist.models)" in errors


def test_the_import_graph_script_fails_when_the_library_imports_the_recipe(tmp_path, capsys):
    root = _package(tmp_path, {
        "__init__.py": "",
        "checkpoints/demo.py": "def weights():\n    from recipes.demo.release import package\n",
        "errors.py": "",
    })
    assert import_graph.main([str(root)]) == 1
    assert "the library imports recipes (videoassist.checkpoints.demo)" in capsys.readouterr().err


def test_the_import_graph_script_passes_a_layered_package(tmp_path, capsys):
    root = _package(tmp_path, {
        "__init__.py": "",
        "inference/assistant.py": "from ..checkpoints.sources import load_model\nfrom .. import errors\n",
        "checkpoints/sources.py": "from ..models.videoassist.modeling import Model\n",
        "models/videoassist/modeling.py": "from ...errors import ModelError\n",
        "errors.py": "",
    })
    assert import_graph.main([str(root)]) == 0
    run = capsys.readouterr()
    assert "inference -> checkpoints, errors" in run.out and not run.err


# ---- loading without the trainer -------------------------------------------------------------------------------


def test_importing_inference_and_loading_the_demo_imports_neither_training_nor_the_demo_recipe():
    code = (
        "import sys, json\n"
        "from videoassist.inference import VideoAssistant\n"
        "VideoAssistant.load('demo')\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith(('videoassist', 'recipes', 'data_tools')))))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    modules = json.loads(run.stdout.splitlines()[-1])
    assert "videoassist.checkpoints.demo" in modules  # the demo was loaded through the checkpoint layer
    assert not [m for m in modules if m.startswith(("videoassist.training", "recipes", "data_tools"))], modules


# ---- the model source registry ---------------------------------------------------------------------------------


class _Named(registry.ModelSource):
    """Models named `named:<anything>`: what a plug-in source looks like."""

    def matches(self, name: str) -> bool:
        return name.startswith("named:")

    def load(self, name: str, dtype=None, device=None):
        return f"model {name}", "processor"


@pytest.fixture
def sources(monkeypatch):
    monkeypatch.setattr(registry, "_SOURCES", list(registry._SOURCES))  # registrations end with the test


def test_a_registered_source_loads_its_names_before_the_general_sources(sources):
    from videoassist.checkpoints.sources import load_model

    registry.register_source(_Named())
    names = [type(source).__name__ for source in registry.registered_sources()]
    assert names == ["DemoSource", "PackagedDemoFolder", "HFVideoModel", "_Named", "CheckpointFolder", "HubCheckpoint"]
    assert load_model("named:x") == ("model named:x", "processor")


class _MyVideoLLM(registry.ModelSource):
    """Folders whose config.json names model_type `my_video_llm`: a plug-in source for a new kind of checkpoint."""

    def matches(self, name: str) -> bool:
        config = Path(name) / "config.json"
        return config.is_file() and json.loads(config.read_text()).get("model_type") == "my_video_llm"

    def load(self, name: str, dtype=None, device=None):
        return f"my model from {Path(name).name}", "processor"


def test_a_registered_source_loads_a_folder_of_a_model_type_the_built_in_sources_refuse(sources, tmp_path):
    from videoassist.checkpoints.sources import load_model

    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "config.json").write_text('{"model_type": "my_video_llm"}')
    with pytest.raises(ModelError, match="model_type 'my_video_llm' is not a video LLM videoassist loads"):
        load_model(str(folder))  # before the registration: one line, listing what is supported
    registry.register_source(_MyVideoLLM())
    assert load_model(str(folder)) == ("my model from mine", "processor")


def test_a_folder_without_config_is_not_a_checkpoint(tmp_path):
    from videoassist.checkpoints.sources import load_model

    with pytest.raises(ModelError, match="not a checkpoint folder"):
        load_model(str(tmp_path))


# ---- atomic writes ---------------------------------------------------------------------------------------------


def _siblings(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir())


def test_open_atomic_replaces_a_file_only_when_the_write_completes(tmp_path):
    path = tmp_path / "out.txt"
    with open_atomic(path) as file:
        file.write("first\n")
    with pytest.raises(RuntimeError), open_atomic(path) as file:
        file.write("half")
        raise RuntimeError("killed")
    assert path.read_text() == "first\n" and _siblings(path) == ["out.txt"]


def test_atomic_write_replaces_a_folder_whole_and_leaves_no_scratch(tmp_path):
    folder = tmp_path / "model"
    for content in ("one", "two"):
        with atomic_write(folder) as partial:
            partial.mkdir()
            (partial / content).write_text(content)
    assert sorted(p.name for p in folder.iterdir()) == ["two"]
    assert _siblings(folder) == ["model"] and not old_copy(folder).exists()
    with pytest.raises(RuntimeError), atomic_write(folder) as partial:
        partial.mkdir()
        raise RuntimeError("killed")
    assert sorted(p.name for p in folder.iterdir()) == ["two"] and _siblings(folder) == ["model"]


def test_atomic_update_keeps_what_else_the_folder_holds_and_moves_the_marker_last(tmp_path):
    run = tmp_path / "run"
    (run / "checkpoint-5").mkdir(parents=True)
    (run / "model-00001-of-00002.safetensors").write_text("an older, sharded save")
    (run / "config.json").write_text("old")
    with atomic_update(run, marker="config.json", stale=["model*.safetensors*"]) as partial:
        (partial / "model.safetensors").write_text("weights")
        (partial / "config.json").write_text("new")
        assert (run / "config.json").read_text() == "old"  # nothing moves before the write is complete
    assert sorted(p.name for p in run.iterdir()) == ["checkpoint-5", "config.json", "model.safetensors"]
    assert (run / "config.json").read_text() == "new" and _siblings(run) == ["run"]
