"""Open-ended answers judged by a local LLM (`videoassist eval --judge MODEL`): the Video-ChatGPT protocol.

The published MSVD-QA / MSRVTT-QA / ActivityNet-QA numbers are GPT-3.5's verdicts on each (question, correct
answer, predicted answer): "yes" or "no", and a 0-5 score; accuracy is the share of "yes", the score their mean.
Here any Hugging Face causal LM gives them, with the same prompt (Video-ChatGPT's quantitative_evaluation/
evaluate_activitynet_qa.py, kept word for word in JUDGE_SYSTEM and JUDGE_USER; Video-LLaVA's eval_video_qa.py
uses it too). The judge does not write its reply freely: its reply starts as the prompt asks, `{'pred': '`, and
the judge's verdict is whichever of "yes" / "no" it finds likelier there (the sum of the tokens' log-probabilities),
then, after `', 'score': `, whichever of 0-5. So every reply is a verdict, also from a small local model that
would break the format, and the same model gives the same verdicts (no sampling).

Verdicts are cached in a JSON Lines file keyed by (judge model, question, reference, prediction), appended and
flushed one by one: an interrupted run loses nothing, and a rerun (or another model's run with the same answers)
asks the judge only what it has not judged; the judge model is loaded only then.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import ModelError, one_line
from .items import EvalItem
from .scoring import ScoringError, match_words

JUDGE_SYSTEM = (
    "You are an intelligent chatbot designed for evaluating the correctness of generative outputs for "
    "question-answer pairs. "
    "Your task is to compare the predicted answer with the correct answer and determine if they match meaningfully. "
    "Here's how you can accomplish the task:"
    "------"
    "##INSTRUCTIONS: "
    "- Focus on the meaningful match between the predicted answer and the correct answer.\n"
    "- Consider synonyms or paraphrases as valid matches.\n"
    "- Evaluate the correctness of the prediction compared to the answer."
)
JUDGE_USER = (
    "Please evaluate the following video-based question-answer pair:\n\n"
    "Question: {question}\n"
    "Correct Answer: {answer}\n"
    "Predicted Answer: {prediction}\n\n"
    "Provide your evaluation only as a yes/no and score where the score is an integer value between 0 and 5, with 5 "
    "indicating the highest meaningful match. "
    "Please generate the response in the form of a Python dictionary string with keys 'pred' and 'score', where value "
    "of 'pred' is  a string of 'yes' or 'no' and value of 'score' is in INTEGER, not STRING."
    "DO NOT PROVIDE ANY OTHER OUTPUT TEXT OR EXPLANATION. Only provide the Python dictionary string. "
    "For example, your response should look like this: {{'pred': 'yes', 'score': 4.8}}."
)
REPLY_START, REPLY_MIDDLE = "{'pred': '", "', 'score': "
VERDICTS, SCORES = ("yes", "no"), tuple(str(score) for score in range(6))


class JudgeCache:
    """The judge's verdicts, a JSON Lines file: one {"judge", "question", "reference", "prediction", "pred",
    "score"} per line (a line cut short by a crash is ignored)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.verdicts: dict[tuple, dict] = {}
        if self.path.is_file():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                try:
                    record = json.loads(line)
                    self.verdicts[self._key(record)] = {"pred": record["pred"], "score": record["score"]}
                except (json.JSONDecodeError, KeyError, TypeError):
                    continue

    @staticmethod
    def _key(record: dict) -> tuple:
        return record["judge"], record["question"], record["reference"], record["prediction"]

    def get(self, judge: str, question: str, reference: str, prediction: str) -> dict | None:
        return self.verdicts.get((judge, question, reference, prediction))

    def put(self, judge: str, question: str, reference: str, prediction: str, verdict: dict) -> None:
        record = {"judge": judge, "question": question, "reference": reference, "prediction": prediction, **verdict}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            out.flush()
        self.verdicts[self._key(record)] = verdict


