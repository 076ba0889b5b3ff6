"""real-clips: short test videos with known content, panned and zoomed over photographs that ship inside installed
packages (scikit-image's sample data, matplotlib's grace_hopper.jpg), plus clips that cut from one photograph to
another midway. Nothing is downloaded.

Writes to --out: clips/real_NNN.mp4 (H.264, 256x256, 24 fps), ground_truth.jsonl (per clip: its photographs with
source and licence, the main object's accepted names in English and Chinese, the cut time or null, the camera
path), eval_real.json (Valley-format questions: "What is in the video?", "What is the main object?" and their
Chinese forms; a clip that changes is asked only what is in it, and both objects must be named) and
answer_vocabulary.json (attribute "object": each object's accepted names; videoassist eval judges by it).

Every photograph is free to use: public domain or CC0 (each record names its licence); scikit-image's own scanned
page is BSD-3-Clause.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from videoassist.checkpoints.atomic import open_atomic

FPS = 24
SIDE = 256  # output frames are square: the tower's processor cuts the centre square anyway
CLIP_SECONDS = 3.0
CHANGE_SECONDS = 4.0
QUESTIONS = {"en": ["What is in the video?", "What is the main object?"],
             "zh": ["视频里有什么？", "视频中的主要物体是什么？"]}
CHANGE_QUESTIONS = {"en": ["What is in the video?"], "zh": ["视频里有什么？"]}
QUESTION_TYPE = "object"

# object → accepted names per language (the first is the reference's); no writing is shared by two objects
OBJECTS = {
    "cat": {"en": ["cat", "cats", "kitten", "kitty", "tabby"], "zh": ["猫", "猫咪", "小猫", "花猫"]},
    "coffee": {"en": ["coffee", "espresso", "cup", "mug", "cappuccino", "latte"],
               "zh": ["咖啡", "咖啡杯", "杯子", "浓缩咖啡", "杯"]},
    "rocket": {"en": ["rocket", "rockets", "missile"], "zh": ["火箭", "导弹"]},
    "astronaut": {"en": ["astronaut", "spaceman", "cosmonaut"], "zh": ["宇航员", "航天员", "女宇航员"]},
    "space_shuttle": {"en": ["shuttle", "spaceship", "spacecraft", "orbiter"],
                      "zh": ["航天飞机", "宇宙飞船", "飞船"]},
    "helmet": {"en": ["helmet", "helmets"], "zh": ["头盔"]},
    "camera": {"en": ["camera", "cameraman", "photographer", "tripod"],
               "zh": ["相机", "照相机", "摄影师", "摄像机", "三脚架"]},
    "horse": {"en": ["horse", "horses", "pony", "stallion", "mare"], "zh": ["马", "骏马", "小马"]},
    "coins": {"en": ["coins", "coin", "money"], "zh": ["硬币", "钱币", "古币"]},
    "text": {"en": ["text", "page", "document", "paper", "book"],
             "zh": ["文字", "文本", "书页", "页面", "文档"]},
    "bricks": {"en": ["bricks", "brick", "wall", "pavement", "paving"],
               "zh": ["砖", "砖块", "砖墙", "地砖", "砖头"]},
    # not "woman": the astronaut is one too, and an answer naming two objects is wrong
    "officer": {"en": ["officer", "admiral", "uniform", "navy", "sailor"],
                "zh": ["军官", "女军官", "海军", "制服", "军装"]},
    "galaxies": {"en": ["galaxies", "galaxy", "stars", "universe"],
                 "zh": ["星系", "星星", "星空", "宇宙", "银河"]},
    "grass": {"en": ["grass", "lawn", "turf"], "zh": ["草", "草地", "草坪"]},
}


@dataclass(frozen=True)
class Photo:
    name: str
    source: str
    licence: str


PHOTOS = {p.name: p for p in [
    Photo("chelsea", "skimage.data.chelsea", "CC0 (Stefan van der Walt)"),
    Photo("coffee", "skimage.data.coffee", "CC0 (Rachel Michetti)"),
    Photo("rocket", "skimage.data.rocket", "public domain (SpaceX)"),
    Photo("astronaut", "skimage.data.astronaut", "public domain (NASA)"),
    Photo("camera", "skimage.data.camera", "CC0 (Lav Varshney)"),
    Photo("horse", "skimage.data.horse", "CC0 (Andreas Preuss, openclipart)"),
    Photo("coins", "skimage.data.coins", "no known copyright restrictions (Brooklyn Museum)"),
    Photo("page", "skimage.data.page", "BSD-3-Clause (scikit-image)"),
    Photo("brick", "skimage.data.brick", "CC0 (CC0Textures)"),
    Photo("grass", "skimage.data.grass", "CC0 (linolafett)"),
    Photo("hubble_deep_field", "skimage.data.hubble_deep_field", "public domain (NASA)"),
    Photo("grace_hopper", "matplotlib sample_data/grace_hopper.jpg", "public domain (U.S. Navy)"),
]}


@dataclass(frozen=True)
class View:
    """A square window on a photograph: centre (fractions of its width and height) and side (fraction of its
    shorter side)."""

    x: float
    y: float
    side: float


@dataclass(frozen=True)
class Shot:
    photo: str
    object: str
    start: View
    end: View


@dataclass(frozen=True)
class ClipSpec:
    shots: tuple[Shot, ...]  # one, or two with a cut between them
    cut_s: float | None = None


def _pan(photo, obj, y, x0, x1, side=0.7, ys=None):
    return Shot(photo, obj, View(x0, y, side), View(x1, ys if ys is not None else y, side))


def _zoom(photo, obj, x, y, side0, side1):
    return Shot(photo, obj, View(x, y, side0), View(x, y, side1))


SHOTS = [
    _pan("chelsea", "cat", 0.5, 0.3, 0.7), _zoom("chelsea", "cat", 0.5, 0.5, 1.0, 0.55),
    _zoom("chelsea", "cat", 0.45, 0.45, 0.5, 1.0),
    _pan("coffee", "coffee", 0.45, 0.35, 0.6), _zoom("coffee", "coffee", 0.5, 0.4, 1.0, 0.6),
    _zoom("coffee", "coffee", 0.45, 0.4, 0.6, 1.0),
    _zoom("rocket", "rocket", 0.5, 0.5, 1.0, 0.5), _pan("rocket", "rocket", 0.75, 0.5, 0.5, 0.5, ys=0.35),
    _zoom("rocket", "rocket", 0.5, 0.45, 0.45, 0.9),
    _zoom("astronaut", "astronaut", 0.35, 0.5, 1.0, 0.7), _pan("astronaut", "astronaut", 0.5, 0.3, 0.45, 0.75),
    _zoom("astronaut", "space_shuttle", 0.78, 0.25, 0.45, 0.35),
    _pan("astronaut", "space_shuttle", 0.25, 0.7, 0.8, 0.4),
    _zoom("astronaut", "helmet", 0.82, 0.82, 0.4, 0.3), _pan("astronaut", "helmet", 0.8, 0.75, 0.85, 0.35, ys=0.85),
    _pan("camera", "camera", 0.45, 0.4, 0.6, 0.8), _zoom("camera", "camera", 0.62, 0.35, 0.9, 0.5),
    _zoom("horse", "horse", 0.5, 0.5, 1.0, 0.8), _pan("horse", "horse", 0.5, 0.4, 0.6, 0.85),
    _zoom("horse", "horse", 0.5, 0.5, 0.8, 1.0),
    _pan("coins", "coins", 0.5, 0.35, 0.65, 0.6), _zoom("coins", "coins", 0.5, 0.5, 1.0, 0.45),
    _pan("page", "text", 0.5, 0.3, 0.7, 0.9), _zoom("page", "text", 0.5, 0.55, 1.0, 0.6),
    _pan("brick", "bricks", 0.5, 0.3, 0.7), _zoom("brick", "bricks", 0.5, 0.5, 1.0, 0.5),
    _pan("grace_hopper", "officer", 0.45, 0.4, 0.6, 0.8), _zoom("grace_hopper", "officer", 0.5, 0.4, 1.0, 0.6),
    _zoom("hubble_deep_field", "galaxies", 0.5, 0.5, 1.0, 0.5), _pan("grass", "grass", 0.5, 0.3, 0.7),
]
CHANGES = [  # (first shot, second shot, cut time in seconds)
    (0, 3, 1.5), (6, 17, 2.0), (20, 1, 2.5), (26, 24, 1.75),
]
CLIPS = [ClipSpec((shot,)) for shot in SHOTS] + [ClipSpec((SHOTS[a], SHOTS[b]), cut) for a, b, cut in CHANGES]


def load_photo(name: str) -> np.ndarray:
    """The photograph as RGB uint8 [H, W, 3]; a one-line exit when scikit-image is missing."""
    if name == "grace_hopper":
        from matplotlib import cbook
        from PIL import Image

        return np.asarray(Image.open(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)).convert("RGB"))
    try:
        from skimage import data
    except ImportError:
        raise SystemExit("real-clips needs scikit-image (pip install scikit-image): its sample photographs") from None
    image = np.asarray(getattr(data, name)())
    if image.dtype == bool:  # the horse: a silhouette, True is the background
        image = image.astype(np.uint8) * 255
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, -1)
    return np.ascontiguousarray(image[..., :3])


def _window(photo: np.ndarray, view: View) -> tuple[float, float, float, float]:
    """The view's pixel box (left, top, right, bottom), moved inside the photograph."""
    height, width = photo.shape[:2]
    side = view.side * min(height, width)
    left = min(max(view.x * width - side / 2, 0.0), width - side)
    top = min(max(view.y * height - side / 2, 0.0), height - side)
    return left, top, left + side, top + side


