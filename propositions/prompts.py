"""Prompts and JSON schemas for the model-backed inferrer: propose, then reconcile."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from .models import Observation, Proposition

SENSITIVE_CATEGORIES = (
    "health", "finances", "relationships", "religion", "politics", "sexuality", "identity_documents",
)
DecayName = Literal["hours", "days", "weeks", "months", "years"]
Category = Literal[
    "health", "finances", "relationships", "religion", "politics", "sexuality", "identity_documents",
]

#: characters of one observation's text shown to the model (OCR text can be long)
OBS_TEXT_CHARS = 1200


class ProposedItem(BaseModel):
    text: str = Field(min_length=3, max_length=400)
    reasoning: str = Field(default="", max_length=1200)
    confidence: float = Field(ge=0, le=1)
    decay: DecayName = "weeks"
    evidence: list[int] = Field(default_factory=list)
    sensitive: list[Category] = Field(default_factory=list)


class Proposal(BaseModel):
    propositions: list[ProposedItem] = Field(default_factory=list, max_length=12)


class Decision(BaseModel):
    candidate: int
    action: Literal["new", "same", "revise", "contradict"]
    targets: list[int] = Field(default_factory=list)
    text: str = ""
    confidence: float | None = Field(default=None, ge=0, le=1)
    reasoning: str = ""


class Reconciliation(BaseModel):
    decisions: list[Decision] = Field(default_factory=list)


PROPOSE_SYSTEM = """You build a private model of {user}, the person using this computer, from what \
they do on it. From the observations below, infer propositions about {user}: their projects, \
goals, plans and upcoming events (with dates), the people they deal with (by name), their \
interests, habits, skills, tools, preferences and state of mind.

Rules:
- Each proposition is one plain sentence about {user} that names the specific people, places, \
projects, organisations, dates and tools involved ("{user} is preparing a toast for Maria and \
Joao's wedding in Porto on June 13"), never a vague one ("{user} uses a computer").
- Only claim what the observations support; cite the numbers of the supporting observations in \
"evidence".
- "confidence" is the probability the proposition is true: 0.9 only for what is stated outright \
and seen repeatedly; 0.5-0.7 for reasonable inferences; below 0.4 for guesses. Be calibrated.
- "decay" is how long it stays true without new evidence: hours (the task at hand), days, weeks \
(a current project or plan), months, years (lasting traits, job, skills).
- "sensitive" lists any of: health, finances, relationships, religion, politics, sexuality, \
identity_documents that the proposition touches; otherwise [].
- Never copy passwords, keys, tokens, card or account numbers into a proposition.
- At most 8 propositions; prefer fewer, more specific ones. Answer with JSON only."""

RECONCILE_SYSTEM = """You maintain a model of {user}. For each NEW candidate proposition, compare it \
with the EXISTING propositions listed under it and decide:
- "same": it says the same as existing proposition(s) (targets = their ids): it only adds evidence;
- "revise": it refines, updates or merges existing one(s) (targets = their ids); give the revised \
sentence in "text" and its confidence;
- "contradict": new evidence shows existing one(s) (targets) are no longer true; give the corrected \
sentence in "text" and its confidence;
- "new": it is about something else.
Answer with JSON only: one decision per candidate."""


def render_observation(index: int, obs: Observation) -> str:
    when = datetime.fromtimestamp(obs.captured_at).strftime("%Y-%m-%d %a %H:%M")
    head = " · ".join(p for p in (when, obs.app, obs.window_title, obs.url) if p)
    if obs.duration:
        head += f" · {int(obs.duration // 60)} min"
    text = " ".join((obs.content or "").split())
    if len(text) > OBS_TEXT_CHARS:
        text = text[:OBS_TEXT_CHARS] + " …"
    return f"[{index}] {head}\n{text}" if text else f"[{index}] {head}"


def propose_messages(user: str, batch: list[Observation]) -> list[dict[str, str]]:
    body = "\n\n".join(render_observation(i + 1, o) for i, o in enumerate(batch))
    return [
        {"role": "system", "content": PROPOSE_SYSTEM.format(user=user)},
        {"role": "user", "content": f"Observations:\n\n{body}"},
    ]


def reconcile_messages(
    user: str, pairs: list[tuple[ProposedItem, list[Proposition]]]
) -> list[dict[str, str]]:
    blocks = []
    for i, (cand, similar) in enumerate(pairs):
        lines = [f"NEW {i}: {cand.text} (confidence {cand.confidence:.2f})"]
        lines += [f"  EXISTING id={p.id}: {p.text} (confidence {p.confidence:.2f})" for p in similar]
        blocks.append("\n".join(lines))
    return [
        {"role": "system", "content": RECONCILE_SYSTEM.format(user=user)},
        {"role": "user", "content": "\n\n".join(blocks)},
    ]


TRANSCRIBE_SYSTEM = """You read screenshots for a private, on-device user model. Write out the \
meaningful text visible in the active window (headings, messages, names, dates, code), in reading \
order, then one line starting "Activity:" that says what the person is doing. Skip menus, toolbars \
and ads. Never copy passwords, keys, tokens or card numbers. Plain text only."""


def transcribe_messages(obs: Observation) -> list[dict[str, str]]:
    where = " · ".join(p for p in (obs.app, obs.window_title, obs.url) if p)
    return [
        {"role": "system", "content": TRANSCRIBE_SYSTEM},
        {"role": "user", "content": f"Screenshot{(' of ' + where) if where else ''}."},
    ]


def repair_messages(messages: list[dict[str, str]], bad: str, error: str) -> list[dict[str, str]]:
    """One more turn telling the model what was wrong with its answer."""
    return messages + [
        {"role": "assistant", "content": bad[:4000]},
        {"role": "user", "content": f"That answer was not valid: {error}. Reply again with only "
                                    "the JSON object, following the schema exactly."},
    ]


_GRAMMAR_UNFRIENDLY = {"maxLength", "minLength", "maxItems", "minItems"}


def wire_schema(model: type[BaseModel]) -> dict:
    """The JSON Schema sent to a model: the shape without length limits.

    Grammar-constrained decoders (llama.cpp) unroll each length limit into
    nested rules, and limits in the hundreds make the grammar too large to
    build; the limits are still enforced when the answer is validated.
    """

    def strip(node: object) -> object:
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if k not in _GRAMMAR_UNFRIENDLY}
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node

    return strip(model.model_json_schema())  # type: ignore[return-value]


PROPOSE_SCHEMA = wire_schema(Proposal)
RECONCILE_SCHEMA = wire_schema(Reconciliation)
