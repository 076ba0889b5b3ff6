"""Every unusable file raises VideoError: one line, naming the file and the problem; never a raw av/decord error."""

import pytest

from videoassist.errors import VideoError
from videoassist.video import VideoLimits, probe, sample_frames

# fixture name -> words the message must contain
BAD_FILES = {
    "empty": "empty (0 bytes)",
    "no_frames_mkv": "no video frames",
    "no_frames_mp4": "no video stream",  # FFmpeg's MP4 reader drops a track without samples
    "text": "cannot be read as a video",
    "half": "cannot be read as a video (moov atom not found)",  # MP4 index at the end: cut off
    "half_faststart": "damaged or truncated",  # MP4 index at the front: the frames are cut off
    "half_faststart_no_bframes": "damaged or truncated",  # its index points past the end: scanned, not trusted
    "noisy_middle": "damaged or truncated",
    "half_webm": "damaged or truncated (File ended prematurely)",
    "audio_mp4": "no video stream (audio only)",
    "audio_m4a": "no video stream (audio only)",
    "audio_mp3": "no video stream (audio only)",
}


def assert_one_line_naming(error: VideoError, path, words: str) -> None:
    message = str(error)
    assert message.startswith(f"{path}: "), message
    assert words in message, message
    assert "\n" not in message, message


@pytest.mark.parametrize("name", BAD_FILES)
@pytest.mark.parametrize("call", ["probe", "auto", "decord", "pyav"])
def test_bad_files_raise_video_error(media, name, call):
    path = media[name]
    with pytest.raises(VideoError) as caught:
        if call == "probe":
            probe(path)
        else:  # forcing decord must fail just as cleanly: PyAV vets every file before decord sees it
            sample_frames(path, num_frames=4, backend=call)
    assert_one_line_naming(caught.value, path, BAD_FILES[name])


def test_missing_file(tmp_path):
    path = tmp_path / "nowhere.mp4"
    for call in (lambda: probe(path), lambda: sample_frames(path, num_frames=8)):
        with pytest.raises(VideoError) as caught:
            call()
        assert_one_line_naming(caught.value, path, "no such file")


def test_a_folder_is_not_a_video(tmp_path):
    with pytest.raises(VideoError) as caught:
        probe(tmp_path)
    assert_one_line_naming(caught.value, tmp_path, "not a file")


def test_damaged_image(tmp_path, media):
    path = tmp_path / "cut.png"
    path.write_bytes(media["png"].read_bytes()[:200])
    with pytest.raises(VideoError) as caught:
        sample_frames(path, num_frames=1)
    assert_one_line_naming(caught.value, path, "not a readable image")


def test_limits_on_duration_and_size(media):
    path = media["mp4"]  # 3 s
    size = path.stat().st_size
    assert probe(path, VideoLimits(max_duration_s=3.5, max_bytes=size)).num_frames == 72
    with pytest.raises(VideoError) as caught:
        sample_frames(path, num_frames=8, limits=VideoLimits(max_duration_s=2.0))
    assert_one_line_naming(caught.value, path, "lasts 3.0 s, over the 2.0 s limit")
    with pytest.raises(VideoError) as caught:
        probe(path, VideoLimits(max_bytes=size - 1))
    assert_one_line_naming(caught.value, path, f"is {size:,} bytes, over the limit of {size - 1:,} bytes")
    with pytest.raises(VideoError) as caught:
        probe(media["png"], VideoLimits(max_bytes=10))  # images too
    assert_one_line_naming(caught.value, media["png"], "over the limit of 10 bytes")


def test_ffmpeg_logging_is_left_as_it_was(media):
    import av.logging

    before = (av.logging.get_level(), av.logging.get_skip_repeated())
    with pytest.raises(VideoError):
        probe(media["noisy_middle"])
    probe(media["mp4"])
    assert (av.logging.get_level(), av.logging.get_skip_repeated()) == before
