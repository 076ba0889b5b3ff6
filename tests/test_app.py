"""The Streamlit app through AppTest (no browser): upload, frame strip, chat, describe, downloads, bad files,
temporary files, settings; and the `videoassist app` launcher's command line."""

from __future__ import annotations

import gc
import json
import os
from pathlib import Path

import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from app.conversation import Conversation, clock
from app.settings import AppSettings, model_notice
from app.uploads import UploadStore
from videoassist.cli.app import streamlit_command
from videoassist.cli.main import build_parser, main
from videoassist.precisions import DEFAULT_PRECISION
from videoassist.testing import save_tiny_model

SCRIPT = str(Path(__file__).resolve().parent.parent / "app" / "streamlit_app.py")
SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "synth"
CLIP = (SAMPLES / "synth_000000.mp4").read_bytes()  # 168x150, 15 fps, 52 frames
OTHER_CLIP = (SAMPLES / "synth_000002.mp4").read_bytes()
NOT_A_VIDEO = b"This is a shopping list, not a video.\n" * 20
FRAME_TIMES = ["0:00.2", "0:00.6", "0:01.1", "0:01.5", "0:01.9", "0:02.3", "0:02.8", "0:03.2"]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    return save_tiny_model(tmp_path_factory.mktemp("app-model"))


@pytest.fixture
def app(tiny_model, monkeypatch) -> AppTest:
    monkeypatch.setenv("VIDEOASSIST_MODEL", str(tiny_model))
    monkeypatch.delenv("VIDEOASSIST_MAX_UPLOAD_MB", raising=False)
    return AppTest.from_file(SCRIPT, default_timeout=60).run()


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    return at.file_uploader(key="upload").set_value((name, data, "video/mp4")).run()


def ask(at: AppTest, question: str) -> AppTest:
    return at.chat_input(key="question").set_value(question).run()


def chat(at: AppTest) -> list[tuple[str, str]]:
    return [(message.name, message.markdown[0].value) for message in at.chat_message]


def frame_captions(at: AppTest) -> list[str]:
    return [image.caption for strip in at.get("image") for image in strip.proto.imgs]


def upload_path(at: AppTest) -> Path | None:
    return at.session_state["uploads"].path


def test_before_a_video_the_app_asks_for_one(app):
    assert not app.exception and not app.error
    assert "Upload a video" in app.info[0].value
    assert {".mp4", ".webm", ".mov", ".mkv", ".avi", ".gif"} <= set(app.file_uploader(key="upload").allowed_type)


def test_the_sidebar_names_the_loaded_model(app, tiny_model):
    captions = [caption.value for caption in app.sidebar.caption]
    assert f"Model: `{tiny_model}`" in captions
    assert "VideoAssistForCausalLM (videoassist), 8 frames by default" in captions
    assert not app.sidebar.info  # the synthetic-world notice is the demo's


def test_the_demo_notice_says_what_it_knows_and_how_to_load_a_real_model():
    notice = model_notice("demo")
    assert "knows only its synthetic world" in notice
    assert "videoassist app --model HuggingFaceTB/SmolVLM2-256M-Video-Instruct" in notice
    assert model_notice("llava-hf/llava-onevision-qwen2-0.5b-ov-hf") is None


def test_an_upload_shows_the_video_and_the_frames_with_their_times(app):
    upload(app, "clip.mp4", CLIP)
    assert not app.exception and not app.error
    assert len(app.get("video")) == 1
    assert frame_captions(app) == FRAME_TIMES
    assert upload_path(app).suffix == ".mp4" and upload_path(app).read_bytes() == CLIP


def test_a_question_gets_an_answer_and_the_chat_goes_on(app):
    upload(app, "clip.mp4", CLIP)
    ask(app, "What colour is the circle?")
    assert not app.exception and not app.error
    (user, question), (assistant, reply) = chat(app)
    assert (user, question, assistant) == ("user", "What colour is the circle?", "assistant")
    assert reply.strip()
    assert "8 frames, 0:00.2–0:03.2" in app.chat_message[1].caption[0].value

    ask(app, "你看到了几个物体？")
    assert [role for role, _ in chat(app)] == ["user", "assistant"] * 2
    assert chat(app)[2] == ("user", "你看到了几个物体？")
    assert [turn.role for turn in app.session_state["conversation"].turns] == ["user", "assistant"] * 2


