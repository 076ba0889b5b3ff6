"""The upload-and-ask app: pick a video, see the frames the model sees, chat about it.

Run it with `videoassist app` (which passes the safe Streamlit flags); the logic that is not UI lives in
app/settings.py, app/uploads.py and app/conversation.py.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from app.conversation import Conversation, clock
from app.settings import UPLOAD_TYPES, AppSettings, model_notice
from app.uploads import UploadStore
from videoassist.captioning.inputs import folder_media
from videoassist.captioning.settings import DEFAULT_PROMPT
from videoassist.errors import VideoAssistError, VideoError

# `streamlit run` gives the script its own argv; under AppTest, sys.argv is the test runner's.
launched_here = Path(sys.argv[0]).resolve() == Path(__file__).resolve()
settings = AppSettings.from_command_line(sys.argv[1:] if launched_here else [], os.environ)

st.set_page_config(page_title="videoassist", page_icon=":material/movie:", layout="wide")


@dataclass
class Video:
    key: str  # what identifies the choice between reruns: the upload's id or the sample's path
    name: str  # what the user calls it
    path: Path


@st.cache_resource(show_spinner="Loading the model…")
def load_assistant(model: str, precision: str, device: str | None):
    """One model per process, shared by every browser session (the assistant serialises generation)."""
    from videoassist.inference import VideoAssistant

    return VideoAssistant.load(model, precision=precision, device=device)


def sidebar() -> dict:
    """The sampling and generation settings → keyword arguments of `assistant.ask`."""
    with st.sidebar:
        st.header("Settings")
        st.caption(f"Model: `{settings.model}`")
        per_second = st.radio("Frames", ["evenly spaced", "per second"], key="sampling", horizontal=True)
        if per_second == "per second":
            fps = st.number_input("Frames per second", 0.1, 30.0, 1.0, step=0.5, key="fps")
            max_frames = st.slider("At most", 1, 256, 64, key="max_frames")
            sampling = {"fps": fps, "max_frames": max_frames}
        else:
            sampling = {"num_frames": st.slider("Number of frames", 1, 64, 8, key="num_frames")}
        return {
            **sampling,
            "max_new_tokens": st.slider("Max new tokens", 8, 1024, 128, step=8, key="max_new_tokens"),
            "temperature": st.slider("Temperature", 0.0, 1.5, 0.0, step=0.05, key="temperature"),
        }


def model_panel(assistant) -> None:
    """Which model answers: its class and kind, its default frames; for the demo, what it knows and how to load
    a real model."""
    sampling = assistant.sampling_settings()
    frames = f"{sampling['num_frames']} frames" if sampling["num_frames"] else f"{sampling['fps']:g} frames/s"
    with st.sidebar:
        st.caption(f"{type(assistant.model).__name__} ({assistant.model.config.model_type}), {frames} by default")
        notice = model_notice(settings.model)
        if notice:
            st.info(notice)


def choose_video() -> Video | None:
    samples = {
        str(Path(p).relative_to(settings.samples_dir)): Path(p)
        for p in folder_media(settings.samples_dir)
        if Path(p).suffix.lower().lstrip(".") in UPLOAD_TYPES  # videos only: st.video plays them
    }
    source = "Upload a video"
    if samples:
        source = st.radio("Video", ["Upload a video", "Sample clip"], key="source", horizontal=True)
    store = st.session_state.setdefault("uploads", UploadStore())
    if source == "Sample clip":
        store.clear()
        name = st.selectbox("Sample clip", sorted(samples), key="sample")
        return Video(f"sample:{name}", name, samples[name])
    upload = st.file_uploader(
        f"Upload a video ({', '.join(UPLOAD_TYPES)}; up to {settings.max_upload_mb:g} MB)",
        type=UPLOAD_TYPES,
        key="upload",
    )
    if upload is None:
        store.clear()
        return None
    if upload.size > settings.max_upload_bytes:  # the server refuses these first; this guards other front ends
        store.clear()
        st.error(f"{upload.name}: is {upload.size / 2**20:.3g} MB, over the {settings.max_upload_mb:g} MB limit")
        return None
    return Video(f"upload:{upload.file_id}", upload.name, store.save(upload.file_id, upload.name, upload))


def frame_strip(frames, timestamps: list[float]) -> None:
    st.image(list(frames), caption=[clock(t) for t in timestamps], width=112)


def answer_details(timestamps: list[float], seconds: float) -> None:
    st.caption(f"{len(timestamps)} frames, {clock(timestamps[0])}–{clock(timestamps[-1])} · {seconds:.1f} s")


def show_turn(role: str, text: str, timestamps: list[float] | None, seconds: float | None) -> None:
    with st.chat_message(role):
        st.markdown(text)
        if timestamps is not None:
            answer_details(timestamps, seconds)


def answer(assistant, video: Video, conversation: Conversation, question: str, options: dict) -> None:
    """Stream the answer to `question` into a chat message and add both turns to the conversation."""
    show_turn("user", question, None, None)
    with st.chat_message("assistant"):
        shown = st.empty()
        try:
            stream = assistant.ask(video.path, question, history=conversation.history(), stream=True, **options)
            streamed = shown.write_stream(stream)
        except VideoAssistError as error:
            st.error(str(error))
            return
        reply = stream.answer
        if reply.text != str(streamed).strip():  # a loop the repetition guard stopped: its phrase once, as kept
            shown.markdown(reply.text)
        answer_details(reply.timestamps, reply.seconds)
    conversation.add_question(question)
    conversation.add_answer(reply.text, reply.timestamps, reply.seconds)


def downloads(conversation: Conversation) -> None:
    stem = Path(conversation.video).stem
    json_column, markdown_column = st.columns(2)
    json_column.download_button(
        "Download JSON", conversation.to_json(), f"{stem}-conversation.json", "application/json",
        key="download_json", on_click="ignore", width="stretch",
    )
    markdown_column.download_button(
        "Download Markdown", conversation.to_markdown(), f"{stem}-conversation.md", "text/markdown",
        key="download_markdown", on_click="ignore", width="stretch",
    )


st.title("videoassist", anchor=False)
options = sidebar()
try:
    assistant = load_assistant(settings.model, settings.precision, settings.device)
except VideoAssistError as error:
    st.error(str(error))
    st.stop()
model_panel(assistant)

video = choose_video()
if video is None:
    st.info("Upload a video or pick a sample clip, then ask about it.")
    st.stop()

sampling = {k: options[k] for k in ("num_frames", "fps", "max_frames") if k in options}
try:
    seen, _ = assistant.video_features(video.path, **sampling)
except VideoError as error:
    st.error(f"{video.name}: {error.problem}")  # the temporary file's path would mean nothing to the user
    st.stop()

player, strip = st.columns([2, 3])
with player:
    st.video(str(video.path))
with strip:
    st.markdown(f"**The {len(seen.timestamps)} frames the model sees**")
    frame_strip(seen.frames, seen.timestamps)
    actions = st.container()

conversation = st.session_state.get("conversation")
if conversation is None or st.session_state.get("conversation_video") != video.key:
    conversation = st.session_state["conversation"] = Conversation(video.name, settings.model)
    st.session_state["conversation_video"] = video.key

for turn in conversation.turns:
    show_turn(turn.role, turn.content, turn.timestamps, turn.seconds)

describe = actions.button("Describe this video", key="describe", icon=":material/description:")
question = st.chat_input("Ask about the video", key="question")
if describe or question:
    answer(assistant, video, conversation, DEFAULT_PROMPT if describe else question, options)

with actions:
    downloads(conversation)
