"""Provenance: whether an observation shows something the person did, or only something shown to them.

A page, a mail or an advert is written by someone else; what the person typed, sent, edited,
ran or chose is theirs. A proposition resting only on what the person was shown is weaker
evidence about them than one resting on what they did, and says so (``saw`` against ``did``).

Read from the observation alone, with generic cues: a file the person changed, a chat turn of
theirs ("Me:", "You:", "Du:", their first name), a window they write in (a compose window, an
editor, a document, a spreadsheet), a command they ran at a prompt.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .activities import fold
from .entities import own_turn
from .models import TEXT_OBSERVERS, Observation

DID = "did"
SAW = "saw"

# Windows the person writes in: composing a mail or a message, an editor, a document.
_WRITING_TITLE = re.compile(
    r"(?i)\b(?:compose|new message|reply|draft|redactar|responder|borrador|nova mensagem|rascunho|"
    r"escrever|rediger|nouveau message|brouillon|verfassen|entwurf|neue nachricht)\b|^re:|^aw:|^fwd?:")
_WRITING_APP = re.compile(
    r"(?i)\b(?:code|vim|nvim|neovim|emacs|sublime|pycharm|intellij|xcode|mousepad|gedit|kate|"
    r"textedit|notepad|word|pages|writer|libreoffice|excel|numbers|calc|sheets|docs|overleaf|"
    r"obsidian|notion|bear|typora|scrivener)\b")
# A command at a shell prompt: "$ cargo test", "user@host:~/src$ git push", "PS C:\> dir".
_PROMPT = re.compile(r"(?m)^\s*(?:[\w.-]+@[\w.-]+[:\s][^\n$#>]*[$#]|\$|❯|>|PS [^>\n]+>)\s*[a-z][\w.-]*")


def acted(o: Observation, user: str = "") -> bool:
    """Whether ``o`` shows the person acting (writing, sending, editing, running), not only reading."""
    if o.observer == "files":
        return True  # a file they created, changed or moved
    if o.observer not in TEXT_OBSERVERS:
        return False
    text = o.content or ""
    if own_turn(user).search(fold(text)):
        return True
    title, app = o.window_title or "", o.app or ""
    if _WRITING_TITLE.search(title) or _WRITING_APP.search(app):
        return True
    return bool(_PROMPT.search(text))


def of(observations: Iterable[Observation], user: str = "") -> str:
    """``did`` when any of the observations shows the person acting, else ``saw``."""
    return DID if any(acted(o, user) for o in observations) else SAW
