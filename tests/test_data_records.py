"""read_records: Valley pretraining, Valley instruction (source sub-folders), LLaVA image and text-only records,
JSON Lines, and a one-line DataError naming the file and record for everything malformed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from test_data_fixtures import caption_record, synth_folder, write_json  # noqa: F401 (fixture)
from videoassist.data import Sample, read_records
from videoassist.errors import DataError


def test_valley_pretraining_records(synth_folder):
    path = synth_folder / "pretrain_train.json"
    raw = json.loads(path.read_text(encoding="utf-8"))
    samples = read_records(path, synth_folder)
    assert [s.id for s in samples] == [r["id"] for r in raw]
    for sample, record in zip(samples, raw):
        assert isinstance(sample, Sample)
        assert sample.video == synth_folder / record["video"] and sample.video.is_file()
        assert sample.messages == [
            {"role": "user", "content": record["conversations"][0]["value"]},
            {"role": "assistant", "content": record["conversations"][1]["value"]},
        ]
        assert sample.extra == {}


def test_video_root_defaults_to_the_json_folder(synth_folder):
    assert read_records(synth_folder / "pretrain_train.json") == read_records(
        synth_folder / "pretrain_train.json", synth_folder)


def test_valley_instruction_records_keep_turn_keys_and_record_fields(synth_folder):
    path = synth_folder / "instruct_train.json"
    raw = json.loads(path.read_text(encoding="utf-8"))
    samples = read_records(path, synth_folder)
    for sample, record in zip(samples, raw):
        assert sample.extra == {"source": record["source"], "v_id": record["v_id"]}
        assert sample.video.is_file()
        turns = record["conversations"]
        assert len(sample.messages) == len(turns) >= 2
        for message, turn in zip(sample.messages, turns):
            assert message["role"] == {"human": "user", "gpt": "assistant"}[turn["from"]]
            assert message["content"] == turn["value"]
            if turn["from"] == "human":
                assert (message["type"], message["lang"]) == (turn["type"], turn["lang"])


def test_valley_instruction_videos_are_found_in_every_layout(synth_folder, tmp_path):
    clip = next((synth_folder / "synth").glob("*.mp4"))
    root = tmp_path / "videos"
    for relative in ("jukinmedia/1234.mp4", "VATEX/abcdefghijk_000010_000020.mp4", "flat_5678.mp4"):
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(clip, root / relative)

    def record(source, video, v_id):
        return {**caption_record(v_id, video), "source": source, "v_id": v_id}

    path = write_json(tmp_path / "instruct.json", [
        record("jukinmedia", "1234.mp4", "1234"),  # Valley's layout: root/source/video
        record("VATEX", "abcdefghijk.mp4", "abcdefghijk_000010_000020"),  # named after v_id
        record("jukinmedia", "flat_5678.mp4", "5678"),  # one flat folder: root/video
        record("VATEX", "gone.mp4", "gone_1_2"),  # nowhere
    ])
    videos = [s.video for s in read_records(path, root)]
    assert videos == [root / "jukinmedia/1234.mp4", root / "VATEX/abcdefghijk_000010_000020.mp4",
                      root / "flat_5678.mp4", root / "VATEX/gone.mp4"]
    assert [v.is_file() for v in videos] == [True, True, True, False]


def test_llava_image_and_text_only_records(tmp_path):
    path = write_json(tmp_path / "llava.json", [
        {"id": "000000033471", "image": "coco/train2017/000000033471.jpg", "conversations": [
            {"from": "human", "value": "What are the colors of the bus in the image?\n<image>"},
            {"from": "gpt", "value": "The bus in the image is white and red."},
            {"from": "human", "value": "What feature can be seen on the back of the bus?"},
            {"from": "gpt", "value": "The back of the bus features an advertisement."}]},
        {"id": "text_1", "conversations": [
            {"from": "system", "value": "Be brief."}, {"from": "human", "value": "Say hi."},
            {"from": "gpt", "value": "Hi."}]},
    ])
    image, text = read_records(path, tmp_path / "images")
    assert image.video == tmp_path / "images/coco/train2017/000000033471.jpg"
    assert image.messages[0]["content"] == "What are the colors of the bus in the image?\n<video>"
    assert "<image>" not in json.dumps(image.messages)
    assert [m["role"] for m in image.messages] == ["user", "assistant", "user", "assistant"]
    assert text.video is None
    assert [m["role"] for m in text.messages] == ["system", "user", "assistant"]


def test_json_lines_and_absolute_paths(synth_folder, tmp_path):
    clip = next((synth_folder / "synth").glob("*.mp4")).resolve()
    path = tmp_path / "data.jsonl"
    path.write_text("\n".join(json.dumps(caption_record(f"r{k}", str(clip))) for k in range(3)) + "\n")
    samples = read_records(path, tmp_path / "elsewhere")
    assert [s.id for s in samples] == ["r0", "r1", "r2"]
    assert all(s.video == clip for s in samples)


@pytest.mark.parametrize("content, problem", [
    ('[{"id": "a", "video": "a.mp4", "conversations": []}', "is not valid JSON (line 1"),
    ('{"data": [{"id": "a"}]}', "must hold a JSON list of records"),
    ('{"id": "a", "video": "a.mp4", "conversations": "hi"}', "record 0 (id a) has no turns"),
    ('[{"id": "a", "video": "a.mp4"}]', 'record 0 (id a) has no "conversations"'),
    ('[{"id": "a", "video": "a.mp4", "conversations": []}]', "record 0 (id a) has no turns"),
    ('[{"id": "a", "video": "a.mp4", "conversations": [{"from": "bot", "value": "x"}]}]',
     "record 0 (id a) turn 0 has speaker 'bot'"),
    ('[{"id": "a", "video": "a.mp4", "conversations": [{"from": "human"}]}]', "record 0 (id a) turn 0 has no text"),
    ('[{"id": "a", "image": ["a.jpg", "b.jpg"], "conversations": [{"from": "human", "value": "x"}]}]',
     "several images per record are not supported"),
    ('[{"id": "a", "video": "a.mp4", "image": "a.jpg", "conversations": [{"from": "human", "value": "x"}]}]',
     'has both "video" and "image"'),
    ('[3]', "record 0 is not a JSON object"),
    ("", "holds no records"),  # before: no records, no error (validate passed it, shard and eval wrote outputs)
    (" [ ]\n", "holds no records"),
])
def test_malformed_files_and_records_raise_one_line_data_errors(tmp_path, content, problem):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(DataError) as caught:
        read_records(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and problem in message and "\n" not in message


def test_a_bad_line_in_json_lines_is_named(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(caption_record("a", "a.mp4")) + "\n{not json\n")
    with pytest.raises(DataError, match=r"bad.jsonl: line 2 is not valid JSON"):
        read_records(path)


def test_a_missing_file_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match=r"nothing.json: no such file"):
        read_records(tmp_path / "nothing.json")


def test_records_without_id_get_a_stable_one(tmp_path):
    record = caption_record("x", "a.mp4")
    del record["id"]
    path = write_json(tmp_path / "noid.json", [record, {**record, "v_id": "clip9"}])
    assert [s.id for s in read_records(path)] == ["noid_0", "clip9"]


def test_records_with_the_same_video_share_it(synth_folder):
    samples = read_records(synth_folder / "pretrain_train.json")
    by_video: dict[Path, list[str]] = {}
    for sample in samples:
        by_video.setdefault(sample.video, []).append(sample.id)
    assert all(len(ids) == 2 for ids in by_video.values())  # one English and one Chinese caption per clip


def test_a_folder_or_a_binary_file_is_one_line_saying_so(tmp_path):
    folder = tmp_path / "data.json"
    folder.mkdir()
    with pytest.raises(DataError, match=r"data.json: is a folder, not a file$"):
        read_records(folder)
    video = tmp_path / "video.json"
    video.write_bytes(b"\x00\x00\x00\x18ftypmp42\x9e\xff")
    with pytest.raises(DataError, match=r"video.json: is not UTF-8 text \(byte 12\): not a data file$"):
        read_records(video)
