"""Screen chrome (menus, tab strips, clocks, badges, cookie banners, ads) told apart from content."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from enum import Enum

from . import chrome_words as words

# A line is chrome when at least this share of its words are menu/chrome words (and at
# least MIN_MENU_WORDS of them): ordinary sentences mention "file" or "history" too, but
# rarely as two thirds of the line.
MENU_SHARE = 0.7
MIN_MENU_WORDS = 2
# A cookie banner or an ad runs from its opener to its buttons; if no buttons come
# within this many lines, only the opener goes (the rest may be content).
MAX_BANNER_LINES = 8
MAX_AD_LINES = 5
# A counter beside a short label ("Inbox (3)", "Thesis 2 unread") is a badge; beside a
# sentence it may be content ("Smith et al. (12)"), so it stays there.
MAX_LABEL_WORDS = 4


def fold(text: str) -> str:
    """Casefold and drop accents ("Pestaña" -> "pestana"), so OCR's lost accents still match."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_TOKEN_RE = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
_fold_cache: dict[str, str] = {}


def _fold_token(token: str) -> str:
    folded = _fold_cache.get(token)
    if folded is None:
        folded = fold(token).replace("’", "'")
        if len(_fold_cache) < 50_000:  # bounded: OCR text brings endless new tokens
            _fold_cache[token] = folded
    return folded


def _phrases(items: Iterable[str]) -> dict[str, list[tuple[str, ...]]]:
    """First word -> phrases (as folded word tuples) starting with it, longest first."""
    table: dict[str, list[tuple[str, ...]]] = {}
    for item in set(items):
        tokens = tuple(_fold_token(t) for t in _TOKEN_RE.findall(item))
        if tokens:
            table.setdefault(tokens[0], []).append(tokens)
    for options in table.values():
        options.sort(key=len, reverse=True)
    return table


def _alternation(items: Iterable[str]) -> str:
    """Regex alternation of ``items`` with and without accents, longest first."""
    variants = {v for item in items for v in (item, fold(item))}
    return "|".join(re.escape(v).replace(r"\ ", r"\s+")
                    for v in sorted(variants, key=len, reverse=True))


_MENU = frozenset(_fold_token(w) for w in words.MENU_WORDS)
_CHROME_PHRASES = _phrases(words.CHROME_PHRASES)
_AD_LABELS = frozenset(_fold_token(w) for w in words.AD_LABELS)
_BUTTONS = _phrases(words.BUTTON_PHRASES)
_LITERAL_APPS = frozenset(fold(a) for a in words.LITERAL_APPS)

# --------------------------------------------------------------------------- clocks

_WD = rf"(?:{_alternation(words.WEEKDAYS)})\.?,?"
_MON = rf"(?:{_alternation(words.MONTHS)})\.?"
_DAY = r"(?:3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th|º|\.)?"
_YEAR = r"(?:,?\s+(?:de\s+)?\d{4})?"
_DATE_WORDS = rf"(?:{_DAY}\s+(?:de\s+)?{_MON}|{_MON}\s+{_DAY}){_YEAR}"
_DATE_NUM = r"(?:\d{4}-\d\d-\d\d|\d{1,2}[./]\d{1,2}[./](?:\d{4}|\d\d))"
_DATE = rf"(?:{_DATE_WORDS}|{_DATE_NUM})"
_TIME = r"(?:(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?(?:\s*[ap]\.?\s?m\b\.?)?)"
_AT = r"(?:(?:at|um|à|a\s+las|às|,)\s+)?"
_CLOCK_RE = re.compile(
    rf"\s*(?:{_WD}\s*)?(?:{_DATE},?\s*{_AT})?{_TIME}\s*"
    rf"|\s*{_TIME}\s+(?:{_WD}\s*)?{_DATE}\s*", re.I)
_BARE_DATE_RE = re.compile(rf"\s*(?:{_WD}\s*)?{_DATE}\s*|\s*{_WD}\s*", re.I)
# Dates and times inside a line, blanked before counting words: "Mar" in "9 Mar" is
# a month, not a word that makes the line content or chrome.
_DATETIME_SPAN_RE = re.compile(
    rf"\b(?:(?:{_WD}\s*)?{_DATE}(?:,?\s*{_AT}{_TIME})?|(?:{_WD}\s*)?{_TIME})", re.I)