def shot_frames(photo: np.ndarray, shot: Shot, count: int, offset: int = 0, total: int | None = None):
    """`count` frames of the camera moving (eased) from the shot's start view to its end view."""
    from PIL import Image

    image = Image.fromarray(photo)
    start, end = np.array(_window(photo, shot.start)), np.array(_window(photo, shot.end))
    steps = max((total or count) - 1, 1)
    for i in range(offset, offset + count):
        t = i / steps
        t = t * t * (3 - 2 * t)  # smoothstep: the camera starts and stops gently
        box = tuple(float(v) for v in start + (end - start) * t)
        yield np.asarray(image.resize((SIDE, SIDE), Image.BICUBIC, box=box))


def clip_frames(spec: ClipSpec, photos: dict[str, np.ndarray]):
    if spec.cut_s is None:
        count = round(CLIP_SECONDS * FPS)
        yield from shot_frames(photos[spec.shots[0].photo], spec.shots[0], count)
        return
    total, cut = round(CHANGE_SECONDS * FPS), round(spec.cut_s * FPS)
    first, second = spec.shots
    yield from shot_frames(photos[first.photo], first, cut, total=total)
    yield from shot_frames(photos[second.photo], second, total - cut, offset=cut, total=total)


def reference(objects: list[str], lang: str) -> str:
    names = [OBJECTS[o][lang][0] for o in objects]
    return ", then ".join(names) if lang == "en" else "，然后是".join(names)


