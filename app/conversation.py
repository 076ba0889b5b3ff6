"""A chat about one video: the turns shown in the app, the history the model is given, and the downloads."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field


def clock(seconds: float) -> str:
    """0:03.2 style: how the frame strip and the downloads show a time in the video."""
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)}:{rest:04.1f}"


@dataclass
class Turn:
    role: str  # "user" or "assistant"
    content: str
    timestamps: list[float] | None = None  # assistant turns: the frames the model saw, in seconds
    seconds: float | None = None  # assistant turns: how long the answer took


@dataclass
class Conversation:
    video: str  # the name the user knows the video by (the uploaded file's name, or the sample's)
    model: str
    turns: list[Turn] = field(default_factory=list)

    def history(self) -> list[dict]:
        """The earlier turns, as the assistant takes them."""
        return [{"role": turn.role, "content": turn.content} for turn in self.turns]

    def add_question(self, question: str) -> None:
        self.turns.append(Turn("user", question))

    def add_answer(self, text: str, timestamps: list[float], seconds: float) -> None:
        self.turns.append(Turn("assistant", text, [round(t, 3) for t in timestamps], round(seconds, 3)))

    def to_json(self) -> str:
        return json.dumps(
            {"video": self.video, "model": self.model, "turns": [asdict(turn) for turn in self.turns]},
            ensure_ascii=False,
            indent=2,
        )

    def to_markdown(self) -> str:
        lines = [f"# Conversation about {self.video}", "", f"Model: `{self.model}`", ""]
        for turn in self.turns:
            if turn.role == "user":
                lines += [f"**You:** {turn.content}", ""]
            else:
                frames = ", ".join(clock(t) for t in turn.timestamps or [])
                lines += [f"**Assistant:** {turn.content}", "", f"*frames at {frames}; {turn.seconds:.1f} s*", ""]
        return "\n".join(lines)