def is_clock(text: str) -> bool:
    """True when the whole of ``text`` is a clock: a time ("13:49", "9:41 AM"), alone or
    with a weekday and/or date as menu bars and panels show it ("Mon 9 Mar 13:49",
    "lun. 9 mars 13:49", "Mo., 9. März 13:49"). A date without a time is not a clock.
    """
    return _CLOCK_RE.fullmatch(text) is not None


def _is_bare_date(text: str) -> bool:
    return _BARE_DATE_RE.fullmatch(text) is not None


# --------------------------------------------------------------------------- badges

_COUNTER = rf"\d{{1,4}}\+?\s+(?:{_alternation(words.COUNTER_WORDS)})\b"
_PLAIN_BADGE = r"(?:\(\d{1,4}\+?\)|\[\d{1,4}\+?\]|\d{1,3}\+)"
_BADGE = rf"(?:{_COUNTER}|{_PLAIN_BADGE})"
_LEADING_BADGE_RE = re.compile(rf"^\s*{_BADGE}(?=\s|$)\s*", re.I)
_TRAILING_BADGE_RE = re.compile(rf"(?:^|(?<=\s)){_BADGE}\s*$", re.I)
_COUNTER_LINE_RE = re.compile(rf"\s*{_COUNTER}\s*|\s*\d{{1,3}}\+\s*", re.I)
_PLAIN_BADGE_LINE_RE = re.compile(rf"\s*{_PLAIN_BADGE}\s*")

# Characters of code, shell prompts, paths and addresses: a line with any of them is
# never taken for a menu, whatever words it holds.
_CODE_RE = re.compile(r"[=(){}\[\];<>\"`$#@/\\]|->|::|\w\.\w")
_SENTENCE_END_RE = re.compile(r"[.?!…]\s*$")
_LABEL_RE = re.compile(r"[^\W\d_][\w'’ \-&.]*")
_SEGMENT_SPLIT_RE = re.compile(r"(\s*[|·•×›»—]\s*|\s{2,}|\t+)")
_GLYPH_SEGMENT_RE = re.compile(r"[\s+×⋮…·|•›»—\-–✕✖]*")
_STATUS_GLYPH_RE = re.compile(f"[{words.STATUS_GLYPHS}]")
_COOKIE_OPENER_RE = re.compile(rf"\W*(?:{_alternation(words.COOKIE_OPENERS)})\b", re.I)
_COPYRIGHT_RE = re.compile(r"\s*(?:©|\(c\)|copyright\b)", re.I)
_AD_PREFIX_RE = re.compile(rf"\s*(?:{_alternation(words.AD_LABELS)})\s*[·:|•]", re.I)


def _is_short_label(text: str) -> bool:
    """A few words and nothing else: a folder name, a tab title, a menu item."""
    return (_LABEL_RE.fullmatch(text.strip()) is not None
            and len(_TOKEN_RE.findall(text)) <= MAX_LABEL_WORDS)


def _strip_badges(line: str) -> str:
    """Cut a counter off the start or end of ``line`` when what remains is a short label."""
    for pattern in (_LEADING_BADGE_RE, _TRAILING_BADGE_RE):
        cut = pattern.sub("", line, count=1)
        if pattern is _TRAILING_BADGE_RE:
            cut = cut.rstrip()
        if cut != line and cut.strip() and _is_short_label(cut):
            line = cut
    return line


# --------------------------------------------------------------------------- words


class Kind(Enum):
    """What a line is. WEAK lines (a lone clock, date, menu word or counter) are chrome
    only next to other chrome or at the top or bottom of the text; elsewhere they may be
    a calendar slot, a chat timestamp or a heading."""

    BLANK = 0
    CONTENT = 1
    WEAK = 2
    CHROME = 3


def _tokens(text: str) -> list[tuple[str, bool]]:
    """(folded token, written with a capital) for the words of ``text``, dates blanked."""
    text = _DATETIME_SPAN_RE.sub(" ", text)
    return [(_fold_token(t), t[0].isupper()) for t in _TOKEN_RE.findall(text)]


def _match_phrase(tokens: list[tuple[str, bool]], i: int,
                  table: dict[str, list[tuple[str, ...]]]) -> int:
    """Length of the longest phrase of ``table`` starting at ``tokens[i]``, 0 if none."""
    for phrase in table.get(tokens[i][0], ()):
        n = len(phrase)
        if all(i + k < len(tokens) and tokens[i + k][0] == phrase[k] for k in range(n)):
            return n
    return 0