def test_the_describe_button_asks_for_a_description(app):
    upload(app, "clip.mp4", CLIP)
    app.button(key="describe").click().run()
    assert not app.exception
    assert [role for role, _ in chat(app)] == ["user", "assistant"]
    assert chat(app)[0][1] == "Describe this video."
    assert chat(app)[1][1].strip()


def test_the_conversation_downloads_as_json_and_markdown(app, monkeypatch):
    stored = {}
    keep = MemoryMediaFileStorage.load_and_get_id

    def remember(self, path_or_data, mimetype, kind, filename=None):
        file_id = keep(self, path_or_data, mimetype, kind, filename)
        stored[file_id] = (path_or_data, mimetype, filename)
        return file_id

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", remember)
    upload(app, "my clip.mp4", CLIP)
    ask(app, "What happens?")

    def download(key):
        button = next(b for b in app.get("download_button") if b.key == key)
        return stored[Path(button.proto.url).stem]

    data, mimetype, filename = download("download_json")
    assert (mimetype, filename) == ("application/json", "my clip-conversation.json")
    saved = json.loads(data)
    answer = chat(app)[1][1]
    assert saved["video"] == "my clip.mp4"
    assert [(t["role"], t["content"]) for t in saved["turns"]] == [("user", "What happens?"), ("assistant", answer)]
    assert len(saved["turns"][1]["timestamps"]) == 8

    data, mimetype, filename = download("download_markdown")
    assert (mimetype, filename) == ("text/markdown", "my clip-conversation.md")
    assert "**You:** What happens?" in (data.decode() if isinstance(data, bytes) else data)


def test_a_bad_upload_shows_one_line_naming_it_and_the_next_upload_works(app):
    upload(app, "notes.mp4", NOT_A_VIDEO)
    assert not app.exception
    [error] = app.error
    assert error.value.startswith("notes.mp4: cannot be read as a video") and "\n" not in error.value
    assert not app.get("video") and not app.chat_message
    bad_file = upload_path(app)

    upload(app, "clip.mp4", CLIP)
    assert not app.exception and not app.error
    assert frame_captions(app) == FRAME_TIMES
    assert not bad_file.exists()
    ask(app, "And now?")
    assert len(app.chat_message) == 2


def test_a_new_upload_replaces_the_temporary_file_and_starts_a_new_chat(app):
    upload(app, "first.mp4", CLIP)
    ask(app, "What colour is the circle?")
    first = upload_path(app)

    upload(app, "second.mp4", OTHER_CLIP)
    second = upload_path(app)
    assert not first.exists() and second.read_bytes() == OTHER_CLIP
    assert not app.chat_message
    assert app.session_state["conversation"].video == "second.mp4"

    app.file_uploader(key="upload").set_value(None).run()  # the user removes the upload
    assert not second.exists() and upload_path(app) is None


def test_an_upload_over_the_limit_is_refused(tiny_model, monkeypatch):
    monkeypatch.setenv("VIDEOASSIST_MODEL", str(tiny_model))
    monkeypatch.setenv("VIDEOASSIST_MAX_UPLOAD_MB", "0.001")
    at = upload(AppTest.from_file(SCRIPT, default_timeout=60).run(), "clip.mp4", CLIP)
    assert not at.exception
    assert at.error[0].value == f"clip.mp4: is {len(CLIP) / 2**20:.3g} MB, over the 0.001 MB limit"
    assert upload_path(at) is None and not at.get("video")


def test_a_sample_clip_can_be_picked(app):
    app.radio(key="source").set_value("Sample clip").run()
    assert app.selectbox(key="sample").options[:3] == [f"synth/synth_00000{i}.mp4" for i in range(3)]
    app.selectbox(key="sample").set_value("synth/synth_000000.mp4").run()
    assert not app.exception and not app.error
    assert frame_captions(app) == FRAME_TIMES
    ask(app, "What moves?")
    assert len(app.chat_message) == 2