class LLMJudge:
    """Judges open-ended answers with a local causal LM (a hub id in the local cache, or a folder); see the module
    notes. `calls` counts the verdicts the model was asked for (those not in the cache)."""

    def __init__(self, model: str, cache_path: Path, device: str | None = None, dtype=None):
        self.model_name, self.device, self.dtype = model, device, dtype
        self.description = f"judge {model}: Video-ChatGPT's prompt, yes/no and a 0-5 score"
        self.cache = JudgeCache(cache_path)
        self.calls = 0
        self._model = self._tokenizer = None
        self._failure: ModelError | None = None  # a judge that cannot be loaded is not tried again per item

    def check_model(self) -> None:
        """ModelError unless the judge's config can be read (a folder, or a hub id in the local cache): before the
        answers are asked for, not after."""
        from transformers import AutoConfig

        try:
            AutoConfig.from_pretrained(self.model_name)
        except (OSError, ValueError) as error:
            raise ModelError(f"judge {self.model_name}: cannot be loaded ({one_line(error)})") from None

    def check_item(self, item: EvalItem) -> None:
        if not match_words(item.reference):
            raise ScoringError(f"reference {item.reference!r} has no word to judge")

    def score_item(self, item: EvalItem, prediction: str) -> dict:
        verdict = self.cache.get(self.model_name, item.question, item.reference, prediction)
        if verdict is None:
            verdict = self.verdict(item.question, item.reference, prediction)
            self.cache.put(self.model_name, item.question, item.reference, prediction, verdict)
        return {"score": float(verdict["pred"] == "yes"), "judge": verdict["pred"], "judge_score": verdict["score"]}

    def verdict(self, question: str, reference: str, prediction: str) -> dict:
        """{"pred": "yes" | "no", "score": 0..5}, asked of the model."""
        import torch

        self._load()
        self.calls += 1
        user = JUDGE_USER.format(question=question, answer=reference, prediction=prediction)
        start = self._prompt_ids(user) + self._ids(REPLY_START)
        with torch.inference_mode():
            pred = VERDICTS[self._likeliest(start, VERDICTS)]
            score = self._likeliest(start + self._ids(pred) + self._ids(REPLY_MIDDLE), SCORES)
        return {"pred": pred, "score": score}

    def _ids(self, text: str) -> list[int]:
        return self._tokenizer(text, add_special_tokens=False)["input_ids"]

    def _prompt_ids(self, user: str) -> list[int]:
        """The chat prompt up to the reply, in the model's chat template (the system text folded into the user turn
        where the template has no system role), or as plain text for a model without one."""
        tokenizer = self._tokenizer
        if not tokenizer.chat_template:
            return tokenizer(f"{JUDGE_SYSTEM}\n\n{user}\n\n")["input_ids"]
        from jinja2 import TemplateError

        try:
            text = tokenizer.apply_chat_template([{"role": "system", "content": JUDGE_SYSTEM},
                                                  {"role": "user", "content": user}],
                                                 tokenize=False, add_generation_prompt=True)
        except TemplateError:
            text = tokenizer.apply_chat_template([{"role": "user", "content": f"{JUDGE_SYSTEM}\n\n{user}"}],
                                                 tokenize=False, add_generation_prompt=True)
        return self._ids(text)

    def _likeliest(self, start: list[int], candidates: tuple[str, ...]) -> int:
        """The index of the candidate whose tokens are likeliest after `start` (summed log-probabilities)."""
        import torch

        endings = [self._ids(candidate) for candidate in candidates]
        length = len(start) + max(map(len, endings))
        pad = self._tokenizer.pad_token_id or 0
        ids = torch.full((len(endings), length), pad, dtype=torch.long)
        mask = torch.zeros_like(ids)
        for row, ending in enumerate(endings):
            ids[row, :len(start) + len(ending)] = torch.tensor(start + ending)
            mask[row, :len(start) + len(ending)] = 1
        device = self._model.device
        logprobs = self._model(input_ids=ids.to(device), attention_mask=mask.to(device)).logits.float().log_softmax(-1)
        totals = [sum(logprobs[row, len(start) - 1 + t, token].item() for t, token in enumerate(ending))
                  for row, ending in enumerate(endings)]
        return max(range(len(totals)), key=totals.__getitem__)

    def _load(self) -> None:
        if self._failure is not None:
            raise self._failure
        if self._model is not None:
            return
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        device = self.device or ("cuda" if torch.cuda.is_available() else "cpu")
        try:
            self._tokenizer = AutoTokenizer.from_pretrained(self.model_name)
            self._model = AutoModelForCausalLM.from_pretrained(
                self.model_name, dtype=self.dtype or (torch.bfloat16 if device == "cuda" else torch.float32),
            ).to(device).eval()
        except (OSError, ValueError) as error:
            self._failure = ModelError(f"judge {self.model_name}: cannot be loaded ({one_line(error)})")
            raise self._failure from None