def _count(tokens: list[tuple[str, bool]]) -> tuple[int, int, int]:
    """(menu words, words of chrome phrases, content words) among ``tokens``.

    Numbers and single letters count as neither. Menu words count only when written
    with a capital, as menus write them: "view history" in lower case is prose.
    """
    menu = phrase = content = 0
    i = 0
    while i < len(tokens):
        token, capital = tokens[i]
        n = _match_phrase(tokens, i, _CHROME_PHRASES) if capital else 0
        if n:
            phrase += n
            i += n
            continue
        if capital and token in _MENU:
            menu += 1
        elif not token.isdigit() and len(token) > 1:
            content += 1
        i += 1
    return menu, phrase, content


def _only(tokens: list[tuple[str, bool]], table: dict[str, list[tuple[str, ...]]]) -> bool:
    """True when ``tokens`` (at least one) are nothing but phrases of ``table`` and numbers."""
    i = 0
    found = False
    while i < len(tokens):
        n = _match_phrase(tokens, i, table)
        if n:
            found = True
            i += n
        elif tokens[i][0].isdigit():
            i += 1
        else:
            return False
    return found


def _is_chrome_segment(segment: str) -> bool:
    tokens = _tokens(segment)
    return bool(tokens) and tokens[0][1] and _only(tokens, _CHROME_PHRASES)


def _trim_fragments(line: str) -> str:
    """Cut chrome phrases set off by separators from the ends of a content line
    ("Bread recipe × New Tab × +" -> "Bread recipe"); the middle is left as written."""
    parts = _SEGMENT_SPLIT_RE.split(line)  # text, separator, text, ...
    texts = parts[0::2]
    if len(texts) < 2:
        return line
    lo, hi = 0, len(texts)
    cut_chrome = False
    while lo < hi and (_GLYPH_SEGMENT_RE.fullmatch(texts[lo]) or _is_chrome_segment(texts[lo])):
        cut_chrome |= _GLYPH_SEGMENT_RE.fullmatch(texts[lo]) is None
        lo += 1
    while hi > lo and (_GLYPH_SEGMENT_RE.fullmatch(texts[hi - 1])
                       or _is_chrome_segment(texts[hi - 1])):
        cut_chrome |= _GLYPH_SEGMENT_RE.fullmatch(texts[hi - 1]) is None
        hi -= 1
    if not cut_chrome or lo == hi:
        return line
    indent = line[:len(line) - len(line.lstrip())]
    return indent + "".join(parts[2 * lo:2 * hi - 1]).strip()


# --------------------------------------------------------------------------- lines


def _classify(line: str, protected: bool) -> tuple[Kind, str]:
    """The kind of one line, and the line with chrome fragments cut from its ends."""
    if not line.strip():
        return Kind.BLANK, line
    if protected:
        return Kind.CONTENT, line
    if _COUNTER_LINE_RE.fullmatch(line):
        return Kind.CHROME, line
    if _PLAIN_BADGE_LINE_RE.fullmatch(line) or is_clock(line) or _is_bare_date(line):
        return Kind.WEAK, line
    line = _strip_badges(line)
    if _COPYRIGHT_RE.match(line) and len(_TOKEN_RE.findall(line)) <= 12:
        return Kind.CHROME, line
    tokens = _tokens(line)
    glyphs = len(_STATUS_GLYPH_RE.findall(line))
    if _CODE_RE.search(line) or _SENTENCE_END_RE.search(line):
        return Kind.CONTENT, line
    menu, phrase, content = _count(tokens)
    chrome = menu + phrase + glyphs
    if chrome >= MIN_MENU_WORDS and chrome / (chrome + content) >= MENU_SHARE:
        return Kind.CHROME, line
    if phrase and not content:
        return Kind.CHROME, line
    if chrome and not content:
        return Kind.WEAK, line
    return Kind.CONTENT, _trim_fragments(line)


def _is_button_line(line: str) -> bool:
    return _only(_tokens(line), _BUTTONS)


