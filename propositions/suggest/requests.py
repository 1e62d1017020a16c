"""Reading mail and chat: which windows hold them, the requests addressed to the user, and the replies."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..dates import sentences
from ..models import Observation
from .text import _content_words, _normalise, _title_core

# Mail and chat: by app name, by web address, or by mail headers in the text.
_MESSAGING_APP = re.compile(
    r"mail|thunderbird|outlook|evolution|geary|mailspring|airmail|mutt|aerc|kmail|claws|spark|"
    r"slack|teams|discord|signal|telegram|whatsapp|element|messages|messenger|zulip|mattermost|"
    r"rocket\.?chat|skype|threema|\bwire\b|\bchat\b", re.I)


_MESSAGING_HOST = re.compile(
    r"(?:^|\.)(?:mail\.google\.com|outlook\.(?:live|office|office365)\.com|mail\.yahoo\.com|"
    r"slack\.com|teams\.microsoft\.com|discord\.com|web\.whatsapp\.com|web\.telegram\.org|"
    r"app\.element\.io|mail\.proton\.me|fastmail\.com|zulipchat\.com|messenger\.com)$|"
    r"^(?:mail|webmail)\.", re.I)


_MAIL_HEADERS = re.compile(r"^\s*(?:from|to|subject)\s*:", re.I | re.M)


def _is_messaging(o: Observation) -> bool:
    if o.app and _MESSAGING_APP.search(o.app):
        return True
    host = urlsplit(o.url).hostname if o.url else None
    if host and _MESSAGING_HOST.search(host):
        return True
    return len(_MAIL_HEADERS.findall(o.content or "")) >= 2


_REQUEST = re.compile(
    r"\b(?:can|could|would|will)\s+you\b|\bplease\b|\blet\s+me\s+know\b|\bany\s+chance\s+you\b|"
    r"\bdo\s+you\s+(?:have|mind|know|think|want)\b|\bare\s+you\s+(?:able|free|available|around)\b|"
    r"\bwhen\s+can\s+you\b|\bget\s+back\s+to\s+me\b|\bwaiting\s+(?:for|on)\s+your\b|\bneed\s+your\b|"
    r"\bwhat\s+do\s+you\s+think\b", re.I)


# Sign-offs and boilerplate that look like requests but ask nothing.
_NOT_A_REQUEST = re.compile(
    r"\b(?:do\s+not|don't|don’t|no)[\s-]+reply\b|unsubscribe|privacy|\bterms\b|consider the environment|"
    r"please\s+(?:find|see|note)\b|let\s+me\s+know\s+if\s+you\s+(?:have|need)\s+any|"
    r"(?:don't|don’t|do\s+not)\s+hesitate|feel\s+free|thank(?:s| you)\b[^?]*$|"
    r"would\s+you\s+like\s+me\s+to|if\s+you(?:'d|’d|\s+would)\s+like", re.I)


_GREETING = re.compile(r"^(?:hi|hey|hello|dear|morning|good\s+(?:morning|afternoon|evening))\b[^,!?.]{0,40}[,!]\s*", re.I)


# "Priya Raman  10:42 AM" heading a chat message, or "Priya: ..." before one.
_SPEAKER_HEADING = re.compile(
    r"^\s*([A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,2})\s+\[?\d{1,2}:\d\d(?:\s*[AaPp]\.?[Mm]\.?)?\]?\s*$")


_SPEAKER_PREFIX = re.compile(r"^\s*([A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,2})\s*:\s+(.+)$")


_FROM = re.compile(r"^\s*from\s*:\s*\"?([^<\"\n]+?)\"?\s*(?:<[^>]*>)?\s*$", re.I)


_HEADER_NAMES = frozenset({"from", "to", "cc", "bcc", "subject", "date", "sent", "reply-to"})


_HEADER = re.compile(rf"^\s*(?:{'|'.join(_HEADER_NAMES)})\s*:", re.I)


_SELF = frozenset({"you", "me"})


_QUOTE = re.compile(r"^\s*>")


_QUOTE_INTRO = re.compile(r"^\s*(?:on\s.{4,120}\swrote:|-{2,}\s*(?:original|forwarded)\s+message\s*-{2,})\s*$", re.I)


@dataclass
class _Request:
    text: str  # the request, greeting dropped
    raw: str  # the sentence as seen
    speaker: str | None


def _requests(text: str, me: str | None) -> list[_Request]:
    """Sentences asking something of the reader, with who asked (never the user themself)."""
    out: list[_Request] = []
    speaker: str | None = None
    # "Name: text" is how chats show who wrote; in a mail it is "Note:" or "Time:".
    is_mail = any(_FROM.match(line) for line in text.splitlines())
    for line in text.splitlines():
        if _QUOTE.match(line):
            continue  # quoted from an earlier message, judged where that message was seen
        if _QUOTE_INTRO.match(line):
            break
        heading = _SPEAKER_HEADING.match(line)
        sender = _FROM.match(line)
        if heading or sender:
            speaker = (heading or sender).group(1).strip()
            continue
        prefix = None if is_mail and not _HEADER.match(line) else _SPEAKER_PREFIX.match(line)
        if prefix and prefix.group(1).casefold() not in _HEADER_NAMES:
            speaker, line = prefix.group(1).strip(), prefix.group(2)
        elif prefix:
            continue  # a mail header line
        if _is_me(speaker, me):
            continue
        for sentence in sentences(line):
            if not _REQUEST.search(sentence) or _NOT_A_REQUEST.search(sentence):
                continue
            mention = re.search(r"@([\w.-]+)", sentence)
            if mention and not _is_me(mention.group(1), me):
                continue  # asked of someone else in the channel
            asked = _GREETING.sub("", sentence).strip()
            if len(_content_words(asked)) >= 1:
                out.append(_Request(asked[:1].upper() + asked[1:], sentence, speaker))
    return out


def _is_me(name: str | None, me: str | None) -> bool:
    if not name:
        return False
    first = name.split()[0].casefold()
    return first in _SELF or bool(me and first == me.casefold())


class _Conversations:
    """The run's observations by conversation (app and window title), to find replies fast."""

    def __init__(self, observations: Sequence[Observation]) -> None:
        self.by_key: dict[tuple[str, str], list[Observation]] = defaultdict(list)
        self.reply_windows: list[Observation] = []
        for o in observations:
            self.by_key[self.key(o)].append(o)
            if re.search(r"\bre:", o.window_title or "", re.I):
                self.reply_windows.append(o)
        self._flat: dict[int, str] = {}

    @staticmethod
    def key(o: Observation) -> tuple[str, str]:
        return o.app or "", _title_core(o.window_title or "")

    def replied(self, request: _Request, subject: str | None, asked: Observation, me: str | None) -> bool:
        """A reply seen since the request: the user's message below it in the same conversation,
        or a window titled "Re: <subject>" (a reply being written) unless the thread was one already."""
        if subject:
            replying = re.compile(rf"\bre:\s*{re.escape(subject)}", re.I)
            if not replying.search(asked.window_title or "") and any(
                    o.captured_at >= asked.captured_at and o is not asked and replying.search(o.window_title or "")
                    for o in self.reply_windows):
                return True
        needle = _normalise(request.raw)
        for o in self.by_key[self.key(asked)]:
            if o.captured_at < asked.captured_at or not needle or needle not in self._normalised(o):
                continue
            lines = (o.content or "").splitlines()
            at = next((i for i, line in enumerate(lines) if needle in _normalise(line)), None)
            for line in lines[at + 1:] if at is not None else []:
                who = _FROM.match(line) or _SPEAKER_HEADING.match(line) or _SPEAKER_PREFIX.match(line)
                if who and _is_me(who.group(1), me):
                    return True
        return False

    def _normalised(self, o: Observation) -> str:
        key = id(o)
        if key not in self._flat:
            self._flat[key] = _normalise(o.content or "")
        return self._flat[key]