def test_frames_per_second_in_the_sidebar_change_the_frames(app):
    upload(app, "clip.mp4", CLIP)
    app.radio(key="sampling").set_value("per second").run()
    app.number_input(key="fps").set_value(2.0).run()
    assert frame_captions(app) == ["0:00.0", "0:00.5", "0:01.0", "0:01.5", "0:02.0", "0:02.5", "0:03.0"]
    app.slider(key="max_frames").set_value(3).run()
    assert len(frame_captions(app)) == 3


def test_a_model_that_cannot_load_is_reported(monkeypatch, tmp_path):
    monkeypatch.setenv("VIDEOASSIST_MODEL", str(tmp_path))
    at = AppTest.from_file(SCRIPT, default_timeout=60).run()
    assert not at.exception
    assert "not a checkpoint folder" in at.error[0].value
    assert not at.get("file_uploader")


def test_the_launcher_refuses_a_bad_model_before_starting_the_server(tmp_path, monkeypatch, capsys):
    def start_server(*args):
        raise AssertionError("the server was started")

    monkeypatch.setattr(os, "execv", start_server)
    (tmp_path / "config.json").write_text("{ not json")
    assert main(["app", "--model", str(tmp_path), "--port", "8600"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"videoassist app: error: {tmp_path / 'config.json'}: cannot be read as JSON") and "\n" not in err


def test_the_upload_store_removes_its_file_when_the_session_is_gone(tmp_path):
    store = UploadStore(tmp_path)
    with open(__file__, "rb") as data:
        path = store.save("id-1", "clip.MP4", data)
        assert store.save("id-1", "clip.MP4", data) == path  # a rerun: same upload, same file
    assert path.suffix == ".mp4" and path.parent == tmp_path
    del store
    gc.collect()
    assert not path.exists()


def test_the_command_line_beats_the_environment():
    environ = {"VIDEOASSIST_MODEL": "from-env", "VIDEOASSIST_MAX_UPLOAD_MB": "5", "VIDEOASSIST_PRECISION": "bf16",
               "VIDEOASSIST_DEVICE": "cuda:1"}
    assert AppSettings.from_command_line(["--model", "ckpt", "--max-upload-mb", "50", "--precision", "int8",
                                          "--device", "cuda"],
                                         environ) == AppSettings("ckpt", 50.0, precision="int8", device="cuda")
    assert AppSettings.from_command_line([], environ) == AppSettings("from-env", 5.0, precision="bf16",
                                                                     device="cuda:1")
    assert AppSettings.from_command_line([], {}) == AppSettings("demo", 200.0, precision=DEFAULT_PRECISION)


def test_the_launcher_passes_the_safe_flags_and_the_settings(tmp_path):
    args = build_parser().parse_args(["app", "--model", str(tmp_path), "--port", "8600", "--max-upload-mb", "50",
                                      "--precision", "int4", "--device", "cuda"])
    command = streamlit_command(args.model, args.host, args.port, args.max_upload_mb, args.precision, args.device)
    assert command[1:4] == ["-m", "streamlit", "run"] and command[4] == SCRIPT
    flags = command[5 : command.index("--")]
    for flag in ("--server.headless=true", "--server.address=127.0.0.1", "--server.port=8600",
                 "--server.maxUploadSize=50", "--browser.gatherUsageStats=false", "--server.fileWatcherType=none"):
        assert flag in flags
    assert command[command.index("--") + 1 :] == ["--model", str(tmp_path.resolve()), "--max-upload-mb", "50",
                                                  "--precision", "int4", "--device", "cuda"]
    no_device = streamlit_command(args.model, args.host, args.port, args.max_upload_mb, args.precision, None)
    assert "--device" not in no_device  # the CPU unless asked


def test_the_markdown_download_reads_as_a_transcript():
    conversation = Conversation("clip.mp4", "demo")
    conversation.add_question("What colour is the circle?")
    conversation.add_answer("Red.", [0.25, 61.5], 1.234)
    text = conversation.to_markdown()
    assert "**You:** What colour is the circle?" in text
    assert "**Assistant:** Red." in text and "frames at 0:00.2, 1:01.5; 1.2 s" in text
    assert clock(3.25) == "0:03.2" and clock(75) == "1:15.0"