def _is_ad_label(line: str) -> bool:
    """"Sponsored", "Ad · shop.example", "Acme · Sponsored": a short line led or ended
    by an advertisement label."""
    if _AD_PREFIX_RE.match(line):
        return True
    tokens = _tokens(line)
    if not tokens or len(tokens) > 6 or _SENTENCE_END_RE.search(line):
        return False
    first, last = tokens[0], tokens[-1]
    if len(tokens) == 1:
        return first[1] and first[0] in _AD_LABELS and first[0] not in ("ad", "ads")
    # "Acme · Sponsored": the label set off at either end
    ends = [seg for seg in _SEGMENT_SPLIT_RE.split(line)[0::2] if seg.strip()]
    return len(ends) >= 2 and any(
        _tokens(seg) == [tok] and tok[1] and tok[0] in _AD_LABELS
        for seg, tok in ((ends[0], first), (ends[-1], last)))


def _block_end(lines: list[str], start: int, limit: int) -> int:
    """Index of the last line of a banner or ad opening at ``start``: its last button line,
    or ``start`` itself when no button line comes within ``limit`` lines."""
    for j in range(start + 1, min(start + 1 + limit, len(lines))):
        if _is_button_line(lines[j]):
            while j + 1 < len(lines) and _is_button_line(lines[j + 1]):
                j += 1
            return j
    return start


def _banners(lines: list[str]) -> set[int]:
    """Indexes of the lines of cookie banners and ads, each from its opener to its buttons."""
    dropped: set[int] = set()
    i = 0
    while i < len(lines):
        line = lines[i]
        if _COOKIE_OPENER_RE.match(line):
            end = _block_end(lines, i, MAX_BANNER_LINES)
        elif _is_ad_label(line):
            end = _block_end(lines, i, MAX_AD_LINES)
        else:
            i += 1
            continue
        dropped.update(range(i, end + 1))
        i = end + 1
    return dropped


def _resolve_weak(kinds: list[Kind], strict: bool) -> list[bool]:
    """Which lines to drop: CHROME ones, and WEAK ones in a run of non-content lines that
    holds CHROME or (unless ``strict``) reaches the top or bottom of the text."""
    drop = [k is Kind.CHROME for k in kinds]
    i = 0
    while i < len(kinds):
        if kinds[i] is Kind.CONTENT:
            i += 1
            continue
        j = i
        while j < len(kinds) and kinds[j] is not Kind.CONTENT:
            j += 1
        run = kinds[i:j]
        at_edge = i == 0 or j == len(kinds)
        if Kind.CHROME in run or (at_edge and not strict):
            for k in range(i, j):
                if kinds[k] is Kind.WEAK:
                    drop[k] = True
        i = j
    return drop


def strip_chrome(text: str, *, app: str | None = None, title: str | None = None) -> str:
    """``text`` without its chrome lines and fragments, content lines kept as written.

    Dropped: menu-bar lines, tab strips and toolbars, footers, cookie banners and ads
    (opener to buttons), counters beside labels ("Inbox (3)"), and lone clocks, dates,
    menu words and counters next to other chrome or at the top or bottom of the text.
    Kept: everything else, including a timestamp inside a chat or log line. ``app`` and
    ``title`` are the window's: a terminal or calendar keeps lone lines at its edges (they
    are output or time slots there), and a line that repeats the window title is kept.
    """
    lines = text.split("\n")
    strict = app is not None and fold(app).strip() in _LITERAL_APPS
    title_key = fold(title).strip() if title else None
    banner = _banners(lines)
    kinds: list[Kind] = []
    cleaned: list[str] = []
    for i, line in enumerate(lines):
        if i in banner:
            kinds.append(Kind.CHROME)
            cleaned.append(line)
            continue
        protected = title_key is not None and fold(line).strip() == title_key
        kind, line = _classify(line, protected)
        kinds.append(kind)
        cleaned.append(line)
    drop = _resolve_weak(kinds, strict)
    out: list[str] = []
    after_drop = False
    for line, kind, dropped in zip(cleaned, kinds, drop):
        if dropped:
            after_drop = True
            continue
        # A blank line left behind by dropped chrome would double the gap, or open the text.
        if kind is Kind.BLANK and after_drop and (not out or not out[-1].strip()):
            continue
        after_drop = False
        out.append(line)
    while out and not out[-1].strip() and drop and drop[-1]:
        out.pop()
    return "\n".join(out)


__all__ = ["is_clock", "strip_chrome"]