def records(index: int, spec: ClipSpec) -> tuple[dict, list[dict]]:
    """The clip's ground-truth record and its eval questions."""
    cid, video = f"real_{index:03d}", f"clips/real_{index:03d}.mp4"
    objects = [shot.object for shot in spec.shots]
    truth = {
        "id": cid, "video": video, "fps": FPS, "width": SIDE, "height": SIDE,
        "duration_s": CLIP_SECONDS if spec.cut_s is None else CHANGE_SECONDS,
        "objects": objects, "names": {lang: [OBJECTS[o][lang] for o in objects] for lang in ("en", "zh")},
        "change_s": spec.cut_s,
        "shots": [{**asdict(shot), "source": PHOTOS[shot.photo].source, "licence": PHOTOS[shot.photo].licence}
                  for shot in spec.shots],
    }
    questions = QUESTIONS if spec.cut_s is None else CHANGE_QUESTIONS
    evaluation = [
        {"id": f"{cid}_{lang}{k}", "video": video, "question_type": QUESTION_TYPE, "language": lang,
         "conversations": [{"from": "human", "value": f"<video>\n{question}", "type": QUESTION_TYPE, "lang": lang},
                           {"from": "gpt", "value": reference(objects, lang)}]}
        for lang, asked in questions.items() for k, question in enumerate(asked)
    ]
    return truth, evaluation


def vocabulary() -> dict:
    return {"attributes": {"object": OBJECTS}, "question_types": {QUESTION_TYPE: ["object"]}}


def write_real_clips(out: Path, only: list[int] | None = None) -> int:
    """Write the clips (those numbered in `only`, else all), their records, questions and vocabulary to `out`;
    return how many clips."""
    from data_tools.synth.writer import write_mp4
    from videoassist.evaluation.vocabulary import AnswerVocabulary, write_vocabulary

    chosen = [(index, CLIPS[index]) for index in (range(len(CLIPS)) if only is None else only)]
    photos = {name: load_photo(name) for name in {shot.photo for _, spec in chosen for shot in spec.shots}}
    (out / "clips").mkdir(parents=True, exist_ok=True)
    truths, questions = [], []
    for index, spec in chosen:
        truth, evaluation = records(index, spec)
        path = out / truth["video"]
        if not path.is_file():  # a rerun keeps the clips already written (each appears only when complete)
            write_mp4(path, clip_frames(spec, photos), FPS)
        truths.append(truth)
        questions += evaluation
    with open_atomic(out / "ground_truth.jsonl") as file:
        file.writelines(json.dumps(t, ensure_ascii=False) + "\n" for t in truths)
    with open_atomic(out / "eval_real.json") as file:
        json.dump(questions, file, ensure_ascii=False, indent=1)
    write_vocabulary(AnswerVocabulary.from_json(vocabulary()), out / "answer_vocabulary.json")
    return len(truths)


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "real-clips", help="write test clips panned and zoomed over photographs from installed packages",
        description=__doc__.split("\n", 2)[2], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="folder to write the clips and their records to")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    count = write_real_clips(args.out)
    print(f"wrote {count} clips, their ground truth and eval_real.json to {args.out}", file=sys.stderr)
    return 0
