"""The thread inferrer: plain sentences about the person from their activity threads, no model.

An alternative to ``statistical.py`` (``[inference] statistical = "threads"``): it never
writes keyword lists, at the price, so far, of finding fewer facts on unfamiliar sessions.

For each batch it looks at the recent window of activity (the batch plus the observations
already processed in the ``window_days`` before it), drops screen chrome (menu bars, clocks,
cookie banners …), and derives:

- **activity threads**: observations that share a subject (a mail thread, a document), named
  people, places or organisations, close in time, are one thread; each thread is matched to
  the kinds of activity in ``activities.py`` (planning a trip, going to an event, looking for a
  job or a flat, selling, learning, writing, being on call …) and says what the evidence
  supports, with the people, place and date it names ("Dana is going to Maria and Joao's
  wedding in Porto on Sat 13 Jun"). A thread that fits no kind says nothing;
- **projects** from touched files, named from the repository root, with their language;
- **commands** run at a shell prompt and what their output says (tests failing, then passing);
- **upcoming events**: dates and times on screen in the future, named from the sentence that
  holds them, never a clock, a log timestamp or a past date;
- **people** the person deals with and how they relate ("Sam's advisor is Adaeze Okafor"),
  and where they work (a chat workspace, a signature);
- **time use** per app, only where it is a large share of the time;
- **schedule** regularities once there are several days of data.

Each proposition carries a ``topic_key`` so a later batch restates it in place (a revision
with history). Its confidence is a probability built from features that predict truth
(see ``_probability``), recomputed from all the evidence in the window, so it rises with
new distinct evidence and not with the number of batches.
"""

from __future__ import annotations

import math
import re
import tomllib
from urllib.parse import urlsplit
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any
from collections.abc import Callable, Collection
from datetime import date, datetime
from datetime import time as dt_time
from pathlib import Path, PurePosixPath

from . import activities, bait, entities, roles, vehicles
from .activities import fold
from .chrome import is_clock, strip_chrome
from .dates import MONTHS, WEEKDAYS, date_mentions, format_time, clock_time, sentences
from .infer import Candidate, Decision, rule_reconcile
from .languages import LANGUAGES
from .models import TEXT_OBSERVERS, Observation, Proposition
from .window import PerObservation, DAY, active_window, earlier, first_name, schedule
from .words import by_meaning, common_zipf, everyday_anywhere
from .window import Activity as _Activity
from .store import Store

# a shell prompt: "$ cmd" at the start of a line, or after "user@host:path" / "(venv) path"
# (never a percent after a number: "20% deposit")
_COMMAND = re.compile(r"(?:^|^[^\n$]*?(?:\w@[\w.-]+|~|/|\))[^\n$]*?\s?)(?<![\d.,])[$%❯]\s+"
                      r"(?P<cmd>(?:\./)?[a-z][\w.-]*)(?P<args>[^\n]*)", re.M)
# a project's own wrapper script runs the tool it wraps
_WRAPPERS = {"./gradlew": "gradle", "gradlew": "gradle", "./mvnw": "mvn", "mvnw": "mvn",
             "./manage.py": "python", "./bin/rails": "rails", "./bin/rake": "rake"}
# the test that failed, as the runner names it: "OrderEventPublisherIT > … FAILED",
# "FAILED tests/test_api.py::test_login", "--- FAIL: TestParse", "✕ renders the header"
_FAILED_TEST = re.compile(
    r"^(?P<a>[A-Z]\w*(?:Test|Tests|IT|Spec|Suite))\b[^\n]*\bFAILED\b|"
    r"^FAILED\s+(?P<b>[\w/.-]+\.py::\w+)|^--- FAIL:\s+(?P<c>\w+)", re.M)
_FLAKY = re.compile(r"(?i)\bflak(?:y|iness|e)\b|\bintermittent(?:ly)?\b|\binstabil|\bwackel")

# Commands that say which language or ecosystem a project is in.
_TOOL_LANGUAGE = {"pytest": "Python", "python": "Python", "python3": "Python", "pip": "Python",
                  "cargo": "Rust", "go": "Go", "npm": "JavaScript", "yarn": "JavaScript",
                  "pnpm": "JavaScript", "node": "JavaScript", "mvn": "Java", "gradle": "Java",
                  "bundle": "Ruby", "rake": "Ruby", "mix": "Elixir", "dotnet": "C#"}
# Programs whose output says whether tests or a build passed, or a service is crashing.
_RUNNERS = frozenset(("pytest", "cargo", "go", "npm", "yarn", "pnpm", "npx", "jest", "vitest",
                      "mvn", "gradle", "make", "ctest", "rspec", "bundle", "rake", "mix", "dotnet",
                      "tox", "nox", "phpunit", "swift", "kubectl", "python", "python3", "node",
                      "deno", "bun", "zig", "ninja", "bazel", "docker"))
# What test and build output says, in the words of the common runners.
_FAILED = re.compile(r"\b(\d+) failed\b|\btest result: FAILED\b|^FAIL\b|^--- FAIL|\bFAILED\b|"
                     r"\b[1-9]\d* (?:failing|errors?)\b|\bBUILD FAILURE\b", re.M)
_PASSED = re.compile(r"\b(\d+) passed\b|\btest result: ok\b|^ok\s+\S+|^PASS\b|\b\d+ passing\b|"
                     r"\bBUILD SUCCESS(?:FUL)?\b|\ball tests passed\b", re.M | re.I)
_RACE = re.compile(r"WARNING: DATA RACE|ThreadSanitizer: data race|race detected", re.I)
_CRASHLOOP = re.compile(r"CrashLoopBackOff|OOMKilled|Error: ImagePullBackOff")
_PANIC = re.compile(r"^panic: |^thread '.*' panicked at|Segmentation fault|Traceback \(most recent",
                    re.M)

# Event nouns that name what happens on a date, with the words that may stand before them.
_EVENT_NOUNS = (
    "interview", "meeting", "appointment", "call", "viewing", "exam", "test", "deadline",
    "wedding", "party", "dinner", "lunch", "flight", "ceremony", "presentation", "talk",
    "demo", "visit", "consultation", "lecture", "seminar", "workshop", "conference", "concert",
    "match", "race", "recital", "trip", "reunion", "birthday", "session", "1:1",
    "one-on-one", "surgery", "operation", "vaccination", "check-up", "checkup", "hearing test",
    "training", "rehearsal", "test drive", "open day", "parents' evening",
    "reading group", "study group", "book club", "tournament", "audition", "recital", "lesson",
    "gala", "competition",
    "class", "shift",
)
# A calendar's event form's title field ("Título: Acompañar a papá — cardiólogo", "Title:
# Dentist"): the date under it is that event's. (Only in a calendar: "Assunto:" and "Betreff:"
# head a mail, whose dates are the mail's.)
_TITLE_FIELD = re.compile(r"^\s*(?:Title|Event|Título|Evento|Titel|Termin|Titre|Événement)"
                          r"\s*:\s*(?P<title>\S.{2,120})$")
# whom a medical booking is for ("Patient : Jean-Pierre DELMAS", "Paciente: Ana Ruiz")
_PATIENT = re.compile(r"\b(?:Patient(?:e|in)?|Paciente|Doente|Utente)\s*:\s*"
                      r"(?P<name>[A-ZÀ-Þ][\w'’-]+(?:[ \t]+[A-ZÀ-Þ][\w'’-]+){0,3})")
# someone's sessions or appointments, said with "de"/"von"/"of" ("Séances de Jean-Pierre")
_OF_SOMEONE = re.compile(r"(?i:séances?|seances?|sessions?|sesi[oó]n(?:es)?|sess[ãa]o|sess[õo]es|"
                         r"consultas?|citas?|rendez-vous|termine?|appointments?)\s+"
                         r"(?i:de|du|von|of|da|do)\s+(?P<name>[A-ZÀ-Þ][\w'’-]+)")
# what a course teaches, named after it: "Curso de Soporte Vital Avanzado (SVA)", "Kurs zu Excel"
_COURSE_TOPIC = re.compile(
    r"[ \t]+(?:de|sobre|zu|zum|über|em|sur|in|on)[ \t]+(?P<topic>[A-ZÀ-Þ][\w'’-]*"
    r"(?:[ \t]+(?:(?:de|del|da|do|der|des|la|el|y|e|und|et|and|of)[ \t]+)?[A-ZÀ-Þ][\w'’-]*){0,5}"
    r"(?:[ \t]*\([A-Z0-9]{2,8}\))?)")
# a word processor's window: "Programacion_4Primaria_v7.docx - Word", "Toast - Google Docs"
_DOC_TITLE = re.compile(r"^\s*(?:[●*]\s*)?(?P<doc>[^\n]+?)(?:\.(?:docx?|odt|pages|rtf))?\s+[-–—]\s+"
                        r"(?:Microsoft Word|Word|Google Docs|Pages|LibreOffice Writer|Writer)\b")
_WORD_PROCESSOR = re.compile(r"(?i)\bword\b|google docs|\bpages\b|writer")
_DOC_VERSION = re.compile(r"(?i)[ _-]*(?:v\d+|final|draft|borrador|entwurf|rascunho|brouillon)$")
# moving, in the person's own words, and where to: "me mudo a Pichincha", "we're moving to
# Headingley", "je déménage à la Croix-Rousse", "ich ziehe nach Ehrenfeld", "vou me mudar para …"
_OWN_MOVE = re.compile(
    r"(?i:\b(?:me mudo|nos mudamos|i'?m moving|we'?re moving|i am moving|we are moving|je déménage|"
    r"nous déménageons|on déménage|ich ziehe|wir ziehen|vou me mudar|vamos nos mudar|me mudo))\b"
    r"(?:[^.\n!?]{0,25}?\b(?i:a|al|to|à|au|à la|nach|in die|in den|para|pra|pro)\s+"
    r"(?P<to>[A-ZÀ-Þ][\w'’-]+(?:[ \t]+[A-ZÀ-Þ][\w'’-]+)?))?")
# what a name ends with in brackets: "Nogueira Design (MEI)"
_BRACKETED_END = re.compile(r"[ \t]*\([^)]*\)$")
# rolling a deployment back, by the tool that does it
_ROLLBACK_ARGS = {
    "kubectl": re.compile(r"\brollout\s+undo\s+(?:-\S+\s+)*(?:deployment/|deploy/|statefulset/)?(?P<name>[\w.-]+)"),
    "helm": re.compile(r"\brollback\s+(?P<name>[\w.-]+)"),
    "argocd": re.compile(r"\bapp\s+rollback\s+(?P<name>[\w.-]+)"),
}
# what makes an operation a surgical one, in the five languages: a hospital, a surgeon, a body
# part, anaesthesia, a patient, a relative's word (folded text or not)
_MEDICAL_CONTEXT = re.compile(
    r"(?i)hospital|h[oô]pital|klinik|cl[ií]nic|chirurg|cirurg|cirujan|surgeon|surgery|an[ae]sth|"
    r"anest|narkose|patient|pacient|doente|quir[oó]fano|cataract|catarata|pre-?op\b|post-?op\b|"
    r"\b(?:knee|hip|rodilla|cadera|joelho|anca|genou|hanche|knie|h[üu]fte|dr|dra|papá|papa|mamá|"
    r"mama|mãe|pai|mutter|vater|dad|mum|mom|father|mother|abuel[oa]|grand(?:ma|pa|mother|father)|"
    r"av[oó]|oma|opa|ingreso|op|op-termin)\b|intervenci|intervenç")
# a name given with its year, as conferences and calls are: "Interspeech 2026", "ICML 2027"
_FOR_NAMED = re.compile(r"\b(?P<name>[A-Z][A-Za-z]+)[ -]?(?P<year>20\d\d)\b")
# ... never a month or a day with its year ("February 2026")
_DAY_AND_MONTH_WORDS = frozenset(MONTHS) | frozenset(WEEKDAYS)
# the start of an event form's hours ("09:15 – 12:00"): a bare clock there is the event's
_FORM_TIME = re.compile(r"(?<![\d:])([01]?\d|2[0-3])[:h.]([0-5]\d)(?!\d)")
# Events as Spanish, Portuguese, French and German screens name them (and specialists, by whom a
# visit is named), said in English: word -> event, from data/events.toml.
def _event_words(path: Path) -> dict[str, str]:
    with path.open("rb") as f:
        return {word: event for event, words in tomllib.load(f).items() for word in words}


_FOREIGN_EVENTS = _event_words(Path(__file__).with_name("data") / "events.toml")
_FOREIGN_EVENT_RE = re.compile(
    r"(?<![\w-])(?P<noun>" + "|".join(sorted((re.escape(w) for w in _FOREIGN_EVENTS), key=len, reverse=True))
    + r")(?![\w-])", re.I)
# what follows an event's noun to say whose or where it is ("with Dr Adams", "at the Heath")
_EVENT_TAIL = re.compile(r"\s+(?:with|at|for|of)\s+")
# an event noun on its own, to find it inside a phrase _EVENT_RE matched
_EVENT_NOUN = re.compile(r"\b(?i:" + "|".join(re.escape(n) for n in _EVENT_NOUNS) + r")s?\b")
_EVENT_RE = re.compile(
    r"(?P<phrase>(?:(?<![\w'’])[A-Za-z0-9][A-Za-z0-9-]*\s+){0,2}\b(?i:" + "|".join(re.escape(n) for n in _EVENT_NOUNS) +
    r")s?\b(?:\s+(?:with|at|for|of)\s+(?:(?:the|our|my|your)\s+)?"
    r"(?:[A-Z][\w&'’.-]*(?:\s+[A-Z][\w&'’.-]*){0,3}|[a-z]+\s+[a-z]+\s+team|[a-z]+\s+team))?)")
# the shell's own words and builtins at a prompt ("for f in *.log; do …", "cd", "export"):
# no tool the person uses
_SHELL_WORDS = frozenset((
    "for", "while", "until", "if", "then", "else", "elif", "fi", "do", "done", "case", "esac",
    "in", "function", "select", "time", "cd", "export", "echo", "set", "unset", "source", "exit",
    "alias", "history", "clear", "ls", "pwd", "cat", "less", "more", "sudo", "exec", "eval",
    "read", "true", "false", "test", "let", "local", "return", "shift", "trap", "wait", "jobs",
    "fg", "bg", "kill", "env", "type", "which", "man", "printf", "sleep", "watch", "then",
))
# "TOEFL", "GRE", "MOT", "DELF B2": a name in capitals that says which exam or check it is
_ACRONYM = re.compile(r"[A-Z]{2,6}[0-9]?")
_NAMED_AFTER = re.compile(r"[ \t]+([A-Z]{2,6}[0-9]?(?:[ \t]+(?:[A-Z]{1,3}[0-9]|[a-z]{0,3}[A-Z]{1,4}[a-z]{0,3}))?)(?![\w-])")
_ARTICLE_SKIP = frozenset((
    "a", "an", "the", "our", "my", "your", "their", "his", "her", "to", "schedule", "scheduled",
    "book", "booked", "confirm", "confirmed", "like", "for", "of", "is", "be", "have", "has",
    "at", "on", "and", "before", "after", "until", "by", "aim", "can", "we", "you", "i", "it",
    "this", "that", "next", "with", "from", "in", "or", "will", "would", "about", "see", "join",
    "please", "remember", "don't", "do", "not", "no", "yes", "so", "as", "if", "but", "also",
    # words that say nothing of the event ("his actual birthday", "a packed lunch")
    "actual", "real", "whole", "own", "usual", "packed", "big", "little", "same", "other",
    # verbs before an event noun ("Papa says call on Sunday") are not part of its name
    "says", "said", "say", "wants", "want", "need", "needs", "got", "get", "make", "made",
    "take", "took", "give", "gave", "had", "was", "were", "are", "am", "been", "let", "lets",
    "asked", "asks", "thinks", "think", "hope", "hopes", "sent", "missed", "miss", "moved"))
_LOG_LINE = re.compile(
    r"^\s*(?:\[?\d{4}-\d\d-\d\d[T ]\d\d:\d\d|\[?\d\d:\d\d(?::\d\d)?\]?\s|commit\s+[0-9a-f]{7,}|"
    r"Date:\s|Author:\s|\w{3}\s+\w{3}\s+\d{1,2}\s+\d\d:\d\d:\d\d)", re.I)
_LANGUAGES_LEARNT = {
    fold(w): name for name, words in {
        "Spanish": ("spanish", "español", "espagnol", "spanisch", "espanhol"),
        "French": ("french", "francés", "français", "französisch", "francês"),
        "German": ("german", "alemán", "allemand", "deutsch", "alemão"),
        "Portuguese": ("portuguese", "portugués", "portugais", "portugiesisch", "português"),
        "Italian": ("italian", "italiano", "italien", "italienisch"),
        "Japanese": ("japanese", "japonés", "japonais", "japanisch", "japonês"),
        "Chinese": ("chinese", "mandarin", "chino", "chinois", "chinesisch", "chinês"),
        "Korean": ("korean", "coreano", "coréen", "koreanisch"),
        "Dutch": ("dutch", "neerlandés", "néerlandais", "niederländisch", "holandês"),
        "Arabic": ("arabic", "árabe", "arabe", "arabisch"),
        "English": ("english", "inglés", "anglais", "englisch", "inglês"),
        "piano": ("piano", "klavier"), "guitar": ("guitar", "guitarra", "guitare", "gitarre"),
        "violin": ("violin", "violín", "violon", "geige", "violino"),
        "ukulele": ("ukulele",), "drums": ("drums", "batería", "schlagzeug", "batterie"),
    }.items() for w in words}
_ROLE = re.compile(
    r"\b(?:(?:Senior|Junior|Lead|Staff|Principal|Head of|Chief) )?"
    # single spaces only: words across a column gap ("Vista  Ayuda   Editor") are a menu
    r"(?:[A-Z][a-z]+ ){0,2}(?:Engineer|Developer|Scientist|Analyst|Designer|Manager|"
    r"Nurse|Teacher|Consultant|Accountant|Architect|Specialist|Coordinator|Researcher|"
    r"Administrator|Technician|Assistant|Director|Editor|Writer|Translator|Lawyer)\b|"
    # the head noun first, as Spanish, Portuguese, French and German name posts
    r"\b(?:Auxiliar|Asistente|Assistente|Técnic[oa]|Recepcionista|Atendente|Vendedor(?:a)?|"
    r"Cajer[oa]|Camarer[oa]|Cociner[oa]|Mitarbeiter(?:in)?|Assistent(?:in)?|Fachkraft|"
    r"Vendeu(?:r|se)|Serveu(?:r|se)|Assistante?|Auxiliaire)(?:[ \t]+[A-ZÀ-Þa-zà-ÿ][\wà-ÿ]+(?:\(a\))?)?")
# A vacancy open only to the employer's own staff, and the post it names: "Convocatoria interna:
# Gerente de Distrito CDMX Sur", "Internal vacancy – Team Lead", "Interne Stellenausschreibung: …"
_INTERNAL_POST = re.compile(
    r"(?i:internal (?:vacancy|posting|job posting|opening|application)|convocatoria interna|"
    r"vacante interna|promoción interna|vaga interna|processo seletivo interno|"
    r"interne stellenausschreibung|interne ausschreibung|offre (?:d'emploi )?interne|"
    r"candidature interne|mobilité interne)"
    r"(?:\s*[:–—-]\s*(?P<role>[A-ZÀ-Þ][\w()'’/-]*(?:\s+(?:de|del|of|für|du|da|do)?\s*[A-ZÀ-Þ][\w()'’/-]*){0,3}))?")
# a team chat's workspace, in the titles Slack and Teams give their windows: "Slack | #ops |
# Acme", "#ops - Acme - Slack", "ops (Channel) - Acme - Slack", "Chat | Acme | Microsoft Teams"
_WORKSPACE_TITLE = re.compile(
    r"^Slack\s[|·–-]\s[#@]\S+\s[|·–-]\s(?P<ws>[^|·]+?)\s*$|"
    r"^(?:[#@]\S+|\S+ \((?:Channel|DM|Direct Message|Canal|Kanal)\))\s[|·–-]\s(?P<ws2>[^|·]+?)"
    r"\s[|·–-]\s(?:Slack|Teams)\s*$|"
    r"^(?:Chat|Teams|Activity|Calendar|Calls|Files)\s\|\s(?P<ws3>[^|·]+?)\s\|\s(?:Microsoft )?Teams\s*$")


def _workspace(title: str | None) -> str | None:
    """The team chat workspace a window title names, if it is one."""
    m = _WORKSPACE_TITLE.match(title or "")
    return ((m.group("ws") or m.group("ws2") or m.group("ws3") or "").strip() or None) if m else None


# a mail header naming the other party: "From: Maria Costa <…>", "Para: Katrin Albers"
# a header's label after a name on the same line ("De : Didier Fabre Objet : …") is no name
_LABEL = r"(?!(?i:Objet|Subject|Betreff|Asunto|Assunto|Oggetto|Date|Datum|Fecha|Data|Cc|Bcc|Cco|Kopie|To|Para|An)\b)"
_MAIL_PARTY = re.compile(
    rf"^(?:(?i:from|to|de|para|von|an|à|a|cc)\s*:\s*(?:(?:Prof\.|Dr\.|Dra\.|Professor|Mr\.|Ms\.|Mrs\.)[ \t]*)*"
    rf"(?P<name>[A-ZÀ-Þ][\w'’-]+(?:[ \t]+{_LABEL}[A-ZÀ-Þ][\w'’-]+){{1,2}})"
    r"|(?P<name2>[A-ZÀ-Þ][\w'’-]+(?:[ \t]+[A-ZÀ-Þ][\w'’-]+){1,2})\s*<[^>\s]+@[^>\s]+>)", re.M)
_SUBJECT_PREFIX = re.compile(r"^\s*(?:(?:re|fwd?|aw|wg|tr|rv|enc|res)\s*:\s*)+", re.I)
_COUNTER = re.compile(r"\s*\(\d+\)\s*|\s+\d+\s+unread\b", re.I)






@dataclass
class _Features:
    """What one observation's text contributes, computed once and cached across batches."""

    text: str  # title and content without chrome
    subject: str  # the window title's subject (mail subject, document name), "" if none
    cues: dict[str, tuple[str, ...]]  # activity kind -> cues, sorted
    people: Counter[str]
    places: list[str]
    orgs: list[str]
    relations: list[tuple[str, str | None]]
    children: list[str]  # first names of the reader's children
    homes: list[str]  # cities of addresses given as the reader's own
    dates: list[tuple[date, str, str | None]]  # (date, sentence, time of day)
    commands: list[tuple[str, str]]  # (tool, arguments)
    outcomes: list[str]  # "failed", "passed", "race", "crash"
    names: frozenset[str]  # folded people, places, organisations: what links threads
    wrote: bool  # the user typed this (a reply, a chat line of theirs, a document)
    folded: str = ""  # the text folded (lower case, no accents), for cue patterns
    tools: tuple[tuple[str, str], ...] = ()  # (folded, as written) software named in the text
    roles: "_RoleSigns | None" = None
    #: what a pattern found in this text, kept: threads are read again at every batch
    memo: dict[str, Any] = field(default_factory=dict)

    def scan(self, key: str, find: Callable[[str], Any]) -> Any:
        if key not in self.memo:
            self.memo[key] = find(self.text)
        return self.memo[key]


@dataclass
class _RoleSigns:
    """What one observation says of the person's occupation (see :mod:`propositions.roles`)."""

    own: list[tuple[str, str | None]]  # in their own words
    teaches: str | None  # a class page naming them as teacher: its school, or ""
    subject: str | None  # the subject of that class
    course: bool  # a university's course page
    universities: list[str]
    pairs: list[tuple[str, str]]  # translation directions
    schools: list[str]
    accepted: list[tuple[str, str]]  # job offers they accepted: (role, organisation)
    business: list[tuple[str, str | None]]  # a business named after them, and what it does
    retired: list[str | None]  # signs they are retired: the occupation retired from, or None


def subject_of(title: str | None, app: str | None) -> str:
    """The part of a window title that names its subject, without the app, counters and "Re:"."""
    if not title:
        return ""
    app_key = fold(app or "")
    parts = [p.strip() for p in re.split(r"\s+[-–—|·]\s+", title) if p.strip()]
    keep = []
    for part in parts:
        f = fold(part)
        if app_key and (f == app_key or app_key in f or f in app_key):
            continue
        if "@" in part and " " not in part:  # an account, not a subject
            continue
        if re.fullmatch(r"(?:inbox|posteingang|bandeja de entrada|boite de reception|"
                        r"caixa de entrada)(?:\s*\(\d+\))?", f):
            continue
        keep.append(part)
    subject = _COUNTER.sub(" ", keep[0]) if keep else ""
    return _SUBJECT_PREFIX.sub("", subject).strip(" -–—|·")


_CLOCK_HM = re.compile(r"(?<![\d:])([01]?\d|2[0-3]):([0-5]\d)(?![\d:])")


def _now_shown(line: str, seen_at: datetime, minutes: int = 10) -> bool:
    """Whether ``line`` shows the time the screen was seen (a clock), within ``minutes``."""
    now = seen_at.hour * 60 + seen_at.minute
    return any(abs(int(h) * 60 + int(m) - now) <= minutes for h, m in _CLOCK_HM.findall(line))


def _features(o: Observation, user: str) -> _Features:
    content = o.content or ""
    if o.observer in TEXT_OBSERVERS:
        content = strip_chrome(content, app=o.app, title=o.window_title)
    subject = subject_of(o.window_title, o.app) if o.observer in TEXT_OBSERVERS else ""
    # the whole title counts for what the window is about ("Coin Change - LeetCode")
    title = o.window_title or "" if o.observer in TEXT_OBSERVERS else ""
    text = f"{title}\n{content}" if title else content
    people = entities.people_in(content, user)
    # the person, the people named and the chat's speakers: no place, whatever towns share the name
    names = frozenset(fold(w) for w in [*user.split(), *(w for p in people for w in p.split()),
                                        *(m.group(1) for m in _SPEAKER.finditer(content))])
    places = entities.places_in(text, names) if o.observer in TEXT_OBSERVERS else []
    orgs = entities.organisations_in(text) if o.observer in TEXT_OBSERVERS else []
    dates: list[tuple[date, str, str | None]] = []
    commands: list[tuple[str, str]] = []
    outcomes: list[str] = []
    if o.observer in TEXT_OBSERVERS and content:
        seen_at = datetime.fromtimestamp(o.captured_at)
        seen: set[date] = set()
        field: tuple[str, int] | None = None  # an event form's title, and how many lines ago
        calendar = _is_calendar(o.app, o.window_title)
        for line in _lines(content):
            if _LOG_LINE.match(line):
                continue
            if calendar and (named := _TITLE_FIELD.match(line)):
                field = (named.group("title").strip(), 0)
                continue
            field = (field[0], field[1] + 1) if field and field[1] < 3 else None
            parts = _date_parts(line, seen_at)
            # a clock shows today; "Jeudi 19 mars 2026 à 10:30" alone on a confirmation is a day ahead
            if is_clock(line) and all(when <= seen_at.date() for when, _ in parts):
                continue
            # a taskbar or a status bar, however it is drawn ("⊞ 🔍 Rechercher … FRA 14:22
            # 09/03/2026"): today's date beside the time the screen was seen
            if parts and all(when == seen_at.date() for when, _ in parts) and _now_shown(line, seen_at):
                continue
            for when, part in parts:
                if when < seen_at.date() or (when - seen_at.date()).days > 400:
                    continue
                found = clock_time(part, twenty_four_hour=True)
                if field:
                    # an event form: its date under its title field is that event's, whatever
                    # line named the day before (a tab, a heading)
                    start = found[0] if found else None
                    if start is None and (hm := _FORM_TIME.search(line)):  # "09:15 – 12:00" beside it
                        start = dt_time(int(hm.group(1)), int(hm.group(2)))
                    entry = (when, f"{field[0]} ({part.strip()})", format_time(start) if start else None)
                    dates = [d for d in dates if d[0] != when] + [entry]
                    seen.add(when)
                    field = None
                    continue
                if when in seen or _DAY_ALONE.fullmatch(part.strip()):
                    continue  # a week's head ("JUE 11") says nothing of the day: its entries do
                seen.add(when)
                dates.append((when, part, format_time(found[0]) if found else None))
        for m in _COMMAND.finditer(content):
            tool = _WRAPPERS.get(m.group("cmd"), m.group("cmd"))
            if tool.startswith("./"):
                continue  # a script of the project's own: no tool the person uses
            if len(tool) > 1 and not tool[0].isupper() and tool not in _SHELL_WORDS:
                commands.append((tool, m.group("args").strip()))
        if _RACE.search(content):
            outcomes.append("race")
        if _CRASHLOOP.search(content) or _PANIC.search(content):
            outcomes.append("crash")
        if _FAILED.search(content):
            outcomes.append("failed")
        elif _PASSED.search(content):
            outcomes.append("passed")
    wrote = bool(entities.own_turn(user).search(fold(content))) or o.observer == "files"
    # the people, places and organisations a text names, and the things it prices: what
    # links one window of an activity to the next
    items = _items_in(text) if o.observer in TEXT_OBSERVERS else []
    names = frozenset(fold(n) for n in [*people, *places, *orgs, *items])
    screen = o.observer in TEXT_OBSERVERS
    tools = tuple((key, m.group(0)) for m in _TOOL_WORD.finditer(text)
                  if (key := fold(m.group(0))) in TOOLS
                  # "spring" or "helm" in lower case is an everyday word; "docker" is the tool
                  and (m.group(0)[:1].isupper() or not _TOOL_CASE[key][:1].isupper()
                       or not everyday_anywhere(m.group(0).casefold()))
                  # "Première" is French for first; Premiere is spelt without the accent
                  and m.group(0).casefold() == _TOOL_CASE[key].casefold()) if screen else ()
    # a tool called by an everyday word ("Spring", "Helm") only among other tools or in a
    # developer's app: "Spring Trade Week – 30% off" is a sale
    technical = _is_terminal(o.app or "") or bool(_EDITOR.search(o.app or "")) or any(
        not everyday_anywhere(k) for k, _ in tools)
    tools = tuple((k, w) for k, w in tools if technical or not everyday_anywhere(k, 4.0))
    signs = None
    if screen:
        surname = user.split()[-1] if len(user.split()) > 1 else ""
        teaches = roles.teaches_at(text, surname)
        course, unis = roles.course_page(text)
        own = (roles.own_roles(text) if wrote or _EDITOR.search(o.app or "") else []) + \
            roles.named_roles(text, user.split()[0] if user.split() else "") + \
            roles.header_roles_at(text, user) + [(r, None) for r in roles.addressed_roles(text)]
        signs = _RoleSigns(own=own, teaches=teaches,
                           subject=roles.class_subject(text) if teaches is not None else None,
                           course=course, universities=unis if course else [],
                           pairs=roles.language_pairs(text), schools=roles.schools_in(text),
                           accepted=roles.accepted_jobs(text) if wrote or _EDITOR.search(o.app or "")
                           or _MAILISH.search(f"{o.app} {o.window_title}") else [],
                           business=roles.own_business(text, surname),
                           retired=roles.retired(text, user, wrote))
    return _Features(text=text, subject=subject, folded=fold(text), tools=tools, roles=signs,
                     cues={} if _is_feed(o) else activities.cues_in(f"{o.app or ''}\n{text}"),
                     people=people,
                     places=places, orgs=orgs,
                     relations=_own_relations(content, user, o.window_title or ""),
                     children=entities.children_in(content) + entities.children_listed_with(content, user)
                     if o.observer in TEXT_OBSERVERS else [],
                     homes=entities.home_places_in(content, user) + entities.said_home(content, user)
                     + entities.signed_town(content, user)
                     if o.observer in TEXT_OBSERVERS else [],
                     dates=dates, commands=commands, outcomes=outcomes, names=names,
                     wrote=wrote)


def group_threads(docs: list[Observation], feats: list[_Features]) -> list[list[Observation]]:
    """``docs`` (screens, in time order, ``feats`` theirs) grouped into threads: the same
    subject, or shared names close in time; the threads in the order they began.

    The thread inferrer groups its whole window with it, the model path one batch
    (``focus.py``): one rule for what a thread is.
    """
    if not docs:
        return []
    parent = list(range(len(docs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(a: int, b: int) -> None:
        parent[find(b)] = find(a)

    by_subject: dict[str, int] = {}
    name_count: Counter[str] = Counter()
    for f in feats:
        name_count.update(f.names)
    # a name found on most screens (the user's employer, a browser homepage) links nothing
    rare = {n for n, c in name_count.items() if c <= max(3, 0.3 * len(docs))}
    last_seen: dict[str, int] = {}
    for i, (o, f) in enumerate(zip(docs, feats)):
        key = fold(f.subject)
        if len(key) >= 6 and key != fold(o.app or ""):
            if key in by_subject:
                union(by_subject[key], i)
            else:
                by_subject[key] = i
        for n in f.names & rare:
            prev = last_seen.get(n)
            if prev is not None and o.captured_at - docs[prev].captured_at <= 3 * DAY:
                union(prev, i)
            last_seen[n] = i
    groups: dict[int, list[Observation]] = defaultdict(list)
    for i, o in enumerate(docs):
        groups[find(i)].append(o)
    return sorted(groups.values(), key=lambda g: g[0].captured_at)


def _lines(text: str) -> list[str]:
    return [s for s in sentences(text)]


class ThreadInferrer:
    """Propositions a person would recognise, from statistics alone (see module docstring)."""

    name = "statistical-threads"

    def __init__(self, user: str = "", *, window_days: float = 14.0, max_window: int = 3000) -> None:
        self.full_name = (user or "").strip()
        self.user = first_name(user)
        self.window_days = window_days
        self.max_window = max_window
        # Text analysis per observation is the costly part and never changes once
        # an observation is processed, so it is done once, not once per batch.
        self._features = PerObservation(lambda o: _features(o, self.full_name), max_window * 2)
        self._homes: set[str] = set()
        self._home_seen: dict[str, list[Observation]] = {}
        self._teaches = False
        self._act = _Activity([])
        #: days an event sentence of a thread names, this batch: no second event that day
        self._event_days: set[date] = set()
        #: what bait leaves of each observation of the last window (None: all of it was bait)
        self._unbaited: dict[int, Observation | None] = {}

    def features(self, o: Observation) -> _Features:
        return self._features(o)

    def _day(self, d: date) -> str:
        return _day(d, getattr(self, "_year", datetime.now().year))

    # -- the protocol ------------------------------------------------------------

    def propose(self, batch: list[Observation], store: Store) -> list[Candidate]:
        act = self._window(batch, store)
        # a day is said with its year where that is not the year the batch was seen in: what
        # a sentence says must not depend on the day it is computed (a replay, a test)
        self._year = datetime.fromtimestamp(max((o.captured_at for o in batch), default=0)).year \
            if batch else datetime.now().year
        # where the person lives, so that no trip goes there
        self._home_seen: dict[str, list[Observation]] = defaultdict(list)
        for o in self._screens(act):
            for city in self.features(o).homes:
                self._home_seen[city].append(o)
        top = max(self._home_seen, key=lambda c: len(self._home_seen[c]), default=None)
        self._homes = {top} if top else set()
        self._teaches = any((f := self.features(o).roles) is not None and f.teaches is not None
                            for o in self._screens(act))
        self._act = act
        self._event_days = set()
        out: list[Candidate] = []
        projects = self._projects(act)
        out += projects
        out += self._commands(act)
        out += self._rollbacks(act)
        out += self._reviews(act)
        out += self._threads(act)
        out += self._vehicle_tests(act)  # before the events: its day is not said twice
        out += self._events(act)
        roles_said = self._roles(act)  # before the workspace: a trade there takes its place
        out += self._people(act, {c.topic_key for c in roles_said})
        out += self._correspondence(act)
        out += self._documents(act)
        out += self._edited_documents(act, out)
        out += self._tools(act)
        out += self._self_statements(act)
        out += self._health(act)
        out += self._milestones(act)
        out += roles_said
        out += self._others(act)
        out += self._app_use(act)
        out += self._focus(act, out)
        out += self._schedule(act)
        # A relative's round birthday an event sentence already gives is not said twice.
        out = [c for c in out if not (c.topic_key or "").startswith("milestone:") or not any(
            other is not c and (other.topic_key or "").startswith(("date:", "event:"))
            and c.topic_key.split(":")[1] in other.text and c.topic_key.split(":")[2] in other.text
            for other in out)]
        # Going where one moves is part of the move, not a trip.
        moving_to = {c.topic_key.removeprefix("moving:") for c in out
                     if (c.topic_key or "").startswith("moving:")}
        out = [c for c in out if c.topic_key not in {f"trip:{place}" for place in moving_to}]
        # Only what this batch's observations bear on is restated: the rest stands as it was.
        batch_ids = {o.id for o in batch}
        out = [c for c in out if batch_ids & set(c.evidence)]
        for c in out:
            c.cumulative = True
        return out

    def reconcile(self, pairs: list[tuple[Candidate, list[Proposition]]]) -> list[Decision]:
        return rule_reconcile(pairs)

    # -- the window ----------------------------------------------------------------

    def _window(self, batch: list[Observation], store: Store) -> _Activity:
        before = earlier(batch, store, self.window_days, self.max_window)
        # bait (a prize mail, a phishing page) says nothing about the person, then or now;
        # judged once per observation, not again in every window it stays in
        judged: dict[int, Observation | None] = {}
        obs = []
        for o in before + list(batch):
            if o.id is None:
                kept = bait.without_bait(o)
            else:
                kept = self._unbaited[o.id] if o.id in self._unbaited else bait.without_bait(o)
                judged[o.id] = kept
            if kept is not None:
                obs.append(kept)
        self._unbaited = judged  # only what this window holds: it never outgrows the window
        obs.sort(key=lambda o: (o.captured_at, o.id or 0))
        return active_window(obs)

    def _screens(self, act: _Activity) -> list[Observation]:
        return [o for o in act.observations if o.observer in TEXT_OBSERVERS
                and (o.content or o.window_title)]

    # -- projects and commands -------------------------------------------------------

    def _project_files(self, act: _Activity) -> dict[str, list[Observation]]:
        by_root: dict[str, list[Observation]] = defaultdict(list)
        for o in act.observations:
            if o.observer == "files" and o.window_title:
                root = _recorded_root(o) or entities.project_root(o.window_title)
                if root:
                    by_root[root].append(o)
        return by_root

    def _projects(self, act: _Activity) -> list[Candidate]:
        out = []
        by_lang: dict[str, list[tuple[str, list[Observation]]]] = defaultdict(list)
        screens = self._screens(act)
        for root, obs in self._project_files(act).items():
            name = entities.project_name(root)
            langs = Counter(LANGUAGES[s] for o in obs
                            if (s := PurePosixPath(o.window_title or "").suffix.lower()) in LANGUAGES)
            # the editor is the app whose titles name the project
            editors = Counter(o.app for o in screens if o.app and name.casefold() in
                              (o.window_title or "").casefold() and not _is_terminal(o.app)
                              and not _BROWSERS.search(o.app) and not _CHAT_APPS.search(o.app)
                              and not _MAILISH.search(o.app))
            # a project's language is its code's, not that of its SQL migrations or scripts
            code = Counter({k: v for k, v in langs.items() if k not in ("SQL", "shell", "LaTeX")})
            lang = (code or langs).most_common(1)[0][0] if langs else None
            if not lang and not any(_recorded_root(o) for o in obs):
                continue  # a folder of documents is not a project
            what = f"{_article(lang)} {lang} project" if lang else "a project"
            editor = f", in {editors.most_common(1)[0][0]}" if editors else ""
            related = [o for o in screens if name.casefold() in (o.window_title or "").casefold()]
            evidence = obs + related
            out.append(_said("project", evidence,
                             text=f"{self.user} is developing {name}, {what}{editor}",
                             reasoning=f"{len(obs)} file changes under {root}"
                             + (f" and {len(related)} windows about it" if related else ""),
                             decay="months", key=f"project:{fold(name)}"))
            if lang:
                by_lang[lang].append((name, obs))
        # a language the person uses across projects; one project's is said in its sentence
        for lang, projects in by_lang.items():
            if len(projects) >= 2:
                obs = [o for _, held in projects for o in held]
                out.append(_said("language", obs, text=f"{self.user} programs in {lang}",
                                 reasoning=f"{len(obs)} changes to {lang} files in "
                                 + _join([n for n, _ in projects]), decay="months",
                                 key=f"language:{fold(lang)}"))
        return out

    def _reviews(self, act: _Activity) -> list[Candidate]:
        """Code review on a pull (merge) request page: the person's own request reviewed by
        someone, or someone's request the person reviewed, and how the review ended."""
        prs: dict[str, dict[str, Any]] = {}
        for o in self._screens(act):
            m = _PR_TITLE.search(o.window_title or "")
            if not m:
                continue
            key = f"{m.group('repo')}#{m.group('n')}"
            pr = prs.setdefault(key, {"title": m.group("title").strip(), "n": m.group("n"),
                                      "author": None, "reviews": [], "obs": []})
            pr["obs"].append(o)
            text = o.content or ""
            author = m.group("by") or next((a.group(1) for a in _PR_AUTHOR.finditer(text)), None)
            pr["author"] = pr["author"] or author
            for r in _PR_REVIEW.finditer(text):
                pr["reviews"].append((r.group("who"), r.group("what").lower(), o.captured_at))
            if _PR_OWN_REVIEW.search(text):  # the person's own review form, open on screen
                pr["reviews"].append((None, "commented", o.captured_at))
        out = []
        for key, pr in prs.items():
            author_is_me = pr["author"] is not None and _is_login_of(pr["author"], self.full_name)
            theirs = [(w, what, t) for w, what, t in pr["reviews"]
                      if w is None or not _is_login_of(w, self.full_name)]
            mine = [(what, t) for w, what, t in pr["reviews"] if w is None or _is_login_of(w, self.full_name)]
            title = f"pull request #{pr['n']} “{_short(pr['title'], 70)}”"
            if author_is_me and theirs:
                who = _login_name(next(w for w, _, _ in theirs if w))
                ended = _review_outcome([what for _, what, _ in sorted(theirs, key=lambda r: r[2])])
                text = f"{who} reviewed {self.user}'s {title}{ended}"
            elif pr["author"] and not author_is_me and mine:
                ended = _review_outcome([what for what, _ in sorted(mine, key=lambda r: r[1])])
                text = f"{self.user} reviewed {_login_name(pr['author'])}'s {title}{ended}"
            else:
                continue
            out.append(_said("review", pr["obs"], text=text,
                             reasoning=f"{len(pr['obs'])} views of the pull request page",
                             decay="days", key=f"review:{fold(key)}"))
        return out

    def _edited_documents(self, act: _Activity, said: list[Candidate]) -> list[Candidate]:
        """A document the person keeps writing in a word processor ("Programacion_4Primaria_v7.docx
        - Word" over an afternoon), named by its heading where it has one ("PROGRAMACIÓN
        DIDÁCTICA · 4º DE EDUCACIÓN PRIMARIA"); not where a sentence already says what they write."""
        if any((c.topic_key or "").startswith(("writing:", "kind:writing")) for c in said):
            return []
        found: dict[str, list[Observation]] = defaultdict(list)
        headings: dict[str, Counter[str]] = defaultdict(Counter)
        for o in self._screens(act):
            m = _DOC_TITLE.match(o.window_title or "")
            if not m or not _WORD_PROCESSOR.search(f"{o.app} {o.window_title}"):
                continue
            name = _DOC_VERSION.sub("", m.group("doc")).strip(" _-")
            if len(name) < 4:
                continue
            found[name].append(o)
            if heading := self.features(o).scan("heading", _heading):
                headings[name][heading] += 1
        out = []
        for name, obs in found.items():
            times = [o.captured_at for o in obs]
            if len(obs) < 2 or max(times) - min(times) < 600:
                continue  # a glance is not writing it
            what = headings[name].most_common(1)[0][0] if headings[name] else name
            out.append(_said("documents", obs, text=f"{self.user} is writing “{what}”",
                             reasoning=f"{len(obs)} windows editing {name}", decay="weeks",
                             key=f"documents:{fold(name)}"))
        return out

    def _rollbacks(self, act: _Activity) -> list[Candidate]:
        """A deployment the person rolled back at a prompt ("kubectl rollout undo
        deployment/checkout-api", "helm rollback checkout"), with the version it went back to
        where the window says ("rollback checkout-api → v2.30.4")."""
        found: dict[str, list[Observation]] = defaultdict(list)
        for o in self._screens(act):
            for tool, args in self.features(o).commands:
                m = _ROLLBACK_ARGS.get(tool)
                if m and (hit := m.search(args)):
                    found[hit.group("name")].append(o)
        out = []
        for name, obs in found.items():
            versions = Counter(m.group(1) for o in self._screens(act)
                               for m in re.finditer(rf"(?i)\broll(?:ed|ing)?[ -]?back\b[^\n]{{0,40}}?"
                                                    rf"(?:{re.escape(name)}[^\n]{{0,10}}?)?(?:→|->|\bto\b)\s*"
                                                    rf"(v?\d+\.\d+(?:\.\d+)?)\b", self.features(o).text))
            to = f" to {versions.most_common(1)[0][0]}" if versions else ""
            out.append(_said("rollback", obs, text=f"{self.user} rolled back {name}{to}",
                             reasoning=f"rolled it back at a prompt in {len(obs)} window(s)",
                             decay="days", key=f"rollback:{fold(name)}"))
        return out

    def _commands(self, act: _Activity) -> list[Candidate]:
        runs: list[tuple[Observation, str, str, list[str]]] = []
        for o in self._screens(act):
            f = self.features(o)
            for i, (tool, args) in enumerate(f.commands):
                last = i == len(f.commands) - 1
                runs.append((o, tool, args, f.outcomes if last and tool in _RUNNERS else []))
        if not runs:
            return []
        out = []
        projects = {entities.project_name(r) for r in self._project_files(act)}
        tools = Counter(tool for _, tool, _, _ in runs)
        # the tools used: one sentence, only tools seen at a prompt more than once or with output
        used = [t for t, n in tools.most_common(4) if n >= 2 or t in _TOOL_LANGUAGE]
        if used:
            obs = [o for o, t, _, _ in runs if t in used]
            project = _project_named(obs, projects)
            where = f" for {project}" if project else ""
            listed = used[0] if len(used) == 1 else ", ".join(used[:-1]) + " and " + used[-1]
            out.append(_said("commands", obs,
                             text=f"{self.user} uses {listed} at the command line{where}",
                             reasoning="commands run at a shell prompt", decay="months",
                             key="commands"))
        # what the output said, in time order: failing then passing is a fix
        by_tool: dict[str, list[tuple[Observation, list[str]]]] = defaultdict(list)
        for o, tool, _, outcomes in runs:
            if outcomes:
                by_tool[tool].append((o, outcomes))
        for tool, seq in by_tool.items():
            seq.sort(key=lambda x: x[0].captured_at)
            kinds = [k for _, ks in seq for k in ks]
            obs = [o for o, _ in seq]
            project = _project_named(obs, projects)
            where = f" in {project}" if project else ""
            if "race" in kinds:
                text = f"{self.user} is fixing a data race{where} (found with {tool})"
            elif "crash" in kinds and kinds[-1] != "passed":
                text = f"{self.user} is debugging a crash{where} ({tool})"
            elif "failed" in kinds:
                # which test, as the runner named it, and whether the thread calls it flaky
                named = Counter(m.group("a") or m.group("b") or m.group("c")
                                for o in obs for m in _FAILED_TEST.finditer(o.content or ""))
                flaky = any(_FLAKY.search(self.features(o).text) for o in act.observations
                            if o.observer in TEXT_OBSERVERS and named
                            and any(n in self.features(o).text for n in named))
                what = (f"the {'flaky ' if flaky else 'failing '}test {named.most_common(1)[0][0]}"
                        if named else f"failing {tool} tests")
                text = (f"{self.user} fixed {what}{where} ({tool}): " +
                        ("it passes now" if named else "they pass now")) if kinds[-1] == "passed" \
                    else f"{self.user} is working on {what}{where} ({tool})"
            else:
                continue
            out.append(_said("outcome", obs, text=text,
                             reasoning=f"{tool} output: " + ", then ".join(dict.fromkeys(kinds)),
                             decay="days", key=f"outcome:{fold(tool)}:{fold(project or '')}"))
        return out

    # -- threads and what they are about --------------------------------------------

    def threads(self, act: _Activity) -> list[list[Observation]]:
        """Screens grouped into threads: the same subject, or shared names close in time."""
        docs = self._screens(act)
        return group_threads(docs, [self.features(o) for o in docs])

    def _threads(self, act: _Activity) -> list[Candidate]:
        # Several threads may be one activity (the flights and the hotel of one trip): what
        # they say is keyed, and threads with the same kind and key become one proposition.
        found: dict[tuple[str, str], tuple[list[Observation], list[Observation], float]] = {}
        for thread in self.threads(act):
            feats = [self.features(o) for o in thread]
            scores = activities.score_kinds(f.cues for f in feats)
            for kind_id, score in scores.items():
                kind = activities.KINDS_BY_ID[kind_id]
                cues = {c for f in feats for c in f.cues.get(kind_id, ())}
                strong = any(c.startswith(st) for c in cues for st in kind.strong) or (
                    # a music player's own window says it is music
                    kind_id == "listening" and any(_MEDIA.search(o.app or "") for o in thread))
                needed = 3.0 if kind_id == "on_call" else 1.5
                if score < needed or (kind.strong and not strong and score < 3.0):
                    continue
                if kind_id == "training" and all(_CHAT_APPS.search(o.app or "") for o, f in
                                                 zip(thread, feats) if kind_id in f.cues):
                    continue  # "Bientôt le marathon 😄" in a chat trains for nothing
                if kind_id == "job_search" and cues <= _WORK_WORDS:
                    continue  # "jobs" and "positions" alone are a tradesman's work, not a search
                cued = [o for o, f in zip(thread, feats) if kind_id in f.cues]
                made = self._say(kind, cued, thread)
                if made is None:
                    continue
                key = (kind_id, made[1])
                prev = found.get(key)
                found[key] = (cued, thread, score) if prev is None else (
                    prev[0] + cued, prev[1] + thread, max(prev[2], score))
        # A home is bought over many screens (the loan, the notary, the deed): one screen, a
        # mortgage advert, buys nothing.
        for key in [key for key in found if key[0] == "buying_home"]:
            cued = found[key][0]
            if len({o.id for o in cued}) < 2 or len(
                    {c for o in cued for c in self.features(o).cues.get("buying_home", ())}) < 2:
                del found[key]
        # A thread that fits no kind of activity says nothing: "reading about reddit" from three
        # windows with one title was never a statement about the person.
        out = []
        self._dated: set[tuple[int | None, date]] = set()
        for (kind_id, key), (cued, thread, score) in found.items():
            kind = activities.KINDS_BY_ID[kind_id]
            made = self._say(kind, cued, thread)
            if made is None:
                continue
            cues = sorted({c for o in cued for c in self.features(o).cues.get(kind_id, ())})
            # the days this sentence says, in the windows that hold them: no second sentence
            # for them (other days in those windows are still their own events)
            said = _days_said(made[0], {d for o in thread for d, _, _ in self.features(o).dates})
            self._dated.update((o.id, d) for o in thread for d in said)
            out.append(_said(f"kind:{kind_id}", cued, text=made[0],
                             reasoning=f"{len(cued)} observation(s) show {kind_id.replace('_', ' ')} ("
                             + ", ".join(cues[:6]) + ")",
                             decay=kind.decay, key=f"{kind_id}:{key}"))
            out += self._aspects(kind_id, cued, thread)
        return out

    def _aspects(self, kind_id: str, cued: list[Observation],
                 thread: list[Observation]) -> list[Candidate]:
        """Parts of an activity a person would name on their own (researching pay, a gift)."""
        out = []
        for aspect, (pattern, says) in _ASPECTS.get(kind_id, {}).items():
            hits = [o for o in thread if re.search(pattern, self.features(o).folded)]
            if not hits:
                continue
            what = _common_subject(hits, self) or ""
            if aspect == "booked":
                stays = Counter(m.group(0).strip() for o in hits
                                for m in _LODGING.finditer(self.features(o).text))
                if not stays:
                    continue  # "has booked their stay" names nothing the trip does not say
                what = f"a stay at {stays.most_common(1)[0][0]}"
            text = says.format(u=self.user, what=what)
            out.append(_said(f"aspect:{aspect}", hits,
                             text=text.replace(" ()", "").replace(": ”", "”"),
                             reasoning=f"{len(hits)} observations about {aspect.replace('_', ' ')}",
                             decay="weeks", key=f"aspect:{kind_id}:{aspect}"))
        return out

    def _say(self, kind: activities.Kind, cued: list[Observation],
             thread: list[Observation]) -> tuple[str, str] | None:
        """The sentence for one kind of activity in a thread and its stable key, or None."""
        u = self.user
        feats = [self.features(o) for o in cued]
        all_feats = [self.features(o) for o in thread]
        places = Counter(p for f in all_feats for p in f.places)
        people = Counter()
        for f in feats:
            people.update(f.people)
        dates = _cluster(sorted({d for f in feats for d, _, _ in f.dates}))
        when = f" on {self._day(dates[0])}" if len(dates) == 1 else (
            f" around {_span(dates[0], dates[-1])}" if dates else "")
        k = kind.id
        if k == "event":
            whose: Counter[tuple[str, str]] = Counter()
            for f in feats:
                for m in _WHOSE.finditer(f.text):
                    if fold(m.group("name")) not in fold(self.full_name):
                        word = m.group(0)[m.end("name") - m.start():].lstrip("'’s ").strip()
                        if re.match(r"\d", word):
                            word = f"{word} birthday" if "birthday" not in word else word
                        whose[(m.group("name"), word.lower())] += 1
            if whose:
                (host, event), _ = whose.most_common(1)[0]
                hosts = [re.sub(r"\s(?:&|y|und|et|e)\s", " and ", host)]
                holding = [f for f in feats if host in f.text]
            else:
                event = _event_word(feats)
                if not event:
                    return None
                hosts = _hosts(feats, self.full_name)
                holding = [f for f in feats if any(
                    _EVENT_WORDS.get(c.split()[0]) == event for c in f.cues.get("event", ()))]
            # the day is the one said beside whose event it is (or the cue itself): a week's
            # rota that mentions the wedding on its Friday also lists the Monday
            key_words = [host for host, _ in whose] if whose else list(hosts)
            cue_words = {c for f in holding for c in f.cues.get("event", ())}
            beside = Counter(d for f in holding for d, line, _ in f.dates
                             if any(w in line for w in key_words)
                             or any(c in fold(line) for c in cue_words))
            days = sorted(beside, key=lambda d: (-beside[d], d)) if beside else \
                sorted({d for f in holding for d, _, _ in f.dates})
            on = f" on {self._day(days[0])}" if days else ""
            if not days and not hosts:
                return None  # "is going to a wedding": whose, or when, or nothing
            if days:
                self._event_days.add(days[0])
            whose_s = (_join(hosts) + "'s " if hosts else "a ") + event
            # the place named beside the event, not anywhere in the thread (nor a host whose
            # name is also a town's)
            speakers = [m.group(1) for f in all_feats for m in _SPEAKER.finditer(f.text)]
            named = {fold(w) for h in [*hosts, *speakers, *(p for f in holding for p in f.people)]
                     for w in [h, *h.split()]}
            near = Counter(p for f in holding for d, line, _ in f.dates if days and d == days[0]
                           for p in entities.places_after_in(line) if fold(p) not in named)
            place = f" in {near.most_common(1)[0][0]}" if near else ""
            return f"{u} is going to {whose_s}{place}{on}", fold(re.sub(r"\d+\w*\s", "", event))
        if k == "trip":
            dest = _destination(all_feats, places, self._homes)
            if not dest:
                return None
            # the dates said with the destination, not every date in the thread
            # (by any of its names: "La Canée" is Chaniá)
            there = _cluster(sorted({d for f in all_feats for (d, line, _), named in zip(
                f.dates, f.scan("dated places", lambda t, f=f: [
                    entities.places_in(line) for _, line, _ in f.dates]))
                if dest in line or dest in named}))
            if there:
                when = f" on {self._day(there[0])}" if len(there) == 1 else f" around {_span(there[0], there[-1])}"
            # how they go, where the thread says it one way more than any other
            modes = Counter(mode for f in all_feats for mode in f.scan("modes", _travel_modes))
            ranked = modes.most_common(2)
            by = f" by {ranked[0][0]}" if ranked and (len(ranked) == 1 or ranked[0][1] > ranked[1][1]) else ""
            return f"{u} is planning a trip to {dest}{by}{when}", fold(dest)
        if k == "job_search":
            found_roles = Counter(r for f in all_feats for r in f.scan(
                "job_roles", lambda t: [m.group(0) for m in _ROLE.finditer(t)]))
            role = found_roles.most_common(1)[0][0] if found_roles else None
            hiring = sum(1 for f in all_feats if f.scan("hiring", _HIRING.search))
            seeking = sum(1 for f in all_feats if f.scan("seeking", lambda t: bool(
                _SEEKING.search(t) and _JOB_WORDS.search(t))))
            if hiring > seeking:
                # the employer's side: job ads posted, applicants to read
                org = Counter(org for f in all_feats for org in f.orgs)
                what = "" if not role else (f" {_plural(role)}" if role.isascii() else f" {_article(role)} {role}")
                at = f" for {org.most_common(1)[0][0]}" if org else ""
                return f"{u} is hiring{what or ' staff'}{at}", "hiring"
            if not seeking and sum(1 for o in self._screens(self._act)
                                   if self.features(o).scan("employer_side", _EMPLOYER_SIDE.search)) >= 2:
                return None  # an employer's interview notes are no job hunt of their own
            orgs = Counter(org for f in feats for org in f.orgs)
            # anywhere in what was seen: the chat about it is the same application
            internal = [m.group("role") for o in self._screens(self._act)
                        for m in self.features(o).scan("internal", lambda t: list(_INTERNAL_POST.finditer(t)))]
            if internal:
                # a post at their own employer: a promotion they apply for, not a job hunt
                post = Counter(" ".join(r.split()) for r in internal if r).most_common(1)
                named = f" as {post[0][0]}" if post else ""
                return f"{u} is applying for an internal post{named}", "internal"
            text = f"{u} is looking for a new job" + (f" as {_article(role)} {role}" if role else "")
            where = Counter(p for f in feats for p in f.places)
            if where:
                text += f" in {where.most_common(1)[0][0]}"
            if any(f.scan("internship", _INTERNSHIP.search) for f in all_feats):
                # a student's internship, at somewhere other than their own university
                firms = Counter(org for f in all_feats for org in f.scan("intern_orgs", lambda t: [
                    org for line in t.splitlines() if _INTERNSHIP.search(line) or "appl" in line.lower()
                    for org in entities.organisations_in(line)]) if not _UNIVERSITY_WORD.search(org))
                at = f" at {firms.most_common(1)[0][0]}" if firms else ""
                return f"{u} is applying for an internship{at}", "job"
            applied = Counter(org for f in all_feats for org in f.scan(
                "applying_to", lambda t: [m.group("org") for m in _APPLYING_TO.finditer(t)
                                          if not _ROLE.fullmatch(m.group("org"))]))
            if applied or orgs:
                text += f", applying to {(applied or orgs).most_common(1)[0][0]}"
            return text, "job"
        if k == "moving":
            # where they say they are moving, anywhere in their window: a letter, a lease's notice
            said_to = Counter(p for o in self._screens(self._act) for p in self.features(o).scan(
                "moving_to", lambda t: [p for m in _MOVING_TO.finditer(t)
                                        for p in entities.places_in(m.group("rest"))])
                if p not in self._homes)
            # (not where a trip goes: a move within the town names no town, and the place a
            # thread's travel goes to is a trip's)
            if said_to:
                dest = said_to.most_common(1)[0][0]
                return f"{u} is moving to {dest}", fold(dest)
            # a move within the town: where the person says in their own words they move to
            # ("el 5 de junio me mudo a Pichincha"), and the day a line about the move gives
            turn = entities.own_turn(self.full_name)
            first = re.escape(fold(self.user))
            own = [(line, f) for f in all_feats for line in f.text.splitlines()
                   if _OWN_MOVE.search(line) and (turn.match(fold(line)) or re.match(
                       rf"\s*(?:{first}|tu|tú|voce|você|you|me|moi|du)\s+\d{{1,2}}:\d\d\b", fold(line)))]
            if not own:
                return None
            to = Counter(m.group("to") for line, _ in own for m in _OWN_MOVE.finditer(line) if m.group("to"))
            # the day said in the part of the line about the move, not another ("… me mudo a
            # Pichincha. Lo de papá: martes 25")
            near: dict[date, int] = {}
            for f in all_feats:
                for d, part, _ in f.dates:
                    move = _OWN_MOVE.search(part)
                    if move and any(part in line for line, g in own if g is f):
                        # how far the day's number stands from the words about the move
                        gaps = [abs(m.start() - move.start()) for m in re.finditer(rf"\b0?{d.day}\b", part)]
                        near[d] = min(gaps + [near.get(d, 10**6)])
            days = sorted(near, key=lambda d: (near[d], d))[:1]
            where = f" to {to.most_common(1)[0][0]}" if to else ""
            on = f" on {self._day(days[0])}" if days else ""
            if not where and not on:
                return None
            return f"{u} is moving{where}{on}", fold(where or "move")
        if k == "training":
            races = Counter(r for f in all_feats for r in f.scan(
                "races", lambda t: [m.group(0).strip() for m in _RACE_NAME.finditer(t)]))
            if races:
                race, _ = races.most_common(1)[0]
                days = sorted({d for f in all_feats for d, line, _ in f.dates if race in line})
                on = f" on {self._day(days[0])}" if days else ""
                return f"{u} is training for the {race}{on}", "training"
            cues = {c for f in feats for c in f.cues.get("training", ())}
            what = next((c.strip() for c in ("half marathon", "marathon", "triathlon", "maraton",
                                              "halbmarathon", "maratona") if c in cues), None)
            return (f"{u} is training for a {_RACE_WORD.get(what, what)}", "training") if what else None
        if k == "home_search":
            mates = [f for f in all_feats if f.scan("flatmate", _FLATMATE.search)]
            if mates:
                # a flat share casting: they stay, a room is let
                near = Counter(p for f in mates for line in f.text.splitlines()
                               if _FLATMATE.search(line) for p in entities.places_in(line))
                where = next(iter(self._homes), None) or (near.most_common(1)[0][0] if near else None)
                return f"{u} is looking for a new flatmate" + (f" in {where}" if where else ""), "flatmate"
            if not places:
                return None
            place = places.most_common(1)[0][0]
            if sum(1 for f in all_feats if f.scan("commercial", _COMMERCIAL.search)) * 2 >= len(all_feats) or \
                    any(_COMMERCIAL.search(f.subject) for f in all_feats):
                return f"{u} is looking for business premises in {place}", fold(place)
            return f"{u} is looking for a place to rent in {place}", fold(place)
        if k == "shift_swap":
            # the lines that speak of the swap: the day given up and the colleague named there
            lines = [line for f in feats for line in f.text.splitlines()
                     if "shift_swap" in activities.cues_in(line)]
            own = {fold(w) for w in self.full_name.split()} | {"me", "you", "du", "yo", "eu", "moi", "ich"}
            mates = Counter(name for line in lines for name in _colleagues(line) if fold(name) not in own)
            days = sorted({d for f in feats for d, part, _ in f.dates if any(part in ln for ln in lines)})
            # the colleague by the full name the window gives them (a chat's title, a form)
            window = [self.features(o) for o in self._screens(self._act)] if mates else []
            who = f" with {_full_name(mates.most_common(1)[0][0], window)}" if mates else ""
            on = f" on {self._day(days[0])}" if days else ""
            if not who and not on:
                return None  # "is swapping a shift": which, or with whom, or nothing
            return f"{u} is swapping a shift{on}{who}", "shift"
        if k == "buying_home":
            # what is bought (a house, a flat), where, and who lends: named beside the words
            kinds = Counter(_PROPERTY[m.group(0).casefold()] for f in all_feats
                            for m in _PROPERTY_RE.finditer(f.text))
            what = kinds.most_common(1)[0][0] if kinds else "home"
            lenders = Counter(m.group("org") for f in all_feats for line in f.text.splitlines()
                              if _MORTGAGE_LINE.search(fold(line)) for m in _LENDER.finditer(line)
                              if fold(m.group("org")) not in {fold(w) for w in _NOT_LENDERS})
            where = Counter(p for f in all_feats for line in f.text.splitlines()
                            if _PROPERTY_RE.search(line) for p in entities.places_after_in(line))
            text = f"{u} is buying a {what}" + (f" in {where.most_common(1)[0][0]}" if where else "")
            if lenders:
                text += f", with a mortgage from {lenders.most_common(1)[0][0]}"
            return text, "home"
        if k in ("selling", "buying"):
            # on the seller's own listings page one window names it well enough
            own = k == "selling" and any(_OWN_LISTINGS.search(o.window_title or "") for o in cued)
            item = _priced_item(feats, 1 if own else 2)
            thing = _article(item) + " " + item if item else _common_subject(cued, self)
            if not thing:
                return None
            if k == "buying" and sum(len(f.cues.get("selling", ())) for f in all_feats) >= \
                    sum(len(f.cues.get("buying", ())) for f in all_feats):
                return None  # a seller's listing pages are full of "buy"
            if k == "buying" and not any(entities.AMOUNT.search(f.text) for f in feats):
                return None  # nothing priced: no shopping (a "checkout-api" dashboard)
            if k == "buying" and _PROPERTY_RE.search(thing):
                return None  # a flat or a house is rented or bought as a home: their kinds say it
            verb = "is selling" if k == "selling" else "is looking to buy"
            text = f"{u} {verb} {thing}"
            # who they deal with: the people in the chats and mails about it
            talk = [o for o in cued if _CHAT_APPS.search(o.app or "") or
                    re.search(r"mail|outlook|thunderbird|messages", f"{o.app} {o.window_title}", re.I)]
            dealers = Counter(p for o in talk for p in self.features(o).people
                              if fold(p) not in fold(self.full_name))
            if dealers and k == "selling":
                top = [p for p, n in dealers.most_common(2) if n >= 2 or len(dealers) == 1]
                if top:
                    text += f", talking to {_join(top)} about it"
            return text, fold(item or thing)
        if k == "learning":
            # a language named in a lesson, not in a word processor's status bar
            lessons = [f for o, f in zip(thread, all_feats)
                       if _LESSON.search(o.app or "") or f.scan("lesson", _LESSON.search)]
            # the language a lesson teaches: anywhere on a language app's page, else named as
            # what is learnt ("Spanish lesson 4", "curso de alemán", "apprendre l'italien"),
            # not a course about it ("phonologie du français") nor the language a page is in
            found = Counter(lang for o, f in zip(thread, all_feats) if f in lessons
                            for lang in f.scan("languages", lambda t: [
                                _LANGUAGES_LEARNT[w] for w in re.findall(r"[^\W\d_]+", fold(t))
                                if w in _LANGUAGES_LEARNT])
                            if _LANGUAGE_APP.search(f"{o.app} {o.window_title} {o.url or ''}")
                            or _LEARNT_LANGUAGE.search(fold(f.text)))
            if not found:
                return None
            subject, _ = found.most_common(1)[0]
            apps = Counter(o.app for o in cued if o.app and not _BROWSER.search(o.app))
            on = f" on {apps.most_common(1)[0][0]}" if apps else ""  # a browser says nothing
            return f"{u} is learning {subject}{on}", fold(subject)
        if k == "writing":
            thing = _common_subject([o for o in cued if _EDITOR.search(o.app or "")
                                     or self.features(o).wrote], self)
            if not thing or re.search(r"\.\w{2,5}”?$", thing):
                return None
            return f"{u} is writing {thing}", fold(thing)
        if k == "listening":
            cued = [o for o in cued if _MEDIA.search(f"{o.app} {o.window_title}")]
            thing = _common_subject(cued, self) if cued else None
            apps = Counter(o.app for o in cued if o.app)
            on = f" on {apps.most_common(1)[0][0]}" if apps else ""
            return (f"{u} listens to {thing}{on}", "music") if thing else None
        if k == "coding_practice":
            sites = Counter(o.app if not re.search(r"chrome|firefox|safari|edge|brave", o.app or "", re.I)
                            else (o.window_title or "").rsplit(" - ", 1)[-1].strip()
                            for o in cued)
            site = sites.most_common(1)[0][0] if sites else ""
            on = f" on {site}" if site and len(site) < 30 else ""
            return f"{u} is practising coding interview problems{on}", "practice"
        if k == "studying":
            if self._teaches:
                return None  # a teacher's class pages are their work, not their studies
            # preparing for a named exam: "the oposiciones", "the Gesellenprüfung Teil 2"
            exams = Counter(name for f in all_feats for name in f.scan(
                "exam names", lambda t: [" ".join(m.group(0).split()) for m in _EXAM_NAME.finditer(t)]))
            if exams:
                exam = exams.most_common(1)[0][0]
                return f"{u} is studying for the {exam}", "exam"
            thing = _common_subject(cued, self)
            return (f"{u} is working on {thing} for their studies", "studying") if thing else None
        if k == "on_call":
            cues = {c for f in feats for c in f.cues.get("on_call", ())}
            # the rota they are on ("#payments-oncall") and the incident: its id, its service
            teams = Counter(team for f in all_feats for team in f.scan(
                "on-call teams", lambda t: [m.group(1) for m in _ONCALL_TEAM.finditer(t)]))
            team = f" for {teams.most_common(1)[0][0]}" if teams else ""
            ids = Counter(i for f in all_feats for i in f.scan(
                "incident ids", lambda t: [m.group(0).upper() for m in _INCIDENT_ID.finditer(t)]))
            # "incident" alone is a menu item or a channel name (# incidents) as often as not;
            # an incident's id or an alert firing says one is being handled
            if ids or cues & {"outage", "sev1", "sev2", "sev-1", "sev-2", "firing",
                              "postmortem", "post-mortem", "degraded", "triggered"}:
                services = Counter(m.group(1) for f in all_feats for m in _ALERTED.finditer(f.text))
                what = "an incident" if not ids else f"incident {ids.most_common(1)[0][0]}"
                if services:
                    what += f" ({services.most_common(1)[0][0]})"
                return f"{u} is on call{team} and handling {what}", "incident"
            # when: the days said on a rota's lines, beside "on-call" or the person's own name
            first_word = fold(first_name(self.full_name))
            # the rota's line that names them says their days; else any line about being on call
            rows = [row for o in cued for row in self.features(o).scan(
                "rota", lambda t, o=o: _rota_days(t, fold(t), first_word, o.captured_at))]
            span = _cluster(sorted({d for d, named in rows if named})) or \
                _cluster(sorted({d for d, _ in rows}))
            when = (f" from {self._day(span[0])} to {self._day(span[-1])}" if len(span) > 1
                    else f" on {self._day(span[0])}" if span else "")
            return f"{u} is on call{team}{when}", "on call"
        if k == "caring":
            rels = Counter(r for f in all_feats for r, _ in f.relations
                           if r in ("mother", "father", "grandmother", "grandfather", "sister",
                                    "brother", "wife", "husband", "partner", "daughter", "son"))
            if not rels:
                return None
            rel = rels.most_common(1)[0][0]
            return f"{u} is caring for their {rel}", rel
        if k == "invoicing":
            unpaid = any(re.search(r"unpaid|overdue|past due|reminder|impag|mahnung|impaye|relance|"
                                   r"em atraso|atrasad", f.folded) for f in feats)
            # who owes it: the name on the lines that speak of the unpaid invoice
            # (anywhere in the window: the ledger or the chat that names them is often another thread)
            owed = Counter(n for o in self._screens(self._act)
                           for n in self.features(o).scan("debtors", lambda t: _debtors_of(t, self.full_name)))
            who = [max((n for n in owed), key=lambda n: (owed[n] + sum(
                owed[m] for m in owed if m != n and fold(m) in fold(n)), len(n)))] if owed else []
            if unpaid:
                return f"{u} is chasing an unpaid invoice" + (f" from {who[0]}" if who else ""), \
                    "unpaid"
            return None
        if k == "health":
            return None  # a medical date is said by _events, with its date
        return None

    # -- dates -------------------------------------------------------------------------

    def _vehicle_tests(self, act: _Activity) -> list[Candidate]:
        """A vehicle's roadworthiness test the person booked, or that falls due
        (see :mod:`propositions.vehicles`): its day, the vehicle, and the expiry it beats."""
        booked: Counter[date] = Counter()
        times: dict[date, str] = {}
        due: Counter[date] = Counter()
        names: Counter[str] = Counter()
        cars: Counter[str] = Counter()
        obs: list[Observation] = []
        for o in self._screens(act):
            f = self.features(o)
            test = f.scan("vehicle_test", vehicles.inspection_in)
            if test is None:
                continue
            obs.append(o)
            names[test.name] += 1
            if car := f.scan("vehicle", vehicles.vehicle_in):
                cars[car] += 1
            seen = datetime.fromtimestamp(o.captured_at).date()
            for when, line, at in f.dates:
                if when < seen:
                    continue  # a past date is the test's history
                said = vehicles.inspection_in(line)
                if said is not None and said.due and not said.booked:
                    due[when] += 1
                elif test.booked:
                    booked[when] += 1
                    clock = at or next(iter(re.findall(r"\b[012]?\d:[0-5]\d\b", line)), None)
                    if clock:
                        times.setdefault(when, clock)
        if not obs or not (booked or due):
            return []
        name = names.most_common(1)[0][0]
        # the make and model where one is named, else the van; "the Ford Focus", "the van"
        car = max(cars, key=lambda c: (c != "the van", cars[c])) if cars else None
        if booked:
            when = min(booked, key=lambda d: (-booked[d], d))
            self._event_days.add(when)
            expiry = max(due) if due else None
            text = (f"{self.user} has booked {name}" + (f" for {_the(car)}" if car else "")
                    + f" on {self._day(when)}" + (f" at {times[when]}" if when in times else "")
                    + (f", before it expires on {self._day(expiry)}" if expiry and expiry > when else ""))
            why = "a booking confirmed for the vehicle test"
        else:
            when = min(due)
            owner = f"{self.user}'s {car.removeprefix('the ')}" if car else f"{self.user}'s vehicle"
            text = f"{owner} is due for {name} by {self._day(when)}"
            why = "the vehicle test's expiry"
        return [_said("vehicle", obs, text=text, reasoning=f"{why}, in {len(obs)} observation(s)",
                      decay="weeks", key="vehicle:test")]

    def _events(self, act: _Activity) -> list[Candidate]:
        found: dict[date, list[tuple[Observation, str, str | None]]] = defaultdict(list)
        for o in self._screens(act):
            for when, line, at in self.features(o).dates:
                found[when].append((o, line, at))
        out = []
        kids: set[str] | None = None
        known: set[str] = set()
        dated = getattr(self, "_dated", set())
        for when, mentions in found.items():
            if all((o.id, when) in dated for o, _, _ in mentions) or when in getattr(self, "_event_days", ()):
                continue  # a thread's sentence already says what happens that day
            named = [(o, line, at, ev) for o, line, at in mentions
                     if _involves_user(line, o) and (ev := _event_phrase(line, when, o.captured_at) or (
                         _calendar_entry(line) and _is_calendar(o.app, o.window_title) and
                         "an entry"))]
            if not named:
                continue
            if kids is None:  # the person's children, whose events are theirs
                kids = {fold(n) for ob in self._screens(act) for n in self.features(ob).children}
                # the people the window knows by name: relatives named, patients of bookings
                known = {fold(name.split()[0]) for ob in self._screens(act)
                         for _, name in self.features(ob).relations if name} | {
                    fold(name.split()[0]) for ob in self._screens(act)
                    for name in self.features(ob).scan(
                        "patients", lambda t: [m.group("name") for m in _PATIENT.finditer(t)])
                } - {fold(self.user)}
            o, line, at, phrase = max(named, key=lambda m: (m[3] != "an entry", m[2] is not None, len(m[3])))
            obs = [m[0] for m in mentions]
            title = o.window_title or ""
            text = None
            # a relative's, where any line about that day's medical event names them
            kin = next((k for _, ln, _, ev in named if ev != "an entry" and _MEDICAL.search(ev)
                        and (k := _kin_in(ln))), None) if _MEDICAL.search(phrase) else None
            if kin:
                # "mar 4 may 07:30 Operación rodilla papá", "Recoger a papá (operación cataratas)":
                # their father's operation, which the person goes to
                text = f"{self.user}'s {kin} has {phrase} on {self._day(when)}" + (f" at {at}" if at else "")
            elif _is_calendar(o.app, title):
                # a calendar's entry says what it is in its own words: "FNCE study group – Baillieu"
                entry = _calendar_entry(line)
                if entry:
                    name, at = entry[0], entry[1] or at
                    text = f"{self.user} has “{name}” on {self._day(when)}" + (f" at {at}" if at else "")
            full = self.features(o).text
            start = full.rfind("\n", 0, max(full.find(line), 0)) + 1
            speaker = _SPEAKER_LINE.match(full[start:])
            kin = entities.RELATIONS.get(speaker.group("name").strip().casefold()) if speaker else None
            if text is None and kin and _CHAT_APPS.search(o.app or ""):
                # "Mãe: a operação … quarta-feira, dia 28": their mother's, told in the family chat
                at_s = f" at {at}" if at else ""
                text = f"{self.user}'s {kin} has {phrase} on {self._day(when)}{at_s}"
            if text is None:
                at_s = f" at {at}" if at else ""
                # whose event it is, in the line or just before it ("Dad's 70th. … Dinner on
                # Saturday 20th?")
                at_line = full.find(line)
                whose = _OWNED_EVENT.search(line) or (
                    _OWNED_EVENT.search(full[max(0, at_line - 200):at_line]) if at_line > 0 else None)
                if not whose:  # another line about that day may say whose it is ("Jack's hearing test")
                    noun = _EVENT_NOUN.search(phrase)
                    whose = next((w for _, ln, _, _ in named if noun and (w := _OWNED_EVENT.search(ln))
                                  and fold(noun.group(0)).rstrip("s") in fold(w.group("event"))), None)
                # "ELLIE GALA" in the person's own planner: their child's, by the child's name
                child = next((w for w in phrase.split()[1:] if fold(w) in kids), None)
                # a booking's "Patient : Jean-Pierre DELMAS": that person's, not the reader's
                patient = _PATIENT.search(line)
                other = patient.group("name").split()[0] if patient and not any(
                    fold(w) in fold(self.full_name).split() for w in patient.group("name").split()[:1]) \
                    else None
                # "Séances de Jean-Pierre", "citas de Lucas": theirs, where the window knows them
                of = _OF_SOMEONE.search(line)
                if not other and of and fold(of.group("name")) in known:
                    other = of.group("name")
                if other and not whose:
                    text = f"{entities.name_as_written(other)} has {phrase} on {self._day(when)}{at_s}"
                elif child and not whose:
                    event = " ".join(w for w in phrase.split()[1:] if w != child)
                    event = event.lower() if event.isupper() else event
                    text = f"{entities.name_as_written(child)} has {_article(event)} {event} on " \
                           f"{self._day(when)}{at_s}"
                elif whose and fold(whose.group("name")) not in fold(self.full_name):
                    # "Jack's hearing test", "Emilia's birthday": theirs, not the person's own;
                    # "Dad's 70th" is the person's father's
                    rel = entities.RELATIONS.get(whose.group("name").casefold())
                    who = f"{self.user}'s {rel}" if rel else whose.group("name")
                    event = whose.group("event").lower()
                    if re.fullmatch(r"\d+(?:st|nd|rd|th)", event):
                        event += " birthday"
                    text = f"{who} has {_article(event)} {event} on {self._day(when)}{at_s}"
                else:
                    # a deadline for what a line names with its year ("Interspeech 2026", "ICML
                    # 2027"): a conference, a call, a programme
                    named = _FOR_NAMED.search(line) if "deadline" in phrase else None
                    if named and fold(named.group("name")) not in _DAY_AND_MONTH_WORDS and \
                            named.group("name").casefold() not in phrase.casefold():
                        phrase += f" for {named.group('name')} {named.group('year')}"
                    text = f"{self.user} has {phrase} on {self._day(when)}{at_s}"
                    # "has a deadline": for what, where a mail or a document's title says
                    # (a chat's or a calendar's title names a person or a week, not a subject)
                    subject = _mail_subject(title, o.app) if not (
                        _CHAT_APPS.search(o.app or "") or _is_calendar(o.app, title)) else ""
                    if len(phrase.split()) == 2 and subject and not _is_page_name(subject) \
                            and fold(subject) != fold(o.app or "") and "@" not in subject:
                        text += f" (“{_short(subject, 60)}”)"
            out.append(_said("event", obs, text=text,
                             reasoning=f"“{_short(line)}” (seen in “{_short(title, 80)}”)",
                             decay="days", key=f"date:{when.isoformat()}"))
        return out

    # -- people --------------------------------------------------------------------------

    def _people(self, act: _Activity, said: Collection[str | None] = ()) -> list[Candidate]:
        """Relatives, children, home and employer; ``said`` holds the topics the person's role
        already covers ("works as a user researcher at Brightwell Health" says where they work)."""
        out = []
        rels: dict[tuple[str, str], list[Observation]] = defaultdict(list)
        for o in self._screens(act):
            for rel, name in self.features(o).relations:
                if name:
                    rels[(rel, name)].append(o)
        # "(genou de mon mari)" and a form listing them both ("Assurés : Françoise DELMAS,
        # Jean-Pierre DELMAS"): the one other holder of the family name is the spouse
        if not any(rel in _SPOUSES for rel, _ in rels):
            unnamed = [o for o in self._screens(act)
                       if any(rel in _SPOUSES and not name for rel, name in self.features(o).relations)]
            holders: dict[str, list[Observation]] = defaultdict(list)
            for o in self._screens(act):
                for name in self.features(o).scan("co-holders", lambda t: _co_holders(t, self.full_name)):
                    holders[name].append(o)
            if unnamed and len(holders) == 1:
                [(name, obs)] = holders.items()
                rels[("spouse", name)] = unnamed + obs
        # a home's contract in their name and another's, whose family name differs ("Contrat
        # électricité – 12 rue d'Austerlitz … Titulaires : Mme Juliette Roussel, Mme Inès Benali")
        mates: dict[str, list[Observation]] = defaultdict(list)
        for o in self._screens(act):
            for name in self.features(o).scan("flatmates", lambda t: _flatmates(t, self.full_name)):
                mates[name].append(o)
        out += [_said("relation", obs, text=f"{self.user} shares a flat with {name}",
                      reasoning="the home's contract is in both their names", decay="years",
                      key=f"relation:flatmate:{fold(name)}") for name, obs in mates.items()]
        for (rel, name), obs in rels.items():
            out.append(_said("relation", obs,
                             text=(f"{self.user} is married to {name}" if rel in ("spouse", "wife", "husband")
                                   else f"{self.user}'s {rel} is {name}"),
                             reasoning=f"“my {rel} {name}” on screen", decay="years",
                             key=f"relation:{rel}:{fold(name)}"))
        kids: dict[str, list[Observation]] = defaultdict(list)
        homes = self._home_seen
        for o in self._screens(act):
            for name in self.features(o).children:
                kids[name].append(o)
        if kids:
            names = sorted(kids, key=lambda n: -len(kids[n]))[:4]
            obs = list({o.id: o for n in names for o in kids[n]}.values())
            # the children named, not a count of them: another may be named nowhere
            said = f"{self.user} is a parent: {_join(names)} " + (
                "are their children" if len(names) > 1 else "is their child")
            out.append(_said("children", obs, text=said,
                             reasoning="named as the person's children by a school, club or form",
                             decay="years", key="children"))
        if not homes:
            # no address of theirs: the town of their doctor, their children's school, their
            # town hall, seen more than once
            local: dict[str, list[Observation]] = defaultdict(list)
            for o in self._screens(act):
                if _CHAT_APPS.search(o.app or ""):
                    continue
                for city in self.features(o).scan("local", _local_places):
                    local[city].append(o)
            local = {c: obs for c, obs in local.items() if len({o.id for o in obs}) >= 2}
            if local:
                out.append(self._home(local, "home_local", "lives in or near",
                                      "their doctor, school or town hall is in"))
        if homes:
            out.append(self._home(homes, "home", "lives in",
                                  "their own address (a delivery, a form, a lease) or their own "
                                  "words in a chat place them in"))
        workspaces: dict[str, list[Observation]] = defaultdict(list)
        for o in self._screens(act):
            if ws := _workspace(o.window_title):
                workspaces[ws].append(o)
        # "Chat | Tiago Barros | Microsoft Teams" names whom the chat is with, not the employer
        people = {fold(p) for o in self._screens(act) for p in self.features(o).people}
        for ws, obs in workspaces.items():
            speakers = {fold(m.group(1).split()[0]) for o in obs
                        for m in _SPEAKER.finditer(self.features(o).text)}
            if fold(ws) in people or (len(ws.split()) <= 3 and fold(ws.split()[0]) in speakers):
                continue
            if len(ws) > 2 and f"employer:{fold(ws)}" not in said:
                out.append(_said("employer", obs, text=f"{self.user} works at {ws}",
                                 reasoning=f"the team chat workspace is {ws}", decay="years",
                                 key=f"employer:{fold(ws)}"))
        return out

    def _correspondence(self, act: _Activity) -> list[Candidate]:
        """Mail the person exchanges with someone named, and what it is about: one sentence per
        correspondent, with their title where the mail gives it ("Prof. Sabine Kretschmer")."""
        by_name: dict[str, list[tuple[str, Observation]]] = defaultdict(list)
        titled: dict[str, str] = {}
        own = [fold(w) for w in self.full_name.split()]
        own_words = {own[0], own[-1]} if own else set()
        full_name = self.full_name

        def parties(o: Observation) -> list[tuple[str, str | None]]:
            """The people a mail window names in its headers, with their title: read once per
            window, not again at every batch it stays in."""
            out = []
            for m in _MAIL_PARTY.finditer(o.content or ""):
                name = " ".join((m.group("name") or m.group("name2")).split())
                if own_words and own_words <= {fold(w) for w in name.split()}:
                    continue  # their own name in a header: mail they sent, not a correspondent
                if entities.people_in(f"From: {name}", full_name):
                    t = re.search(rf"\b(Prof\.(?:\s?Dr\.)?|Professor|Dr\.)\s+(?:{re.escape(name.split()[0])}\s+)?"
                                  rf"{re.escape(name.split()[-1])}\b", self.features(o).text)
                    out.append((name, t.group(1) if t else None))
            return out

        for o in self._screens(act):
            f = self.features(o)
            if not f.subject or len(f.subject) < 4:
                continue
            named_here = f.scan("mail parties", lambda t, o=o: parties(o))
            if not named_here:
                continue
            subject = f.scan("mail subject", lambda t, o=o: _mail_subject(o.window_title or "", o.app)) \
                or f.subject
            for name, title in named_here:
                by_name[name].append((subject, o))
                if title:
                    titled[name] = title
        # said in so many words: "supervised by Prof. Bertrand Achard", "Bertrand Achard – PhD
        # supervisor", "directeur de thèse : …", "orientadora: …", "Betreuer: …"
        named: dict[str, list[Observation]] = defaultdict(list)
        for o in self._screens(act):
            for who in self.features(o).scan("supervised", _supervisors_in):
                if not own_words or not own_words <= {fold(w) for w in who.split()}:
                    named[who].append(o)
        named_supervisors = {fold(_TITLE.sub('', w)) for w in named}
        out = [_said("supervisor", obs, text=f"{self.user}'s supervisor is {who}",
                     reasoning="named as their supervisor", decay="years",
                     key=f"supervisor:{fold(_TITLE.sub('', who))}")
               for who, obs in named.items()]
        for name, mails in by_name.items():
            obs = list({o.id: o for _, o in mails}.values())
            subjects = [s for s, _ in Counter(_SUBJECT_PREFIX.sub("", s).strip() for s, _ in mails
                                              ).most_common(2)]
            wrote = any(re.search(r"^(?:to|para|an|à|a)\s*:", o.content or "", re.M | re.I)
                        or _COMPOSE.search(o.window_title or "") for o in obs)
            verb = "is corresponding with" if wrote else "got mail from"
            who = f"{titled[name]} {name}" if name in titled else name
            about = " and ".join(f"“{_short(s, 60)}”" for s in subjects)
            out.append(_said("mail", obs, text=f"{self.user} {verb} {who} about {about}",
                             reasoning=f"{len(obs)} mail windows with {name}", decay="weeks",
                             key=f"mail:{fold(name)}"))
            research = sum(1 for o in obs if self.features(o).scan("research", _RESEARCH.search))
            professor = titled.get(name, "").startswith("Prof") and research >= 1 \
                and fold(name) not in named_supervisors
            if professor and len(obs) < 2:
                # one mail is enough from the head of a lab the person is in ("#okafor-lab")
                lab = re.compile(rf"(?i)#?\b{re.escape(name.split()[-1])}[-_ ](?:lab|group|gruppe)\b|"
                                 rf"\b(?:AG|Arbeitsgruppe|équipe|grupo|lab)[ \t]+{re.escape(name.split()[-1])}\b")
                professor = any(self.features(o).scan(f"lab:{lab.pattern}", lambda t: bool(lab.search(t)))
                                for o in self._screens(act))
            if professor:
                out.append(_said("supervisor", obs, text=f"{self.user}'s supervisor is {who}",
                                 reasoning=f"{len(obs)} mails with {who} about their research",
                                 decay="years", key=f"supervisor:{fold(name)}"))
        return out

    def _documents(self, act: _Activity) -> list[Candidate]:
        """Folders of documents the person keeps working in, with the folder they file them under."""
        by_folder: dict[str, list[Observation]] = defaultdict(list)
        for o in act.observations:
            if o.observer != "files" or not o.window_title:
                continue
            path = PurePosixPath(o.window_title)
            if path.suffix.lower() in LANGUAGES or len(path.parts) < 3:
                continue
            folder = path.parent
            if fold(folder.name) in entities.CONTAINER_DIRS:
                continue
            by_folder[str(folder)].append(o)
        out = []
        for folder, obs in by_folder.items():
            if len({o.window_title for o in obs}) < 1 or len(obs) < 2:
                continue
            p = PurePosixPath(folder)
            parent = p.parent.name
            under = f" (in {parent})" if parent and fold(parent) not in entities.CONTAINER_DIRS else ""
            out.append(_said("documents", obs,
                             text=f"{self.user} is working on “{p.name}”{under}",
                             reasoning=f"{len(obs)} changes to files in {folder}", decay="weeks",
                             key=f"folder:{fold(folder)}"))
        return out

    def _tools(self, act: _Activity) -> list[Candidate]:
        """Software the person works with, named on their own screens more than once."""
        seen: dict[str, list[Observation]] = defaultdict(list)
        spelled: dict[str, str] = {}
        for o in self._screens(act):
            if o.app and fold(o.app) in TOOLS:
                seen[fold(o.app)].append(o)
                spelled.setdefault(fold(o.app), o.app)
            app_key = fold(o.app or "")
            for key, written in self.features(o).tools:
                if key != app_key:  # the app is counted above
                    seen[key].append(o)
                    spelled.setdefault(key, written)
        used = sorted((k for k, obs in seen.items() if len({o.id for o in obs}) >= 2),
                      key=lambda k: -len(seen[k]))[:4]
        if not used:
            return []
        obs = [o for k in used for o in seen[k]]
        names = [spelled[k] for k in used]
        return [_said("tools", obs, text=f"{self.user} works with {_join(names)}",
                      reasoning="named on screen in "
                      + ", ".join(f"{spelled[k]} ({len(seen[k])})" for k in used),
                      decay="months", key="tools")]

    def _health(self, act: _Activity) -> list[Candidate]:
        """A condition the person has: named on two screens or more (an appointment, a search,
        a message about it), or on a medical document naming them as the patient; never one a
        line gives a relative ("my mother's cataract")."""
        first = fold(first_name(self.full_name))
        seen: dict[str, list[Observation]] = defaultdict(list)
        patient = re.compile(rf"\b(?:patient|paciente|patientin|patiente)\b[^\n]{{0,12}}{re.escape(first)}") \
            if first else None
        for o in self._screens(act):
            f = self.features(o)
            named_patient = bool(patient and patient.search(f.folded))
            # never a relative's, nor the public's: a line about a flu epidemic is no flu of theirs
            found = f.scan("conditions", lambda _t, f=f: {
                cond for line in f.folded.splitlines()
                if not _RELATIVE.search(line) and not _PUBLIC_HEALTH.search(line)
                for cond in _conditions(line)})
            for cond in found:
                seen[cond].append(o)
                if named_patient:
                    seen[cond].append(o)  # a document naming them the patient counts twice
        out = []
        for cond, obs in seen.items():
            if len(obs) < 2:
                continue
            distinct = list({o.id: o for o in obs}.values())
            due = ""
            if cond == "is pregnant":  # and when the baby is due, where a line says
                days = sorted({d for o in distinct for line in (o.content or "").splitlines()
                               if _DUE_DATE.search(fold(line))
                               for d, _ in date_mentions(line, datetime.fromtimestamp(o.captured_at),
                                                         relative=False)})
                due = f", due on {self._day(days[-1])}" if days else ""
            out.append(_said("health", distinct,
                             text=(f"{self.user} {cond}{due}" if cond.startswith("is ")
                                   else f"{self.user} has {cond}"),
                             reasoning=f"{len(distinct)} observation(s) name it, none as a relative's",
                             decay="weeks", key=f"health:{fold(cond)}", sensitive=["health"]))
        return out

    def _milestones(self, act: _Activity) -> list[Candidate]:
        """A parent's or grandparent's round birthday ("almoço dos 65 da mãe", "Geschenk 60.
        Geburtstag Mutter", "Mamá: … son mis 60 años"): the relative and the age on one line, or
        said by the relative in a chat, on two screens or more; and the day it is kept, where a
        line beside the relative or the birthday gives one."""
        seen: dict[tuple[str, int], list[Observation]] = defaultdict(list)
        days: dict[tuple[str, int], Counter[date]] = defaultdict(Counter)
        for o in self._screens(act):
            found = self.features(o).scan("milestones", _milestones_of)  # once per observation
            for rel, age in found:
                seen[(rel, age)].append(o)
            for rel, age in found:
                for d, line, _ in self.features(o).dates:
                    # the day of the celebration: a line that speaks of it and of them
                    if _MILESTONE_DAY.search(fold(line)) and (str(age) in line or any(
                            entities.RELATIONS.get(w) == rel for w in re.findall(r"[^\W\d_]+", line.casefold()))):
                        days[(rel, age)][d] += 1
        out = []
        for (rel, age), obs in seen.items():
            distinct = list({o.id: o for o in obs}.values())
            if len(distinct) < 2:
                continue
            whose = "her" if rel in ("mother", "grandmother") else "his"
            on = f" on {self._day(days[(rel, age)].most_common(1)[0][0])}" if days[(rel, age)] else ""
            out.append(_said("event", distinct,
                             text=f"{self.user}'s {rel} has {whose} {_ordinal(age)} birthday{on}",
                             reasoning=f"{len(distinct)} observations name the {rel}'s {age}",
                             decay="weeks", key=f"milestone:{rel}:{age}"))
        return out

    def _self_statements(self, act: _Activity) -> list[Candidate]:
        """What the person says of themselves in what they write ("I'm vegetarian")."""
        out = []
        said: dict[str, list[Observation]] = defaultdict(list)
        for o in self._screens(act):
            for what in self.features(o).scan("self", lambda t: [
                    _SELF_IN_ENGLISH.get(w, w) for m in _SELF.finditer(t)
                    if (w := (m.group("what") or m.group("what2") or "").lower())]):
                said[what].append(o)
        for what, obs in said.items():
            # being retired is an occupation's end: one statement with what roles find
            out.append(_said("role" if what == "retired" else "self", obs,
                             text=f"{self.user} is {what}",
                             reasoning=f"says so themselves: “I'm {what}”", decay="years",
                             key="role:retired" if what == "retired" else f"self:{fold(what)}"))
        # what they say they are stuck on, in a line of their own
        stuck: dict[str, list[Observation]] = defaultdict(list)
        first = self.user
        for o in self._screens(act):
            for on in self.features(o).scan("stuck", lambda t: _stuck_on(t, first)):
                stuck[on].append(o)
        for on, obs in stuck.items():
            out.append(_said("stuck", obs, text=f"{self.user} is stuck on {on}",
                             reasoning="says so in their own message", decay="days",
                             key=f"stuck:{fold(on)[:40]}"))
        return out

    def _roles(self, act: _Activity) -> list[Candidate]:
        """What the person does for a living or studies (see :mod:`propositions.roles`)."""
        found: dict[str, tuple[roles.Role, list[Observation]]] = {}

        def add(role: roles.Role | None, obs: list[Observation]) -> None:
            if role is not None and obs:
                prev = found.get(role.key)
                # the fuller sentence of the same role stays ("an architect at Sá Pinto …")
                keep = role if prev is None or len(role.sentence) >= len(prev[0].sentence) else prev[0]
                found[role.key] = (keep, (prev[1] if prev else []) + obs)

        pairs: Counter[tuple[str, str]] = Counter()
        pair_obs: list[Observation] = []
        retired_from: Counter[str] = Counter()
        retired_obs: list[Observation] = []
        universities: Counter[str] = Counter()
        course_obs: list[Observation] = []
        teaching: list[Observation] = []
        schools: Counter[str] = Counter()
        subjects: Counter[str] = Counter()
        for o in self._screens(act):
            signs = self.features(o).roles
            if signs is None:
                continue
            for role, org in signs.own:
                add(roles.own(role, org), [o])
            for name, what in signs.business:
                # one business, with its register's form in brackets or without
                plain = _BRACKETED_END.sub("", name)
                add(roles.Role(f"runs {name}" + (f" ({what.lower()})" if what else ""),
                               f"business:{fold(plain)}"), [o])
            for role, org in signs.accepted:
                add(roles.Role(f"has accepted a job as {_article(role)} {role} at {org}",
                               "accepted"), [o])
            if signs.teaches is not None:
                teaching.append(o)
                if signs.teaches:
                    schools[signs.teaches] += 3
                if signs.subject:
                    subjects[signs.subject] += 1
            schools.update(signs.schools)
            if signs.course:
                course_obs.append(o)
                universities.update(signs.universities)
            if signs.pairs:
                pairs.update(signs.pairs)
                pair_obs.append(o)
            if signs.retired:
                retired_obs.append(o)
                retired_from.update(r for r in signs.retired if r)
        if teaching:
            # the school the class pages name, else the one the person's mail names most
            add(roles.teacher(schools.most_common(1)[0][0] if schools else "",
                              subjects.most_common(1)[0][0] if subjects else None), teaching)
        if not found:
            # no role said in words: the trade whose vocabulary their work screens hold
            # (not a mail someone else wrote, nor a page naming another as the patient: the
            # physiotherapist's mail about a husband's knee is the physiotherapist's trade)
            work = [o for o in self._screens(act) if not _CHAT_APPS.search(o.app or "")
                    and not (_received_mail(self.features(o).text, self.full_name)
                             or _OTHER_PATIENT.search(self.features(o).text)
                             and not re.search(rf"(?i)patient\w*\s*:?\s*{re.escape(self.user)}",
                                               self.features(o).text))]
            made = roles.trade([], [self.features(o).scan("trades", roles.trade_words) for o in work])
            if made:
                name, held = made
                hits = [work[i] for i in held]
                employer = next((ws for o in self._screens(act)
                                 if (ws := _workspace(o.window_title))), None) or \
                    roles.workplace([self.features(o).text for o in hits])
                add(roles.Role(f"works as {name}" + (f" at {employer}" if employer else ""),
                               f"employer:{fold(employer)}" if employer else "trade"), hits)
        if retired_obs:
            was = retired_from.most_common(1)[0][0] if retired_from else None
            add(roles.Role(f"is a retired {was}" if was else "is retired", "retired"),
                retired_obs)
        add(roles.student(universities, len(course_obs)), course_obs)
        add(roles.translator(pairs), pair_obs)
        if any(k.startswith("own:") and "student" in k for k in found):
            found.pop("student", None)  # their own words say it better
        return [_said("role", obs, text=f"{self.user} {role.sentence}",
                      reasoning=f"{len(obs)} observation(s) show it", decay="years",
                      # a trade at a known employer says more than "works at": it takes that one's place
                      key=role.key if role.key.startswith("employer:") else f"role:{role.key}")
                for role, obs in found.values()]

    def _home(self, seen: dict[str, list[Observation]], derivation: str, verb: str,
              why: str) -> Candidate:
        """Where the person lives: the city ``seen`` most often."""
        city = max(seen, key=lambda c: len(seen[c]))
        return _said(derivation, seen[city], text=f"{self.user} {verb} {city}",
                     reasoning=f"{why} {city}", decay="years", key="home")

    def _others(self, act: _Activity) -> list[Candidate]:
        """What the people close to the person tell them of their own lives (a pregnancy, an
        illness, an engagement), and who the partner in a hearted chat is."""
        news: dict[tuple[str, str], list[Observation]] = defaultdict(list)
        hearts: dict[str, list[Observation]] = defaultdict(list)
        own = {fold(w) for w in self.full_name.split()}
        for o in self._screens(act):
            f = self.features(o)
            for name, what in f.scan("news", _news_in):
                if entities.is_person_name(name, self.full_name) and fold(name) not in entities.RELATIONS:
                    news[(name, what)].append(o)
            if _CHAT_APPS.search(o.app or ""):
                for name in f.scan("hearted", _hearted_partner):
                    if fold(name.split()[0]) not in own:
                        hearts[name].append(o)
        # a family group ("Bell family: Mum, Dad, Hannah, Marcus"): the others are siblings
        siblings: dict[str, list[Observation]] = defaultdict(list)
        for o in self._screens(act):
            if _CHAT_APPS.search(o.app or ""):
                for name in self.features(o).scan("family", _family_members):
                    if fold(name) not in own and entities.is_person_name(name, self.full_name):
                        siblings[name].append(o)
        # who calls the person "hermanita", "sis", "maninha" in a chat of theirs
        for o in self._screens(act):
            if _CHAT_APPS.search(o.app or ""):
                for name in self.features(o).scan("calls-sibling", _calls_sibling):
                    if fold(name.split()[0]) not in own and entities.is_person_name(name, self.full_name):
                        siblings[name].append(o)
        out = [_said("sibling", obs, text=f"{name} is {self.user}'s sibling",
                     reasoning="in the family group beside their parents", decay="years",
                     key=f"sibling:{fold(name)}") for name, obs in siblings.items()]
        out += [_said("news", obs, text=f"{name} {_NEWS_SAID[what]}",
                      reasoning=f"{name} says so in their own message", decay="months",
                      key=f"news:{fold(name)}:{what}")
            for (name, what), obs in news.items()]
        # who calls the person "Maman" or "Dad" at the start of a message is their child: not
        # the partner, whatever hearts the chat is saved with
        children: dict[str, list[Observation]] = defaultdict(list)
        for o in self._screens(act):
            if _CHAT_APPS.search(o.app or ""):
                for name in self.features(o).scan("calls-parent", _calls_parent):
                    if fold(name.split()[0]) not in own:
                        children[name].append(o)
        for name in children:
            hearts.pop(name, None)
        screens = self._screens(act)
        for name, obs in children.items():
            # the window whose title says daughter or son is evidence too: it may come later
            said = [(o, self.features(o).scan(f"child word {name}", lambda t, n=name: _child_word(n, [t])))
                    for o in screens]  # read once per window, not once per batch
            titled = [o for o, w in said if w != "child"]
            word = next((w for _, w in said if w != "child"), "child")
            out.append(_said("children", obs + titled[:3], text=f"{name} is {self.user}'s {word}",
                             reasoning=f"{name} calls them mum or dad", decay="years",
                             key=f"child:{fold(name)}"))
        if hearts:
            name = max(hearts, key=lambda n: len(hearts[n]))
            out.append(_said("partner", hearts[name], text=f"{name} is {self.user}'s partner",
                             reasoning="a chat saved with a heart, and words of affection in it",
                             decay="years", key=f"partner:{fold(name)}"))
        return out

    # -- time use and habits -----------------------------------------------------------------

    def _app_use(self, act: _Activity) -> list[Candidate]:
        """Only the apps that take a large share of the time: fewer, truer time-use facts."""
        per_app: dict[str, list[Observation]] = defaultdict(list)
        for o in act.observations:
            if o.app and o.observer in ("screen", "window", "api"):
                per_app[o.app].append(o)
        total = sum(act.active_s[o.id] for obs in per_app.values() for o in obs) or 1.0
        days = max(1, len({datetime.fromtimestamp(o.captured_at).date() for o in act.observations}))
        out = []
        for app, obs in per_app.items():
            seconds = sum(act.active_s[o.id] for o in obs)
            if seconds / total < 0.25 or seconds / days < 3600 or _BROWSERS.search(app):
                continue
            per_day = seconds / days
            amount = f"about {round(per_day / 3600, 1):g} h" if per_day >= 3600 else \
                f"about {max(5, round(per_day / 300) * 5)} minutes"
            subject = Counter(s for o in obs if (s := subject_of(o.window_title, o.app)))
            on = f", mostly on {subject.most_common(1)[0][0]}" if subject and \
                subject.most_common(1)[0][1] * 3 >= len(obs) else ""
            out.append(_said("time_use", obs,
                             text=f"{self.user} spends {amount} a day in {app}{on}",
                             reasoning=f"{len(obs)} observations of {app}, {round(seconds / 60)} minutes "
                                       f"over {days} day(s)",
                             decay="weeks", key=f"app:{fold(app)}"))
        return out

    def _focus(self, act: _Activity, said: list[Candidate]) -> list[Candidate]:
        """The window the person spends most of their time in, when nothing else says what they
        are doing: a true, modest statement for the first minutes of a new user's session."""
        if any(c.topic_key and not c.topic_key.startswith(("app:", "schedule")) for c in said):
            return []
        per: dict[tuple[str, str], list[Observation]] = defaultdict(list)
        for o in act.observations:
            if o.app and o.observer in ("screen", "window", "api"):
                # the whole title but the app's name: "notes - planning", not "notes"
                app_key = fold(o.app)
                subject = " - ".join(p.strip() for p in re.split(r"\s+[-–—|·]\s+", o.window_title or "")
                                     if p.strip() and app_key not in fold(p) and fold(p) not in app_key)
                if subject and not _is_page_name(subject) and fold(subject) not in TOOLS:
                    per[(o.app, subject)].append(o)
        if not per:
            return []
        total = sum(act.active_s[o.id] for obs in per.values() for o in obs) or 1.0
        (app, subject), obs = max(per.items(), key=lambda kv: sum(act.active_s[o.id] for o in kv[1]))
        seconds = sum(act.active_s[o.id] for o in obs)
        if seconds < 60 or seconds / total < 0.3:
            return []
        return [_said("focus", obs,
                      text=f"{self.user} is working on “{_short(subject, 70)}” in {app}",
                      reasoning=f"{round(seconds / 60)} of {round(total / 60)} active minutes in that window",
                      decay="days", key=f"focus:{fold(subject)}")]

    def _schedule(self, act: _Activity) -> list[Candidate]:
        made = schedule(act, self.user)
        return [made] if made else []


# Aspects of an activity: (folded pattern, sentence). {u} is the person, {what} the subject
# of the windows that show it.
_ASPECTS: dict[str, dict[str, tuple[str, str]]] = {
    "job_search": {
        # researching pay, not a salary line in an offer or an ad the person posts themselves
        "pay": (r"glassdoor|levels\.fyi|payscale|kununu|salary (?:range|comparison|calculator|survey|"
                r"guide|benchmark|data)|average salary|salaries for|gehaltsvergleich|gehaltsrechner|"
                r"durchschnittsgehalt|salaire moyen|grille salariale|salario medio|rango salarial|"
                r"faixa salarial|media salarial|pesquisa salarial",
                "{u} is comparing salaries for the jobs applied for"),
        "documents": (r"\bresume|\bcv\b|cover letter|lebenslauf|anschreiben|curricul|"
                      r"lettre de motivation", "{u} is updating a resume and cover letter"),
    },
    "event": {
        "gift": (r"\bregistry|wedding gift|\bgift\b|present for|regalo|geschenk|cadeau|presente",
                 "{u} is getting a gift for the occasion ({what})"),
    },
    "selling": {
        "scam": (r"\bscam|\bfraud|overpay|fake check|fake cheque|\bestafa|\bbetrug|\barnaque|"
                 r"\bgolpe", "{u} is fending off scam buyers"),
        "paperwork": (r"bill of sale|\bdmv\b|title transfer|sign(?:ing)? the title|\bv5c\b|logbook|"
                      r"kaufvertrag|contrato de compraventa|certificat de cession|recibo de venda",
                      "{u} is preparing the paperwork for the sale (bill of sale, title)"),
    },
    "moving": {
        "movers": (r"\bremoval|\bmovers\b|moving van|man and van|anyvan|umzugsfirma|"
                   r"\bmudanzas\b|\bdéménageurs?\b|demenageurs?|mudanças", "{u} has booked a removal van"),
    },
    "trip": {
        "booked": (r"booking (?:is )?confirmed|reservation confirmed|buchung bestatigt|"
                   r"reserva confirmada|reservation confirmee", "{u} has booked {what}"),
    },
}
# Software people name as tools of their trade: generic data, matched as whole words.
_TOOL_NAMES = (
    "dbt", "Airflow", "Snowflake", "BigQuery", "Redshift", "Databricks", "Spark", "Kafka",
    "Flink", "Tableau", "Looker", "Power BI", "Excel", "Postgres", "PostgreSQL", "MySQL",
    "SQLite", "MongoDB", "Redis", "Elasticsearch", "Kubernetes", "Docker", "Terraform",
    "Ansible", "Jenkins", "GitHub Actions", "GitLab", "Jira", "Confluence", "Notion", "Figma",
    "Sketch", "Photoshop", "Illustrator", "InDesign", "Lightroom", "Premiere", "Blender",
    "Unity", "Unreal", "LaTeX", "Overleaf", "Zotero", "Mendeley", "Jupyter", "pandas",
    "NumPy", "PyTorch", "TensorFlow", "scikit-learn", "React", "Vue", "Angular", "Django",
    "Flask", "FastAPI", "Rails", "Spring", "Node.js", "Grafana", "Prometheus", "Datadog",
    "Sentry", "PagerDuty", "Opsgenie", "Trello", "Asana", "Salesforce", "HubSpot", "SAP",
    "QuickBooks", "Xero", "Canva", "Ableton", "Logic Pro", "GarageBand", "AutoCAD",
    "SolidWorks", "Fusion 360", "MATLAB", "RStudio", "Stata", "SPSS", "Obsidian", "Anki",
    "Scrivener", "Final Cut", "DaVinci Resolve", "Xcode", "Android Studio", "IntelliJ",
    "PyCharm", "Vim", "Neovim", "Emacs", "Postman", "Wireshark", "Argo CD", "Helm",
)
TOOLS = frozenset(fold(t) for t in _TOOL_NAMES)
# how each tool writes its name: "spring" or "helm" in a sentence is a season, a ship's wheel
_TOOL_CASE = {fold(t): t for t in _TOOL_NAMES}
_SELF = re.compile(
    r"\b(?:I'm|I am|I’m)\s+(?:a\s+|an\s+)?(?P<what>vegetarian|vegan|pescatarian|allergic to [a-z]+|"
    r"lactose intolerant|gluten[- ]free|left-handed|colou?r ?blind|pregnant|retired|"
    r"a student|self-employed|freelanc\w*)|\b(?:soy|sou|je suis|ich bin)\s+(?:(?:un|una|um|uma|une?)\s+)?"
    r"(?P<what2>vegetarian[oa]|vegan[oa]?|vegetarien(?:ne)?|vegetarier(?:in)?|végétarien(?:ne)?|"
    r"freelancer|freelance|autónom[oa]|autonom[oa]|autônom[oa]|indépendante?|auto-entrepreneur|"
    r"freiberuflich|selbstständig|selbständig|jubilad[oa]|aposentad[oa]|retraitée?|rentner(?:in)?)",
    re.I)
# what a person says of themselves in another language, said in English
# "I'm stuck on Q2", "I'm struggling with chapter 4", "estoy atascada con…", "je bloque sur…",
# "ich komme bei … nicht weiter", "estou com dificuldade em…"
_STUCK = re.compile(
    r"(?i)\b(?:i'?m|i am|i’m|i've been|i have been|estoy|estou|je suis|je)\s+(?:really\s+|a bit\s+|so\s+)?"
    r"(?:stuck|struggling|atascad[oa]|bloqu[ée]e?|bloque|com dificuldade|perdid[oa])\s+"
    r"(?:on|with|at|en|con|com|em|sur|avec|no|na)\s+(?P<what>[^.,;!?\n–—]{2,50})")


def _stuck_on(text: str, first: str) -> list[str]:
    """What the person says they are stuck on, in lines they wrote themselves."""
    out = []
    for line in text.splitlines():
        speaker = _SPEAKER_LINE.match(line)
        if speaker and fold(speaker.group("name").split()[0]) != fold(first):
            continue  # someone else's line
        out += [" ".join(m.group("what").split()) for m in _STUCK.finditer(line)]
    return out


_SELF_IN_ENGLISH = by_meaning({
    "vegetarian": ("vegetariano vegetariana vegetarien vegetarienne végétarien végétarienne "
        "vegetarier vegetarierin"),
    "vegan": "vegano vegana",
    "freelance": "freelancer freiberuflich",
    "self-employed": ("autónomo autónoma autonomo autonoma autônomo autônoma indépendant "
        "indépendante auto-entrepreneur selbstständig selbständig"),
    "retired": "jubilado jubilada aposentado aposentada retraité retraitée rentner rentnerin",
})


# -- confidence ---------------------------------------------------------------------------

# Log-odds weights of the features that predict whether a proposition is true, by how it was
# derived (see _probability), fitted by scripts/fit_confidence.py on the scenarios in
# tests/scenarios/ (not holdout/).
_PRIOR = {"aspect": -0.42, "buying": 0.29, "buying_home": 0.49, "caring": -0.54, "child": -0.42, "children": 0.54, "coding_practice": 0.27, "commands": -0.49, "documents": -0.14, "employer": 0.39, "event": -0.22, "health": 0.61, "home": 0.22, "home_search": -0.44, "invoicing": -0.21, "job_search": -0.36, "language": -1.07, "learning": 0.55, "listening": 0.55, "mail": 0.74, "milestone": 0.49, "moving": -0.78, "news": 0.27, "on_call": 0.44, "outcome": 0.49, "partner": 1.56, "project": -0.70, "relation": 0.04, "review": 0.81, "role": 0.98, "self": -0.09, "selling": 0.58, "shift_swap": -0.14, "sibling": -0.38, "stuck": 0.29, "studying": 0.23, "supervisor": 0.48, "time_use": -0.92, "tools": -1.64, "training": 0.42, "trip": -0.64, "writing": 0.45}
_DEFAULT_PRIOR = -0.5
_W_EVIDENCE, _W_APPS, _W_SPREAD = 0.281, 0.131, -0.038


# How a topic key's prefix names the way a proposition was derived.
_TOPIC_DERIVATION = {"date": "event", "app": "time_use", "folder": "documents",
                     "project": "project", "language": "language", "commands": "commands",
                     "outcome": "outcome", "relation": "relation", "employer": "employer",
                     "tools": "tools", "self": "self", "reading": "reading", "mail": "mail",
                     "schedule": "schedule"}


def derivation_of(topic_key: str) -> str:
    """How a proposition with this topic key was derived: "trip", "mail", "aspect" …"""
    head = topic_key.split(":", 1)[0]
    return _TOPIC_DERIVATION.get(head, head)


def evidence_features(obs: list[Observation]) -> list[float]:
    """log2(1 + distinct observations), extra apps, log2(1 + hours spanned)."""
    distinct = {o.id for o in obs}
    apps = len({o.app for o in obs if o.app})
    times = [o.captured_at for o in obs]
    hours = (max(times) - min(times)) / 3600 if times else 0.0
    return [math.log2(1 + len(distinct)), float(max(0, apps - 1)), math.log2(1 + hours)]


def _said(derivation: str, obs: list[Observation], *, text: str, reasoning: str, decay: str,
          key: str, sensitive: list[str] | None = None) -> Candidate:
    """A statement resting on ``obs``, with the probability that it is true."""
    return Candidate(text=text, confidence=_probability(derivation, obs), reasoning=reasoning,
                     decay=decay, evidence=_ids(obs), topic_key=key, sensitive=sensitive or [])


def _probability(derivation: str, obs: list[Observation]) -> float:
    """P(true) from how it was derived and its distinct evidence, spread over apps and time.

    ``derivation`` is a topic-key prefix ("trip", "mail" …, or "kind:trip").
    """
    head = derivation.split(":", 1)[1] if derivation.startswith("kind:") else derivation
    head = head.split(":", 1)[0]
    f = evidence_features(obs)
    x = (_PRIOR.get(head, _DEFAULT_PRIOR) + _W_EVIDENCE * f[0] + _W_APPS * f[1]
         + _W_SPREAD * f[2])
    return round(min(0.95, max(0.05, 1 / (1 + math.exp(-x)))), 3)


# -- helpers ----------------------------------------------------------------------------


def _ids(obs: list[Observation]) -> list[int]:
    return sorted({o.id for o in obs if o.id is not None})[-20:]


def _recorded_root(o: Observation) -> str | None:
    """The project root the files observer found on disk, if it recorded one."""
    m = re.search(r"^project (.+)$", o.content or "", re.M)
    return m.group(1).strip() if m else None


# Apps where people write documents (a browser page about drafts is not a draft of theirs).
_EDITOR = re.compile(r"docs|word|writer|pages|overleaf|notion|obsidian|textedit|mousepad|gedit|"
                     r"kate|code|vim|emacs|sublime|scrivener|bear|notes|typora|libreoffice|onlyoffice",
                     re.I)
_LODGING = re.compile(r"(?:[A-Z][\w'’-]+[ \t]){0,3}(?:Hotel|Hostel|Inn|Resort|Pousada|Apartments?|"
                      r"Airbnb)(?:[ \t](?:[A-Z][\w'’-]+|do|da|de|del|di|du|des)){0,4}")


_MEDIA = re.compile(r"spotify|youtube|music|deezer|soundcloud|tidal|podcast|pocket casts|"
                    r"overcast|bandcamp|radio|vlc|rhythmbox", re.I)
_BROWSERS = re.compile(r"firefox|chrome|chromium|safari|edge|brave|opera|vivaldi|arc$", re.I)


# "Antwort verfassen: Re: …", "Redactar: …", "Réponse : …": a reply being written
_COMPOSE_PREFIX = re.compile(r"^\s*(?:antwort verfassen|verfassen|redactar|responder|r[ée]ponse|"
                             r"r[ée]diger|compose|write|nova mensagem|escrever|reply)\s*:\s*", re.I)


def _mail_subject(title: str, app: str | None) -> str:
    """A mail's subject from its window title, without the app, the account and the site."""
    title = re.sub(r"\s+[-–—]\s+(?:Message|Mensagem|Mensaje|Nachricht|Messaggio) "
                   r"\((?:HTML|Text|Texte|Texto|Nur-Text|Rich Text|Testo)\)", "", title)
    parts = [p.strip() for p in re.split(r"\s+[-–—|·]\s+", _COMPOSE_PREFIX.sub("", title)) if p.strip()]
    app_key = fold(app or "")
    keep = [p for p in parts if not (_BROWSERS.search(p) or "@" in p or
                                     (app_key and app_key in fold(p)) or re.fullmatch(
                                         r"(?:gmail|outlook|mail|thunderbird|proton mail|"
                                         r"yahoo mail|inbox|posteingang|caixa de entrada|"
                                         r"bandeja de entrada|boite de reception)(?:\s*\(\d+\))?",
                                         fold(p)))]
    return _SUBJECT_PREFIX.sub("", " – ".join(keep)).strip()


def _is_terminal(app: str) -> bool:
    return bool(re.search(r"term|konsole|iterm|alacritty|kitty|wezterm|tilix|shell|cmd",
                          app, re.I))


def _project_named(obs: list[Observation], projects: set[str]) -> str | None:
    """The project these windows name most (the same answer whatever the hash seed)."""
    counts = {name: sum(name.casefold() in f"{o.window_title or ''}\n{o.content or ''}".casefold()
                        for o in obs) for name in sorted(projects)}
    best = max(counts, key=lambda n: counts[n], default=None)
    return best if best and counts[best] else None


def _the(vehicle: str) -> str:
    return vehicle if vehicle.startswith("the ") else f"the {vehicle}"


def _article(word: str | None) -> str:
    return "an" if word and word[0].lower() in "aeiou" else "a"


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _day(d: date, year: int) -> str:
    # names in full, as people write them ("Saturday 19 June"), in English whatever the locale;
    # the year where it is not the one the person saw it in
    return f"{_WEEKDAY_NAMES[d.weekday()]} {d.day} {_MONTH_NAMES[d.month - 1]}" + (
        f" {d.year}" if d.year != year else "")


_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December")


#: the longest stretch one activity's dates are taken to span (a trip, a course)
CLUSTER_DAYS = 21


def _cluster(days: list[date]) -> list[date]:
    """The run of ``days`` (sorted) that lie within CLUSTER_DAYS of each other and hold the
    most of them, the earliest on a tie: a trip's dates, not also a deadline weeks later."""
    best: list[date] = []
    for i, first in enumerate(days):
        run = [d for d in days[i:] if (d - first).days <= CLUSTER_DAYS]
        if len(run) > len(best):
            best = run
    return best


def _span(a: date, b: date) -> str:
    if a.month == b.month:
        return f"{a.day}–{b.day} {_MONTH_NAMES[b.month - 1]}"
    return f"{a.day} {_MONTH_NAMES[a.month - 1]} – {b.day} {_MONTH_NAMES[b.month - 1]}"


def _short(text: str, n: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


# English names of the event a thread is about, from cues in any language.
_EVENT_WORDS = {
    "wedding": "wedding", "bride": "wedding", "groom": "wedding", "rsvp": None,
    "boda": "wedding", "hochzeit": "wedding", "mariage": "wedding", "casamento": "wedding",
    "birthday": "birthday party", "cumpleanos": "birthday party", "geburtstag": "birthday party",
    "anniversaire": "birthday party", "aniversario": "birthday party",
    "party": "party", "fiesta": "party", "feier": "party", "fete": "party", "festa": "party",
    "soiree": "party", "graduation": "graduation", "graduacion": "graduation",
    "formatura": "graduation", "funeral": "funeral", "baptism": "baptism", "christening": "baptism",
    "bautizo": "baptism", "taufe": "baptism", "bapteme": "baptism", "batizado": "baptism",
}


def _event_word(feats: list[_Features]) -> str | None:
    """The event a thread is about: the one named most, where a coming date is named too."""
    counts: Counter[str] = Counter()
    for f in feats:
        for cue in f.cues.get("event", ()):
            word = _EVENT_WORDS.get(cue.split()[0])
            if word:
                counts[word] += 3 if f.dates else 1
    return counts.most_common(1)[0][0] if counts else None


_SPEAKER_LINE = re.compile(r"^\s*(?P<name>[^\W\d_][\w'’ .-]{0,30}?)\s*:\s")
# a message under its sender's name and time: "Margaret 06:31   Morning Dean, …"
_TIMED_SPEAKER = re.compile(r"^\s*(?P<name>[A-ZÀ-Þ][\w'’-]+(?:[ \t][A-ZÀ-Þ][\w'’-]+){0,2})[ \t]+"
                            r"\[?\d{1,2}:\d\d(?:\s*[AaPp]\.?[Mm]\.?)?\]?\s")
# "I am moving to Edinburgh", "relocating from Bristol to …", "umziehen nach", "déménager à"
_MOVING_TO = re.compile(
    r"\b(?i:moving|relocating|move|relocate|mudar-me|mudo-me|mudar|mudarme|me mudo|umziehen|"
    r"ziehe|déménage[rz]?|demenage[rz]?)\b(?P<rest>[^\n]{0,60})")
# Who is hiring whom: an employer posts jobs and reads applicants; a seeker sends a CV.
_JOB_WORDS = re.compile(r"(?i)\b(?:job|position|role|vacanc\w*|interview|career\w*|empleo|puesto|"
                        r"stelle|emploi|poste|vaga|emprego)\b")
_HIRING = re.compile(r"\b(?i:we(?:'re| are) hiring|(?:is|are) hiring|for employers|post(?:ed)? a job|job ad|job post(?:ing)?|"
                     r"applicants|candidates|shortlist|hiring for|recruiting for|employer|"
                     r"para empresas|para empleadores|für arbeitgeber|pour les employeurs|novos candidatos|"
                     r"estamos contratando|ofertas publicadas|wir stellen ein|stellenanzeige|"
                     r"nous recrutons|offre publiée|candidats|estamos a contratar|candidatos)\b")
# an employer's own side of a job board, which a job seeker's screens never show
_EMPLOYER_SIDE = re.compile(r"\b(?i:for employers|para empresas|para empleadores|für arbeitgeber|"
                            r"pour les employeurs|post(?:ed)? a job|we(?:'re| are) hiring|estamos contratando|"
                            r"wir stellen ein|nous recrutons|novos candidatos|new applicants)\b")
_SEEKING = re.compile(r"\b(?i:my (?:cv|resume|résumé)|cover letter|your application|application "
                      r"received|thank you for applying|applied|interview invitation|mi cv|"
                      r"lebenslauf|anschreiben|ma candidature|lettre de motivation|a minha candidatura)\b")
# Premises for a business, not a home: a shop unit, an office, "heads of terms"
_COMMERCIAL = re.compile(r"\b(?i:commercial|retail unit|shop unit|premises|heads of terms|"
                         r"business rates|office space|unit \d+|local comercial|gewerbe\w*|"
                         r"ladenlokal|bureaux?|local commercial|loja|espaço comercial)\b")
_TOOL_WORD = re.compile(r"[A-Za-z][\w.+#-]*(?:\s(?:Pro|BI|Actions|Studio|CD|360|Resolve|Cut))?")
_RACE_NAME = re.compile(
    r"\b(?:[A-Z][\w'’-]+\s){1,3}(?:Half\s|Hal[bf]\s?)?(?:Marathon|Maratón|Maratona|Triathlon|"
    r"Halbmarathon|Semi-Marathon|10K)\b")
_RACE_WORD = {"maraton": "marathon", "halbmarathon": "half marathon", "maratona": "marathon"}
_CALENDAR = re.compile(r"calend|agenda|kalender|fantastical|busycal", re.I)


def _is_calendar(app: str | None, title: str | None) -> bool:
    """A calendar app, or a page whose title names one ("Google Agenda - Semana de 19 de
    outubro"), not a mail that speaks of a calendar ("Chapitre 4 – calendrier avant relecture")."""
    return bool(_CALENDAR.search(app or "")) or any(
        re.fullmatch(r"(?:[\w.]+\s+)?(?:calendar|calendrier|calendario|calendário|agenda|kalender)",
                     part.strip(), re.I)
        for part in re.split(r"\s+[-–—|·]\s+", title or ""))
# one entry of a calendar's line: "Tue 24 07:00 Grain & Bean shift · 12:00 MAST20005 lecture"
_MONTH_WORDS = "|".join(sorted(MONTHS, key=len, reverse=True))
_ENTRY_SPLIT = re.compile(r"\s+[·|•]\s+|\s{2,}|(?<![-–])\s(?=\d{1,2}[:.h]\d\d\b)")
_ENTRY_LEAD = re.compile(
    rf"^(?P<day>(?:[A-Za-zÀ-ÿ]{{2,9}}\.?,?\s+)?\d{{1,2}}\.?(?:\s+(?i:{_MONTH_WORDS})\.?)?\s+(?=\S))?"
    r"(?:(?P<at>\d{1,2}[:.h]\d\d)(?:\s*[-–]\s*\d{1,2}[:.h]\d\d)?\s+)?")
_OWNED_EVENT = re.compile(
    r"\b(?P<name>[A-ZÀ-Þ][\w-]+)['’]s\s+(?P<event>(?:\d+(?:st|nd|rd|th)\s+)?(?:[a-z]+\s+)?"
    r"(?:birthday|hearing test|appointment|operation|surgery|exam|interview|recital|match|"
    r"concert|graduation|wedding|check-up|checkup|vaccination|party|\d+(?:st|nd|rd|th)\b))")


def _date_parts(line: str, seen_at: datetime) -> list[tuple[date, str]]:
    """Each date in a line with the part of the line that is about it: a week's row of a
    calendar ("SEG 19 … TER 20 DAS MEI vence QUA 21 Serra Azul: prazo") gives each day what
    follows it up to the next day; a line with one date is all about that date."""
    found = sorted(date_mentions(line, seen_at, relative=False), key=lambda m: m[1][0])
    if len(found) < 2 or not all(_WEEKDAY_HEAD.match(line, span[0]) for _, span in found):
        return [(when, line) for when, _ in found]
    starts = [span[0] for _, span in found] + [len(line)]
    return [(when, line[(starts[i] if i else 0):starts[i + 1]].strip(" ·|,;"))
            for i, (when, _) in enumerate(found)]


# (with Spanish "mar", which dates.py reads as Tuesday among a week's heads)
_HEAD_WORDS = "|".join(sorted(WEEKDAYS, key=len, reverse=True)) + "|mar"
_WEEKDAY_HEAD = re.compile(rf"(?i:{_HEAD_WORDS})\b")


def _calendar_entry(line: str) -> tuple[str, str | None] | None:
    """The entry in a calendar's line that names an event (else the first one at a time of day),
    and its time of day."""
    entries: list[tuple[bool, bool, bool, str, str | None]] = []
    held: tuple[bool, str | None] | None = None  # a day (and time) set apart from its entry
    for seg in _ENTRY_SPLIT.split(line):
        alone = _DAY_ALONE.fullmatch(seg.strip())
        if held is None and alone:
            held = (True, alone.group("at"))
            continue
        hour = re.fullmatch(r"(\d{1,2}[:.h]\d\d)(?:\s*[-–]\s*\d{1,2}[:.h]\d\d)?", seg.strip())
        if held is not None and hour:  # "mar 4 may   07:30   Operación …": the time between
            held = (True, held[1] or hour.group(1))
            continue
        lead = _ENTRY_LEAD.match(seg)
        rest = seg[lead.end():] if lead else seg
        # emoji and marks are decoration; a trailing "?", "(–12)" or "2–4pm" says nothing here
        rest = re.sub(r"[^\w\s&'’/:.,()+#–-]", "", rest)
        rest = re.sub(r"\s*\((?:[–-]?\d+|\?)\)\s*$", "", rest)
        rest = re.sub(r"\s*\d{1,2}(?:[:.]\d\d)?\s*[-–]\s*\d{1,2}(?:[:.]\d\d)?\s*(?:[ap]\.?m\.?)?\s*$",
                      "", rest, flags=re.I).strip(" ?–-,")
        at = lead.group("at") if lead else None
        # an entry under its day is one even without a time of day (all day: "QUA 21 Prazo NF")
        on_day = at is not None or bool(lead and lead.group("day") and (
            _WEEKDAY_HEAD.match(seg) or re.search(rf"\s(?:{_MONTH_WORDS})\.?\s*$", lead.group("day"), re.I)))
        if len(rest) > 2 and re.search(r"[^\W\d_]{3}", rest) and not _LOG_LINE.match(rest) \
                and len(_DAY_HEADS.findall(rest)) < 2:  # a week's heads are no entry
            if held is not None:  # "mar 18 may      Fin plazo solicitudes": that day's entry
                on_day, at, held = True, at or held[1], None
            entries.append((bool(_EVENT_RE.search(rest)), at is not None, on_day, rest, at))
    named = [e for e in entries if e[0] or e[2]]
    if not named:
        return None
    _, _, _, rest, at = max(named, key=lambda e: (e[0], e[1]))
    return _short(rest, 70), (at.replace(".", ":").replace("h", ":") if at else None)


_DAY_HEADS = re.compile(rf"\b(?i:{_HEAD_WORDS})\.?\s+\d{{1,2}}\b")
# a day (and a time) on its own, its entry apart: "mar 18 may", "Tue 4 May 07:30"
_DAY_ALONE = re.compile(rf"(?i:[^\W\d_]{{2,9}})\.?,?\s+\d{{1,2}}\.?(?:\s+(?i:{_MONTH_WORDS})\.?)?"
                        rf"(?:\s+(?P<at>\d{{1,2}}[:.h]\d\d))?")
_WHOSE = re.compile(r"\b(?P<name>[A-ZÀ-Þ][\w-]+(?:\s(?:&|and|y|und|et|e)\s[A-ZÀ-Þ][\w-]+)?)['’]s\s+"
                    r"(?:\d+(?:st|nd|rd|th)\s+)?(?:birthday|wedding|party|graduation|baptism|"
                    r"christening|funeral|anniversary|reunion|\d+(?:st|nd|rd|th)\b)")


def _hosts(feats: list[_Features], user: str) -> list[str]:
    """Whose event it is: "Teta's 90th", "Maria & Joao wedding", else who signs the invitation."""
    named: Counter[str] = Counter()
    for f in feats:
        for m in _WHOSE.finditer(f.text):
            named[m.group("name")] += 1
    own = fold(user)
    named = Counter({n: c for n, c in named.items() if fold(n) not in own})
    if named:
        return [re.sub(r"\s(?:&|y|und|et|e)\s", " and ", named.most_common(1)[0][0])]
    signers: Counter[str] = Counter()
    for f in feats:
        for m in entities.SIGNOFF.finditer(f.text):
            for g in ("name", "name2"):
                if m.group(g) and fold(m.group(g)) not in own:
                    signers[m.group(g).split()[0]] += 1
    return [n for n, _ in signers.most_common(2)]


# "Lisbon → Porto", "Lisboa - Santa Apolónia 09:39 → Coimbra-B", "Berlin nach München": a
# connecting word only as a word of its own ("Santa Apolónia" holds no "a")
_ROUTE = re.compile(r"(?P<a>[A-Z][\w' -]+?)\s*(?:\([A-Z]{3}\))?(?:\s+\d{1,2}[:h]\d{2})?"
                    r"(?:\s*(?:->|→|–>)\s*|\s+(?:to|a|nach|à|para)\s+)"
                    r"(?P<b>(?:\d{1,5}[ \t]+)?[A-Z][\w'-]+(?:,?[ \t][A-Z][\w'-]+){0,4})")


def _route_start(text: str) -> str:
    """The words a way sets out from: the last clause or column before the arrow, five words
    at most ("Alfa Pendular 123  Lisboa - Santa Apolónia" sets out from Lisboa - Santa Apolónia)."""
    last = re.split(r"[.,;:!?]|\s{2,}", text)[-1]
    return " ".join(last.split()[-5:])


# A pull (merge) request's page title: GitHub "Title by login · Pull Request #12 · org/repo",
# GitLab "Title (!12) · Merge requests · org / repo · GitLab"
_PR_TITLE = re.compile(
    r"^(?P<title>.+?)(?:\s+by\s+(?P<by>[\w.-]+))?\s+·\s+(?:Pull Request #|Merge requests? !)(?P<n>\d+)"
    r"\s+·\s+(?P<repo>[\w.-]+\s?/\s?[\w.-]+)")
_PR_AUTHOR = re.compile(r"^\W*(?:Open|Merged|Closed|Draft)?\s*([\w.-]+)\s+(?:wants to merge|merged \d+ commits?)", re.M)
_PR_REVIEW = re.compile(r"(?:^|\s)(?P<who>[\w.-]+)\s+(?P<what>requested changes|approved(?: these changes)?|"
                        r"commented on)\b", re.M)
_PR_OWN_REVIEW = re.compile(r"\bSubmit review\b")


def _is_login_of(login: str, full_name: str) -> bool:
    """Whether an account name is the person's: "tnowak", "lukasbrandt", "ines-carvalho"."""
    words = [fold(w) for w in full_name.split() if w]
    if not words:
        return False
    login = re.sub(r"[^a-z0-9]", "", fold(login))
    first, last = words[0], words[-1]
    return bool(login) and (login.startswith(first + last) or login.startswith(first[0] + last)
                            or login == first + last[0] or (len(words) > 1 and login == last + first[0]))


def _login_name(login: str) -> str:
    """A login as a name where it spells one ("aylin-demir" is Aylin Demir), else as it is."""
    parts = re.split(r"[-._]", login)
    return " ".join(p.capitalize() for p in parts) if len(parts) > 1 and all(p.isalpha() for p in parts) \
        else login


def _review_outcome(steps: list[str]) -> str:
    said = [("asked for changes" if s.startswith("requested") else "approved it" if s.startswith("approved")
             else "") for s in steps]
    said = [w for i, w in enumerate(said) if w and w not in said[:i]]
    return (": " + ", then ".join(said)) if said else ""


def _destination(feats: list[_Features], places: Counter[str], homes: set[str]) -> str | None:
    """Where a trip goes: the far end of a route ("Lisbon -> Porto"), else the place most named;
    never where the person lives (the far end of the way back is home)."""
    ends: Counter[str] = Counter()
    starts: Counter[str] = Counter()
    for f in feats:
        for a, b in f.scan("routes", lambda t: [
                # the place a way sets out from ends the words before the arrow ("the photos of
                # the trip to Québec" sets out from nowhere)
                (entities.places_in(_route_start(m.group("a"))), entities.places_in(m.group("b")))
                for m in _ROUTE.finditer(t)]):
            if a and b and a[-1] != b[0]:
                starts[a[-1]] += 1
                ends[b[0]] += 1
                if b[0] in homes:  # the way back: its start is where the trip went
                    ends[a[-1]] += 1
    ends = Counter({p: n for p, n in ends.items() if p not in homes})
    if ends:
        return ends.most_common(1)[0][0]
    # else the place most named where travel is spoken of: a flight, a hotel, a train near it
    # (a restaurant in the next town, a brand named like a city, are no trip)
    for place, _ in places.most_common():
        if place not in starts and place not in homes and any(
                f.scan(f"travel near {place}", lambda t, place=place: any(  # once per observation
                    "trip" in activities.cues_in(line) for line in _near(t, place)))
                for f in feats):
            return place
    return None


def _near(text: str, word: str, lines: int = 0) -> list[str]:
    """The stretches of ``text`` around each line that holds ``word`` (that line and ``lines``
    either side)."""
    rows = text.splitlines()
    return ["\n".join(rows[max(0, i - lines):i + lines + 1]) for i, row in enumerate(rows) if word in row]


_PRODUCT = re.compile(
    r"(?:(?:19|20)\d\d\s+)?[A-Z][\w'’+-]*(?:\s+[\w'’+-]+){1,6}")


def _items_in(text: str) -> list[str]:
    """Names beside a price on one line ("Ikea Kivik 2-seater sofa · £120")."""
    seen: list[str] = []
    for line in text.splitlines():
        if not entities.AMOUNT.search(line):
            continue
        for part in re.split(r"\s+[·|•]\s+|\s{2,}", line):
            if entities.AMOUNT.search(part):
                continue
            m = _PRODUCT.fullmatch(part.strip(" -–,:"))
            if m and len(m.group(0)) <= 60 and not _is_page_name(m.group(0)):
                seen.append(m.group(0))
    return list(dict.fromkeys(seen))


def _priced_item(feats: list[_Features], windows: int = 2) -> str | None:
    """The thing on offer: the name beside a price ("Ikea Kivik 2-seater sofa · £120",
    "$14,900 · 2016 Honda CR-V EX AWD") that more than one window shows (or ``windows``)."""
    found: Counter[str] = Counter()
    for f in feats:
        found.update(f.scan("items", _items_in))
    best = [(n, len(t), t) for t, n in found.items() if n >= windows]
    return max(best)[2] if best else None


# the seller's own pages of a marketplace
_OWN_LISTINGS = re.compile(r"(?i)\b(?:mes annonces|my listings|your listings|mis anuncios|"
                           r"meus anuncios|meus anúncios|meine anzeigen|selling|vendiendo|à vendre)\b")


def _plural(role: str) -> str:
    return role if role.endswith("s") else (role[:-1] + "ies" if role.endswith("y") else role + "s")


def _common_subject(obs: list[Observation], inf: ThreadInferrer) -> str | None:
    """The subject most of these windows share (a document, a listing), as a noun phrase.

    A chat's title is the person talked to, and a page called "Dashboard" or "Messages" is a
    place in an app: neither is what the person is selling, buying or studying."""
    people = {fold(p) for o in obs for p in inf.features(o).people}
    subjects = Counter(
        s for o in obs
        if (s := inf.features(o).subject) and not _CHAT_APPS.search(o.app or "")
        and not _is_terminal(o.app or "") and not re.search(r"\w@[\w.-]+:|^~|[$#]\s*$", s)
        and fold(s) not in people and not _is_page_name(s) and fold(s) not in TOOLS
        and fold(s) != fold(o.app or "") and fold(s) not in _site_names(o)
        and not _DATE_SUBJECT.fullmatch(fold(s)))
    if not subjects:
        return None
    subject, n = subjects.most_common(1)[0]
    if len(subject) > 70:
        subject = subject[:69].rsplit(" ", 1)[0] + "…"
    first = subject.split()[0]
    if len(subject.split()) == 1 and first.islower() and common_zipf(first) >= 3.0:
        # "thesis - Chapter 4": their thesis, and which part of it
        parts = Counter(p.strip() for o in obs for p in re.split(r"\s+[-–—|·]\s+",
                        o.window_title or "")[1:2] if p.strip() and fold(p) != fold(o.app or ""))
        part = f" ({parts.most_common(1)[0][0]})" if parts else ""
        return f"their {first}{part}"
    # "Toast for Maria & Joao" is a toast; "Chapter 4 draft" is a chapter: lower-case common
    # nouns, but "Assignment 2: …" is a title
    words = subject.split()
    numbered = len(words) > 1 and words[1][:1].isdigit()
    if first[0].isupper() and common_zipf(first.lower()) >= 3.5 and not first.isupper() \
            and not numbered:
        return f"{_article(first)} {first.lower()}{subject[len(first):]}"
    return f"“{subject}”"


_LANGUAGE_APP = re.compile(r"duolingo|babbel|memrise|busuu|rosetta|italki|preply|lingoda|"
                           r"drops|lingq|mondly|pimsleur", re.I)
_LANG_WORDS = "|".join(sorted(_LANGUAGES_LEARNT, key=len, reverse=True))
# a language said as what is learnt, in folded text
_LEARNT_LANGUAGE = re.compile(
    rf"\b(?:learn(?:ing)?|study(?:ing)?|practi[cs]e|aprender|aprendo|estudiar|apprendre|"
    rf"j'apprends|lernen|lerne|(?:lesson|course|class|classes|lecciones?|clases?|curso|aulas?|"
    rf"kurs|lektion|cours|lecons?|licao|licoes)(?:\s+(?:of|in|de|d'|du|em|fur))?)\s+"
    rf"(?:(?:el|le|l'|o|the)\s*)?(?:{_LANG_WORDS})\b|"
    rf"\b(?:{_LANG_WORDS})\s+(?:lessons?|course|class|vocabulary|grammar|for beginners|level|"
    rf"lernen|kurs|a1|a2|b1|b2|c1)\b")
_LESSON = re.compile(r"duolingo|babbel|memrise|busuu|anki|rosetta|italki|preply|lingoda|drops|"
                    r"\b(?:lesson|lessons|course|vocabulary|flashcards?|grammar|exercise|lección|"
                    r"lecciones|curso|vocabulario|gramática|lektion|kurs|wortschatz|grammatik|"
                    r"übung|leçon|cours|vocabulaire|grammaire|lição|aula|exercício)\b", re.I)
# News a person gives of themselves in a chat line ("Claire: I'm pregnant!", "Leila: chemo
# cycle 2 on Tuesday") or a calendar entry of theirs ("Leila – chemo cycle 2").
_NEWS = {
    "pregnant": re.compile(r"\b(?:i'?m|i am|we'?re|we are)\s+(?:\w+\s+)?(?:pregnant|expecting)|"
                           r"\b(?:enceinte|embarazada|schwanger|grávida|gravida)\b|"
                           r"\bwe'?re having a baby|\bbaby is due|\bdue date\b", re.I),
    "chemo": re.compile(r"\bchemo(?:therapy)?\b|\boncolog|\bquimio(?:terapia)?\b|\bchimio(?:thérapie)?\b|"
                        r"\bchemotherapie\b|\bradiotherap", re.I),
    "engaged": re.compile(r"\b(?:we got|we'?re|we are|i got|just got)\s+engaged\b|\bnos (?:hemos )?"
                          r"prometido\b|\bfiancé(?:e)?s?\b|\bverlobt\b|\bnoivos\b", re.I),
}
_NEWS_SAID = {"pregnant": "is expecting a baby", "chemo": "is having chemotherapy",
              "engaged": "is engaged"}
_NEWS_LINE = re.compile(r"^\s*(?:\w{2,3}\.?\s+\d{1,2}\s+)?(?:\d{1,2}[:.]\d\d\s+)?"
                        r"(?P<name>[A-ZÀ-Þ][\w'’-]+(?: [A-ZÀ-Þ][\w'’-]+)?)\s*(?::|–|-)\s+(?P<said>.+)$", re.M)


def _own_relations(text: str, user: str, title: str = "") -> list[tuple[str, str | None]]:
    """"My sister Ana" where the person says it: not in a chat line or a mail someone else
    wrote ("Amparo: mi hijo Sergio …" is Amparo's son)."""
    own = {fold(w) for w in user.split()} | {"me", "you", "yo", "eu", "moi", "ich", "du", "tu"}
    sender = _FROM_HEADER.search(text)
    first = re.escape(user.split()[0]) if user.split() else None
    # a mail from someone else, or one that greets the person by name, is the writer's
    addressed = bool(first and re.search(rf"^(?:[^\W\d_]+[ \t]+){{0,2}}{first}\s*[,!:]", text, re.M))
    if ((sender and not ({fold(w) for w in sender.group("name").split()} & own)) or addressed) \
            and not _COMPOSE.search(title):
        return []
    out: list[tuple[str, str | None]] = []
    for line in text.splitlines():
        speaker = _SPEAKER_LINE.match(line) or _TIMED_SPEAKER.match(line)
        name = speaker.group("name").split() if speaker else []
        # a chat line's speaker is a name ("Leila:"), not a form's label ("Named insureds:")
        if name and all(w[:1].isupper() for w in name) and not ({fold(w) for w in name} & own) \
                and entities.is_person_name(" ".join(name), user):
            continue
        out += entities.relations_in(line)
    return out


_RESEARCH = re.compile(r"(?i)\b(?:thesis|dissertation|manuscript|revision|paper|chapter|draft|"
                       r"doktorarbeit|promotion|thèse|these|tesis|tese|experiment|figure|abbildung)\b")
_INTERNSHIP = re.compile(r"(?i)\b(?:internships?|intern|vacationer program|summer program(?:me)?|"
                         r"graduate program(?:me)?|praktikum|prácticas|practicas|estágio|estagio|stage de)\b")
_UNIVERSITY_WORD = re.compile(r"(?i)universit|universidad|hochschule|college|school|école|escola")
_APPLYING_TO = re.compile(
    r"(?i:apply(?:ing)? (?:to|at|with)|application (?:to|with)|applied (?:to|at)|"
    r"your application to|candidatura (?:a|en)|bewerbung (?:bei|an)|candidature (?:à|chez))"
    r"\s+(?:(?i:the|la|el|a|o|der|die)\s+)?(?P<org>[A-Z][\w&'’.-]*(?:\s+(?:&\s+)?[A-Z][\w&'’.-]*){0,4})")
# the services of the place a person lives: their doctor, their children's school, the town hall
_LOCAL_SERVICE = re.compile(
    r"(?i)\b(?:health cent(?:re|er)|medical cent(?:re|er)|gp surgery|primary school|"
    r"nursery|infant school|town hall|city council|council tax|centro de salud|ambulatorio|colegio|"
    r"ayuntamiento|empadronamiento|centre de santé|médecin traitant|école|mairie|crèche|hausarzt|"
    r"hausärztin|grundschule|kita|bürgeramt|rathaus|anmeldung|centro de saúde|posto de saúde|"
    r"unidade de saúde|escola|câmara municipal|junta de freguesia)\b")


def _local_places(text: str) -> list[str]:
    return list(dict.fromkeys(p for line in text.splitlines() if _LOCAL_SERVICE.search(line)
                              for p in entities.places_in(line)))


# Conditions, in five languages (folded stems), said in English: generic data.
_CONDITIONS: tuple[tuple[str, re.Pattern[str]], ...] = tuple((name, re.compile(r"\b(?:" + words + r")")) for name, words in (
    ("back pain", r"back pain|backache|lower back|lumbago|sciatica|lumbalg|ciatic|dolor de espalda|"
                  r"lo de la espalda|medico espalda|ruckenschmerz|bandscheibe|ischias|mal de dos|"
                  r"lombalg|sciatique|dor nas costas|dor lombar"),
    ("an infected bite", r"(?:bite|mordedura|mordida|biss|morsure)\b.{0,60}\b(?:infect|infecc|infecc|"
                         r"celul|cellul|entzund|antibiot)|(?:celul|cellul|infect|infecc)\w*\b.{0,60}"
                         r"\b(?:bite|mordedura|mordida|biss|morsure)"),
    ("migraines", r"migrain|migran|migran|enxaquec"),
    ("a sprain", r"sprain|esguince|verstauchung|entorse"),
    ("a fracture", r"fracture|fractura|fratura|knochenbruch|broken (?:arm|leg|wrist|ankle)"),
    ("the flu", r"\bflu\b|influenza|\bgripe\b|\bgrippe\b"),
    ("tendinitis", r"tendinit|tendinite|sehnenscheidenentzund"),
    ("insomnia", r"insomni|schlafstorung|schlaflos"),
    ("is pregnant", r"pregnan|antenatal|prenatal|pre-natal|gravida|gravidez|gestacao|embarazad|"
                    r"embarazo|gestacion|schwanger|mutterpass|enceinte|grossesse|prenatale"),
))
# A parent's round age beside them: "65 da mãe", "60. Geburtstag Mutter", "Dad's 70th"
_PARENT_RELATIONS = {w: r for w, r in entities.RELATIONS.items()
                 if r in ("mother", "father", "grandmother", "grandfather")}
_PARENT_RE = re.compile(r"(?i)(?<![\w])(?:" + "|".join(sorted(map(re.escape, _PARENT_RELATIONS), key=len, reverse=True))
                        + r")(?![\w])")
_AGE_RE = re.compile(r"(?<![\d.,:/])(?P<age>[4-9]0|[4-9]5|100)(?:\s?(?:st|nd|rd|th|\.|º|\.º|ª))?"
                     r"(?![\d.,:/%€$£]|\s?(?:km|min|€|%|h\b|kg|m\b|eur|mil))")
_OWN_AGE = re.compile(r"(?i)\b(?:mis|my|meine[nm]?|meus|mes)\s+(?P<age>[4-9]0|[4-9]5|100)(?:\s?(?:th|\.|º))?\b")
_MILESTONE_DAY = re.compile(r"birthday|cumple|geburtstag|aniversar|anniversaire|\bfeier\b|fiesta|festa|"
                            r"almoco|almuerzo|comida|lunch|dinner|jantar|cena|diner|mittagessen|party")


def _milestones_of(text: str) -> list[tuple[str, int]]:
    """(relative, age) of every line of ``text`` that names a parent's round birthday."""
    if not _PARENT_RE.search(text):
        return []
    out: list[tuple[str, int]] = []
    for line in text.splitlines():
        speaker = _SPEAKER_LINE.match(line)
        said_by = entities.RELATIONS.get(speaker.group("name").strip().casefold()) if speaker else None
        out += _milestones_in(line, said_by)
    return list(dict.fromkeys(out))


def _milestones_in(line: str, said_by: str | None) -> list[tuple[str, int]]:
    """(relative, age) a line names: the relative and a round age beside a birthday word or
    each other, or a relative speaking of their own ("son mis 60 años")."""
    out = []
    if said_by in ("mother", "father", "grandmother", "grandfather"):
        m = _OWN_AGE.search(line)
        if m:
            out.append((said_by, int(m.group("age"))))
    rel = _PARENT_RE.search(line)
    if rel:
        folded = fold(line)
        for m in _AGE_RE.finditer(line):
            near = abs(m.start() - rel.start()) <= 40
            ordinal = m.group(0) != m.group("age")  # "70th", "zum 60.", "65.º"
            if near and (ordinal or _MILESTONE_DAY.search(folded)
                         or re.search(r"\b(?:anos|años|jahre|ans)\b", folded)):
                out.append((_PARENT_RELATIONS[rel.group(0).casefold()], int(m.group("age"))))
                break
    return list(dict.fromkeys(out))


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


# a line about an invoice not yet paid
_UNPAID_LINE = re.compile(r"unpaid|overdue|past due|not (?:yet )?paid|impag|sin (?:pagar|cobrar)|no (?:me )?ha pagado|"
                          r"reclamad|mahnung|nicht bezahlt|offen(?:e|en)? rechnung|impaye|pas (?:encore )?paye|"
                          r"relance|em atraso|nao pag|por pagar|\bno - ")
# (a name's words are one space apart: a table's next column is not the name's)
_DEBTOR = re.compile(r"(?<![\w-])[A-ZÀ-Þ][a-zà-ÿ'’.-]+(?:[ \t](?:(?:de|del|la|El|da|do|dos|von|du|des|&)[ \t])?"
                     r"[A-ZÀ-Þ][a-zà-ÿ'’.-]+){0,4}")
_NOT_DEBTOR = frozenset(("te", "el", "la", "le", "the", "si", "if", "hi", "hola", "dear", "hallo", "bonjour",
                         "de", "del", "da", "do", "dos", "du", "des", "von", "&",
                         "ola", "olá", "factura", "invoice", "rechnung", "facture", "fatura", "no", "sin"))


def _debtors_of(text: str, user: str) -> list[str]:
    """Who owes what ``text``'s lines about unpaid invoices speak of (see ``_debtors``)."""
    folded = fold(text)
    if not _UNPAID_LINE.search(folded):
        return []
    return [n for line, low in zip(text.splitlines(), folded.splitlines())
            if _UNPAID_LINE.search(low) for n in _debtors(line, user) if not _is_page_name(n)]


def _debtors(line: str, user: str) -> list[str]:
    """Names of firms or people on a line about an unpaid invoice (never the person's own)."""
    own = {fold(w) for w in user.split()}
    out = []
    for m in _DEBTOR.finditer(line):
        words = m.group(0).split()
        while words and fold(words[0]) in _NOT_DEBTOR:
            words = words[1:]
        name = " ".join(words)
        if name and not ({fold(w) for w in words} & own) and not entities.is_street(name) \
                and (len(words) > 1 or (len(name) > 3 and not everyday_anywhere(name.casefold()))) \
                and fold(name) not in WEEKDAYS and fold(name) not in MONTHS:
            out.append(name)
    return out


def _rota_days(text: str, folded: str, first: str, seen: float) -> list[tuple[date, bool]]:
    """(day, whether the line names the person) for days said on lines about being on call or
    naming the person (a rota's row: "Mar 15 09:00 – Mar 22 09:00  Lukas Brandt (you)")."""
    at = datetime.fromtimestamp(seen)
    out = []
    for line, low in zip(text.splitlines(), folded.splitlines()):
        named = bool(first) and first in low and (bool(_ON_CALL_LINE.search(line)) or len(line) < 80)
        if named or _ON_CALL_LINE.search(line):
            out += [(d, named) for d, _ in date_mentions(line, at, relative=False) if d >= at.date()]
    return out


# the day a baby is due, in the five languages
_DUE_DATE = re.compile(r"due date|\bdue on\b|\bdue\b.{0,20}\bbaby\b|prevista do parto|data provavel do parto|"
                       r"fecha probable de parto|\bfpp\b|geburtstermin|errechneter termin|"
                       r"terme prevu|date prevue d.accouchement|\bdpa\b")
# a line about someone else's health: a relative named on it
_RELATIVE = re.compile(r"\b(?:mother|father|mum|mom|dad|son|daughter|sister|brother|husband|wife|"
                       r"grandm|grandf|madre|padre|mama|papa|hij[oa]|herman[oa]|abuel[oa]|"
                       r"mae|pai|filh[oa]|irma|irmao|avo|mutter|vater|sohn|tochter|schwester|"
                       r"bruder|oma|opa|mere|pere|fils|fille|soeur|frere|grand-m|grand-p)\b")


_ANIMALS = {"cat": "cat", "gato": "cat", "gata": "cat", "katze": "cat", "chat": "cat", "dog": "dog",
            "perro": "dog", "cao": "dog", "cachorro": "dog", "hund": "dog", "chien": "dog"}
_ANIMAL = re.compile(r"\b(" + "|".join(_ANIMALS) + r")s?\b")


def _conditions(folded_line: str) -> set[str]:
    found = {name for name, pattern in _CONDITIONS if pattern.search(folded_line)}
    if "an infected bite" in found and (animal := _ANIMAL.search(folded_line)):
        found = (found - {"an infected bite"}) | {f"an infected {_ANIMALS[animal.group(1)]} bite"}
    return found


# A colleague on a line about a swap: "Ronny tauscht mit mir", "→ Kaczmarek, R.", "con Javier"
_COLLEAGUE = re.compile(
    r"(?:\b(?:with|mit|con|com|avec)\s+|→\s*)(?P<a>[A-ZÀ-Þ][\w'’-]+(?:[ \t][A-ZÀ-Þ][\w'’-]+)?)\b(?!,\s?[A-Z]\.)|"
    r"\b(?P<b>[A-ZÀ-Þ][\w'’-]+)\s+(?:tauscht|swaps|cambia|troca|échange)\b|"
    r"(?P<c>[A-ZÀ-Þ][\w'’-]+),\s?[A-Z]\.")


def _heading(text: str) -> str | None:
    """A document's heading: its first line in capitals of three words or more."""
    for line in text.splitlines()[1:12]:  # after the window title
        words = [w for w in re.findall(r"[^\W\d_]+", line) if len(w) > 1]
        if len(words) >= 3 and all(w.isupper() for w in words) and 10 <= len(line.strip()) <= 90:
            return " ".join(line.split())
    return None


def _full_name(surname: str, feats: list[_Features]) -> str:
    """A colleague named by surname, with the first name the window gives them where it does:
    "Ruiz Peña, Javier" on a form, "Javier Ruiz" heading a chat."""
    last = re.escape(surname.split()[0])
    firsts: Counter[str] = Counter()
    for f in feats:
        firsts.update(entities.name_as_written(m.group(0)).split()[0] for m in re.finditer(
            rf"\b{last}(?:[ \t]+[A-ZÀ-Þ][\w'’-]+)?,[ \t]*[A-ZÀ-Þ][\w'’-]+", f.text, re.I))
        firsts.update(m.group(1) for m in re.finditer(
            rf"^[ \t]*([A-ZÀ-Þ][a-zà-ÿ]+)[ \t]+{last}\b", f.text, re.M))
    return f"{firsts.most_common(1)[0][0]} {surname.split()[0]}" if firsts else surname


def _colleagues(line: str) -> list[str]:
    return [m.group("a") or m.group("b") or m.group("c") for m in _COLLEAGUE.finditer(line)
            if fold(m.group("a") or m.group("b") or m.group("c")) not in
            {"mir", "me", "mi", "moi", "mim", "ihr", "dir", "dem", "der", "the"}]


# Buying a home: what is bought, the lines that speak of the loan, and the lender on them
# ("CEPAC – Conseiller Habitat … offre de prêt", "Prêt CEPAC 285 000 €", "Crédito Banorte").
_PROPERTY = {w: "house" for w in ("house", "maison", "casa", "haus", "einfamilienhaus", "moradia")} | \
    {w: "flat" for w in ("flat", "apartment", "departamento", "depa", "piso", "appartement", "wohnung",
                         "eigentumswohnung", "apartamento")}
_PROPERTY_RE = re.compile(r"(?i)\b(?:" + "|".join(_PROPERTY) + r")\b")
_MORTGAGE_LINE = re.compile(r"mortgage|home loan|hipotec|credito|pret\b|pret immobilier|hypothek|"
                            r"baufinanzierung|darlehen|financiamento|emprestimo")
_LENDER = re.compile(
    r"(?:^[ \t]*|\b(?:Prêt|Pret|Crédito|Credito|Loan|Darlehen|Hypothek|Hipoteca|Financiamento)[ \t]+)"
    r"(?P<org>[A-Z][A-Za-zÀ-ÿ&'’.-]*(?:[ \t][A-Z][A-Za-zÀ-ÿ&'’.-]*){0,2})(?=[ \t]*(?:[–—|·(-]|[ \t]{2}|$))", re.M)
_NOT_LENDERS = frozenset(("seguimiento", "simulador", "offre", "votre", "your", "mortgage", "credito",
                          "crédito", "prêt", "pret", "hipoteca", "estatus", "status", "valor", "hipotecario",
                          "hipotecaria", "immobilier", "habitat", "habitacao", "imobiliario", "bancario",
                          "gesponsert", "sponsored", "anzeige", "werbung", "publicidad", "publicite",
                          "patrocinado", "annonce", "ad"))
# a chat turn's speaker ("Lucas: confirmando …"): a person, whatever towns share the name
_SPEAKER = re.compile(r"(?m)^[ \t]*([A-ZÀ-Þ][\w'’-]+)(?:[ \t]+[A-ZÀ-Þ][\w'’-]+)?[ \t]*:[ \t]")
_ONCALL_TEAM = re.compile(r"#?\b([a-z][a-z0-9]*(?:-[a-z0-9]+)*?)-on-?call\b", re.I)
_ON_CALL_LINE = re.compile(r"(?i)on[- ]?call|rufbereitschaft|bereitschaftsdienst|pager|\bprimary\b|"
                           r"\(you\)|guardia|astreinte|sobreaviso|plant[aã]o")
_INCIDENT_ID = re.compile(r"\b(?:INC|SEV|INCIDENT)-?\d{2,6}\b", re.I)
_ALERTED = re.compile(r"(?:FIRING|Triggered|ALERT)\b[^\n]{0,40}?\b([a-z][a-z0-9]*(?:-[a-z0-9]+)+)\b")
_FLATMATE = re.compile(r"(?i)\b(?:flatmates?|roommates?|housemates?|mitbewohner(?:in)?|wg-casting|"
                       r"wg-gesucht|nachmieter(?:in)?|colocataires?|colocation|compañer[oa] de piso|"
                       r"companheir[oa] de casa|room in (?:a|our) (?:flat|house) share)\b")
_FROM_HEADER = re.compile(r"^\s*(?:From|De|Von|Da|Expéditeur)\s*:\s*(?P<name>[^<\n]{2,60})", re.M)
_COMPOSE = re.compile(r"(?i)compose|new message|redactar|responder|antwort verfassen|verfassen|"
                      r"rédiger|réponse|nova mensagem|responder|escrever|^re:|^aw:")


def _news_in(text: str) -> list[tuple[str, str]]:
    """(person, news) for each line a person writes or is listed with that gives news."""
    found = []
    for m in _NEWS_LINE.finditer(text):
        for what, pattern in _NEWS.items():
            if pattern.search(m.group("said")):
                found.append((m.group("name"), what))
    return list(dict.fromkeys(found))


_HEART = re.compile(r"[❤♥💕💖💗💓💞💘💝🧡💛💚💙💜🤍🤎🖤😍😘]")
_AFFECTION = re.compile(r"\b(?:love you|love u|thanks love|babe|baby|honey|darling|sweetheart|xx+|"
                        r"amor|cariño|carino|mi vida|querid[oa]|chéri(?:e)?|mon cœur|mon coeur|bisous|"
                        r"schatz|liebling|hab dich lieb|meu amor|beijinhos?|te amo|je t'aime)\b", re.I)


_FAMILY_GROUP = re.compile(
    r"^\s*(?:(?P<a>[A-ZÀ-Þ][\w'’-]+)\s+(?i:family|familie)|(?i:família|familia|famille|familie)\s+"
    r"(?P<b>[A-ZÀ-Þ][\w'’-]+))\b[^\n,]{0,12}?\s{2,}(?P<members>[^\n]{3,120})$", re.M)
_PARENT_WORDS = frozenset(("mum", "mom", "mam", "dad", "mama", "papa", "mãe", "mae", "pai", "mamá",
                           "papá", "maman", "mutter", "vater", "mami", "papi"))


def _family_members(text: str) -> list[str]:
    """The members listed under a family group's name, when their parents are among them."""
    out: list[str] = []
    for m in _FAMILY_GROUP.finditer(text):
        members = [w.strip() for w in m.group("members").split(",") if w.strip()]
        if not any(w.casefold() in _PARENT_WORDS for w in members):
            continue
        out += [w for w in members if w.casefold() not in _PARENT_WORDS and w.casefold() not in (
            "you", "du", "tú", "tu", "vous", "você", "voce") and re.fullmatch(r"[A-ZÀ-Þ][\w'’-]+", w)]
    return list(dict.fromkeys(out))


# a message that opens by calling its reader mum or dad, in five languages
_CALLS_PARENT = re.compile(
    r"^\s*(?P<name>[A-ZÀ-Þ][\w'’-]+(?: [A-ZÀ-Þ][\w'’-]+)?)\s*(?:\[?\d{1,2}:\d\d\]?\s*)?:?\s+"
    r"(?:(?i:hi|hey|hello|coucou|salut|bonjour|hola|oi|olá|hallo|ciao)\s+)?"
    r"(?i:mum|mom|mummy|mommy|mama|mamá|mamã|mãe|mamãe|maman|mutti|mami|dad|daddy|papa|papá|pai|"
    r"papai|vati)\b\s*[,!:?]", re.M)


_OTHER_PATIENT = re.compile(r"(?i)\b(?:patient|paciente|patientin|patiente)\w*\s*:")


def _received_mail(text: str, user: str) -> bool:
    """A mail someone else sent: its From line names another."""
    m = _FROM_HEADER.search(text)
    own = {fold(w) for w in user.split()}
    return bool(m and own and not ({fold(w) for w in re.findall(r"[^\W\d_]+", m.group("name"))} & own))


_SUPERVISED = re.compile(
    r"(?i:supervised by|under the supervision of|my (?:phd |thesis |doctoral )?supervisor,?|"
    r"sous la direction de|directeur de th[èe]se\s*:?|directrice de th[èe]se\s*:?|dirigid[ao] por|"
    r"director[a]? de (?:tesis|tese)\s*:?|orientad[oa] (?:por|pel[ao])|orientador[a]?\s*:|"
    r"betreut von|betreuer(?:in)?\s*:|doktorvater\s*:?|doktormutter\s*:?)\s+"
    r"(?P<who>(?:(?:Prof|Profa|Dr|Dra|Pr)\.?\s+){0,2}[A-ZÀ-Þ][\w'’-]+(?:\s+[A-ZÀ-Þ][\w'’-]+){1,2})")
# "1. Prof. Bertrand Achard (Université Lumière Lyon 2) – PhD supervisor"
_SUPERVISOR_AFTER = re.compile(
    r"(?<![\w'’-])(?P<who>(?:(?:Prof|Profa|Dr|Dra|Pr)\.?\s+){0,2}[A-ZÀ-Þ][\w'’-]{1,30}"
    r"(?:\s+[A-ZÀ-Þ][\w'’-]{1,30}){1,2})"
    r"[^\n–—-]{0,60}[–—-]\s*(?i:(?:phd |thesis |doctoral )?supervisor|directeur de th[èe]se|"
    r"directrice de th[èe]se|orientador[a]?|betreuer(?:in)?|doktorvater|doktormutter)\b")


_TITLE = re.compile(r"^(?:(?:Prof|Profa|Dr|Dra|Pr)\.?\s+)+")


# Who approves the person's requests, named with a manager's title: "Aprobación requerida: GIL
# CABRERA, ROCÍO (Supervisora de Enfermería UCI)", "Approver: Sandra Köhler (Team Lead)".
_APPROVER = re.compile(
    r"(?i:aprobaci[oó]n(?: requerida)?|aprobad[oa] por|approval(?: required)?|approved by|approver|"
    r"genehmigung|genehmigt von|freigabe durch|validation|valid[ée]e? par|aprova[cç][aã]o|"
    r"aprovad[oa] por)\s*:?\s*"
    r"(?P<who>[A-ZÀ-Þ][\w'’-]+(?:[ \t]+[A-ZÀ-Þ][\w'’-]+){0,2},[ \t]*[A-ZÀ-Þ][\w'’-]+|"
    r"[A-ZÀ-Þ][\w'’-]+(?:[ \t]+[A-ZÀ-Þ][\w'’-]+){1,2})[ \t]*"
    r"\((?i:supervisor[a]?|line manager|manager|jef[ea]|teamleiter(?:in)?|team ?lead|"
    r"vorgesetzte[r]?|cheffe|chef|responsable|gestor[a]?|chefe|coordinador[a]?|coordenador[a]?)\b")


def _supervisors_in(text: str) -> list[str]:
    """Who the text names as a thesis supervisor (not a co-supervisor), or as the manager who
    approves the person's requests."""
    out = [m.group("who") for m in _SUPERVISED.finditer(text)]
    out += [entities.name_as_written(m.group("who")) for m in _APPROVER.finditer(text)]
    out += [m.group("who") for m in _SUPERVISOR_AFTER.finditer(text)
            if not re.search(r"(?i)\bco-?(?:supervisor|directeur|directrice|orientador)",
                             text[m.start():m.end()])]
    return list(dict.fromkeys(out))


_MODES = {
    # (the initials only in capitals: "ter" is Portuguese for "to have", "ave" a bird)
    "train": re.compile(r"\b(?:(?i:(?<!meal )train|trains|rail|railway|sncf|ouigo|intercit[eé]s|eurostar|"
                        r"renfe|tren|bahn|deutsche bahn|zug|comboio|trenitalia|amtrak|lner)|"
                        r"TER|TGV|AVE|ICE|IC|CP|DB|GWR)\b"),
    "plane": re.compile(r"\b(?i:flight|flights|airline|boarding pass|vol|vols|vuelo|vuelos|voo|"
                        r"voos|flug|flüge|embarque|embarquement|aéroport|aeropuerto|aeroporto|"
                        r"flughafen|airport)\b|\([A-Z]{3}\)\s*(?:→|⇄|->|–|-)"),
    "ferry": re.compile(r"(?i)\b(?:ferry|ferries|ferri|fähre|balsa|traversée)\b"),
    "coach": re.compile(r"(?i)\b(?:coach|flixbus|blablacar bus|autocar|fernbus)\b"),
}


def _travel_modes(text: str) -> list[str]:
    """The ways of travelling a window speaks of."""
    return [mode for mode, pattern in _MODES.items() if pattern.search(text)]


_SPOUSES = ("spouse", "wife", "husband")
# a form's list of the people it covers: "Assurés : Françoise DELMAS, Jean-Pierre DELMAS"
_HOLDERS = re.compile(
    r"(?i:assur[ée]e?s|titulaires?|b[ée]n[ée]ficiaires|named insureds?|policyholders?|insured|"
    r"account holders?|asegurados|titulares|segurados|benefici[aá]rios|versicherte|kontoinhaber)"
    r"\s*:\s*(?P<list>[^\n]{5,160})")


def _holders_beside(text: str, user: str) -> list[str]:
    """The others a form lists beside the person ("Assurés : Françoise DELMAS, Jean-Pierre
    DELMAS"), their names as people write them; none where the person is not listed."""
    words = user.split()
    if len(words) < 2:
        return []
    first = fold(words[0])
    out = []
    for m in _HOLDERS.finditer(text):
        names = [" ".join(n.split()) for n in re.split(r"\s*[,;]\s*|\s+(?:and|et|y|e|und)\s+",
                                                       re.split(r"\s{3,}|[—–|]", m.group("list"))[0])]
        names = [re.sub(r"^(?:M(?:me|lle|r|rs|s)?\.?|Sra?\.?|Frau|Herr)\s+", "", n) for n in names if n]
        if not any(first in fold(n) for n in names):
            continue  # a form about others
        out += [entities.name_as_written(n) for n in names
                if first not in fold(n) and 2 <= len(n.split()) <= 4 and n[:1].isupper()]
    return list(dict.fromkeys(out))


def _co_holders(text: str, user: str) -> list[str]:
    """The others a form covers beside the person who share their family name."""
    last = fold(user.split()[-1]) if user.split() else ""
    return [n for n in _holders_beside(text, user) if fold(n).split()[-1] == last]


_HOME_CONTRACT = re.compile(r"(?i)contrat (?:d'?\s?)?(?:électricité|electricite|gaz|énergie|energie)|"
                            r"\bbail\b|\blease\b|tenancy|mietvertrag|stromvertrag|"
                            r"contrato de (?:arrendamiento|arrendamento|locação|locacao|alquiler|luz|energía)|"
                            r"electricity (?:account|contract)|energy account")


def _flatmates(text: str, user: str) -> list[str]:
    """Others named with the person on a home's contract, of another family name: flatmates."""
    if not _HOME_CONTRACT.search(text):
        return []
    last = fold(user.split()[-1]) if user.split() else ""
    return [n for n in _holders_beside(text, user) if fold(n).split()[-1] != last]


def _child_word(name: str, texts: list[str]) -> str:
    """"daughter" or "son" where a title before their name says which, else "child"."""
    first = re.escape(name.split()[0])
    for text in texts:
        if re.search(rf"\b(?:Mme|Mrs|Ms|Miss|Mlle|Sra|Srta|Frau|Dña|Madame|Señora|Senhora)\.?\s+{first}\b", text):
            return "daughter"
        if re.search(rf"\b(?:Mr|Sr|Herr|Monsieur|Señor|Senhor)\.?\s+{first}\b|\bM\.\s+{first}\b", text):
            return "son"
    return "child"


def _days_said(text: str, days: set[date]) -> set[date]:
    """Which of ``days`` a sentence says: "on Saturday 14 November", "around 5–13 December",
    "around 28 November – 2 December"."""
    out = {d for d in days if re.search(rf"\b{d.day} {_MONTH_NAMES[d.month - 1]}\b", text)}
    for m in re.finditer(r"\b(\d{1,2})(?: ([A-Z][a-z]+))? – (\d{1,2}) ([A-Z][a-z]+)|"
                         r"\b(\d{1,2})–(\d{1,2}) ([A-Z][a-z]+)", text):
        a, b = (m.group(1), m.group(3)) if m.group(1) else (m.group(5), m.group(6))
        months = [m.group(2) or m.group(4), m.group(4)] if m.group(1) else [m.group(7)] * 2
        if all(x in _MONTH_NAMES for x in months):
            first = (_MONTH_NAMES.index(months[0]) + 1, int(a))
            last = (_MONTH_NAMES.index(months[1]) + 1, int(b))
            out |= {d for d in days if first <= (d.month, d.day) <= last
                    or (first > last and ((d.month, d.day) >= first or (d.month, d.day) <= last))}
    return out


# a message that calls its reader brother or sister (not "my sister", which is a third one)
_CALLS_SIBLING = re.compile(
    r"^\s*(?P<name>[A-ZÀ-Þ][\w'’-]+(?: [A-ZÀ-Þ][\w'’-]+)?)[^\w\n]*(?:\[?\d{1,2}:\d\d\]?)?\s*:?\s+"
    r"[^\n]*?(?<!\bmi )(?<!\bmy )(?<!\btu )(?<!\bma )(?<!\bmon )(?<!\bminha )(?<!\bmeine )(?<!['’]s )"
    # (not "sis" or "bro", which friends call each other too)
    r"\b(?i:hermanita|hermanito|irmãzinha|irmazinha|maninha|maninho|frangine|"
    r"frérot|frerot|sœurette|soeurette|schwesterherz|schwesterchen|brüderchen)\b", re.M)


_SIBLING_WORD = re.compile(r"(?i)hermanit|irm[ãa]zinh|manin|frangine|fr[ée]rot|s(?:œ|oe)urette|"
                           r"schwester(?:herz|chen)|brüderchen")


def _calls_sibling(text: str) -> list[str]:
    """Chat speakers who call the message's reader brother or sister."""
    if not _SIBLING_WORD.search(text):
        return []  # the common case, found fast: the full pattern is slow on long chats
    lines = "\n".join(line for line in text.splitlines() if _SIBLING_WORD.search(line))
    return list(dict.fromkeys(m.group("name") for m in _CALLS_SIBLING.finditer(lines)
                              if fold(m.group("name").split()[0]) not in _NOT_A_SPEAKER
                              and not re.search(r"['’]", m.group("name"))  # "You're the best sister"
                              and fold(m.group("name")) not in entities.RELATIONS))


def _calls_parent(text: str) -> list[str]:
    """Chat speakers who open a message by calling its reader mum or dad."""
    out = []
    for m in _CALLS_PARENT.finditer(text):
        name, rest = m.group("name"), text[m.end("name"):text.find("\n", m.end()) % (len(text) + 1)]
        # not the person ("Tú:", "Vous"), a group ("Familia Giménez: Mamá, Papá, Sofi, tú") nor a
        # relative's own name
        if fold(name.split()[0]) in _NOT_A_SPEAKER or fold(name) in entities.RELATIONS or \
                re.fullmatch(r"[\s:]*(?:[^\W\d_]+(?: [^\W\d_]+)?\s*(?:,|$)\s*){2,}", rest):
            continue
        out.append(name)
    return list(dict.fromkeys(out))


_NOT_A_SPEAKER = frozenset((
    "you", "tu", "yo", "vous", "moi", "eu", "voce", "ich", "du", "me", "familia", "family",
    "famille", "familie", "group", "grupo", "groupe", "gruppe"))


def _hearted_partner(text: str) -> list[str]:
    """The contact a chat is saved under with a heart, where the chat is affectionate: the
    person's partner (a relative saved so — "Mãe ❤️" — is named by the relation instead)."""
    affection = bool(_AFFECTION.search(text) or re.search("[😍😘🥰]", text))
    out = []
    for m in re.finditer(r"^\s*(?P<name>[A-ZÀ-Þ][\w'’-]+(?: [A-ZÀ-Þ][\w'’-]+)?)\s*(?P<heart>"
                         + _HEART.pattern + r")", text, re.M):
        name = m.group("name")
        # a red heart is what couples save each other with; other hearts need the words too
        if not (affection or m.group("heart") in "❤♥😍😘"):
            continue
        if name.casefold() not in entities.RELATIONS and fold(name) not in entities.RELATIONS:
            out.append(name)
    return list(dict.fromkeys(out))


_MAILISH = re.compile(r"mail|outlook|thunderbird|compose|sent", re.I)
_BROWSER = re.compile(r"(?i)chrome|chromium|firefox|safari|edge|brave|opera|vivaldi|browser")
_CHAT_APPS = re.compile(r"whatsapp|messages|messenger|signal|telegram|slack|teams|discord|"
                        r"imessage|wechat|line$|viber|element", re.I)


# a month, a week or a day as a window's subject ("mars 2026", "Semana 12"): no thing
_DATE_SUBJECT = re.compile(
    rf"(?:(?:{'|'.join(sorted(WEEKDAYS, key=len, reverse=True))})\.?,?\s+)?(?:\d{{1,2}}\.?\s+)?"
    rf"(?:(?:{'|'.join(sorted((fold(m) for m in MONTHS), key=len, reverse=True))})\.?\s*\d{{0,4}}|"
    r"(?:week|semaine|semana|woche|kw)\s*\d{1,2})")


# A social feed: other people's posts, whatever they say of jobs, trips or races
_FEED = re.compile(r"(?i)\b(?:twitter|x\.com|instagram|tiktok|threads\.net|bsky|mastodon)\b|"
                   r"\s/\s*X\b|\bfacebook\b(?!.*marketplace)|\(@\w+\)")


def _is_feed(o: Observation) -> bool:
    return bool(_FEED.search(f"{o.app or ''} {o.window_title or ''} {o.url or ''}"))


def _site_names(o: Observation) -> set[str]:
    """The names a page's site goes by: "wallapop" for es.wallapop.com."""
    host = urlsplit(o.url).hostname or "" if o.url else ""
    return {part for part in host.split(".") if len(part) > 3}


def _is_page_name(subject: str) -> bool:
    """"Dashboard", "ed Discussion", "Messages": one or two everyday words naming a page."""
    words = re.findall(r"[^\W\d_]+", subject)
    # a page is named in title case; a file called "thesis" is the person's own
    # in whatever language the app speaks ("Buzón", "Nachrichten", "Caixa de entrada")
    return 0 < len(words) <= 2 and len(subject.split()) <= 2 and subject[:1].isupper() and all(
        everyday_anywhere(w.lower()) or len(w) <= 2 for w in words) and \
        not any(w.isupper() and len(w) > 1 for w in words)


_PERSONAL = re.compile(
    r"\b(?:I|I'm|I'll|I've)\b|\b(?i:you|your|you're|we|we're|our|my|me|us|tu|tus|usted|su|sus|"
    r"seu|sua|você|vocês|votre|vos|vous|ton|ta|tes|dein|deine|ihr|ihre|sie|mein|meine|wir|uns|"
    r"meu|minha|mi|mis|mon|ma|mes|nous|nosotros|nuestro|nuestra|nosso|nossa)\b")
_PERSONAL_APPS = re.compile(r"calend|agenda|kalender|mail|outlook|thunderbird|whatsapp|messages|"
                            r"signal|telegram|slack|teams|discord|messenger|doctolib|zoom|"
                            # the person's own planning: a spreadsheet, notes, a to-do list
                            r"excel|sheets|numbers|libreoffice calc|onenote|obsidian|notion|"
                            r"\bnotes\b|\bkeep\b|todoist|to ?do|trello|planner", re.I)


# job-search cues that are also anyone's everyday work ("two jobs booked for Thursday")
_WORK_WORDS = frozenset(("job", "jobs", "position", "opening", "careers", "poste", "stelle"))
# News of a disease in the population (folded text), in five languages
_PUBLIC_HEALTH = re.compile(r"\b(?:epidemi|epidemic|pandemi|outbreak|brote|surto|ausbruch|"
                            r"flu season|wave of|vague de|ola de|onda de|welle|cases|casos|cas de|"
                            r"falle|urgences|emergency departments?|hospitals|hopitaux|hospitales|"
                            r"krankenhauser|hospitais)")


def _involves_user(line: str, o: Observation) -> bool:
    """A date is the person's when the text speaks to or for them, or sits in their calendar or
    their messages; a date in a news article or an advert is not."""
    return bool(_PERSONAL.search(line) or _PERSONAL_APPS.search(f"{o.app} {o.window_title}"))


# Before an event noun: someone else's ("his birthday", "son anniversaire"; not "su cita", which
# is also the formal "your"), or
# none at all ("no hay clase", "kein Unterricht", "pas de cours", "no class", "cancelled")
_NOT_THEIRS = re.compile(
    r"(?:\b(?:his|her|their|sein(?:e[mnrs]?)?|son|sa|ses|leur|leurs)"
    r"|(?-i:\bihr(?:e[mnrs]?)?)"
    r"|\b(?:no|not|without|sin|kein(?:e[mnrs]?)?|pas\s+de|pas\s+d'|plus\s+de|sans|n[aã]o|sem)"
    r"(?:\s+(?:hay|there\s+is|there'?s|gibt\s+es|h[aá]|y\s+a))?"
    r"|\b(?:cancel+ed|cancelad[oa]|annul[ée]e?s?|abgesagt|desmarcad[oa]|postponed|aplazad[oa])"
    r")\s+(?:\w+\s+)?$", re.I)
# "au cours de" is "during", "en cours" "under way": no class
_NOT_A_CLASS = re.compile(r"(?i)\b(?:au|en|du)\s+$")


def _not_their_event(line: str, start: int, noun: str) -> bool:
    """Whether the event noun at ``start`` is someone else's, negated, or part of a quoted
    title (« Rééducation vestibulaire : examen clinique … » names a course, not an exam)."""
    before = line[max(0, start - 30):start]
    if _NOT_THEIRS.search(before):
        return True
    if noun.casefold() == "cours" and (_NOT_A_CLASS.search(before) or re.search(r"\d\s*$", before)
                                       or re.match(r"\s+[A-Z]", line[start + len(noun):])):
        return True  # "au cours de" is "during"; "8 cours Foch", "Cours Mirabeau" are streets
    head = line[:start]
    opened = max(head.rfind("«"), head.rfind("“"))
    return opened >= 0 and opened > max(head.rfind("»"), head.rfind("”"))


_RELATIVE_DAY = re.compile(r"(?i)\b(?:tomorrow|today|tonight|amanh[ãa]|hoje|(?<!la )ma[ñn]ana|hoy|morgen|heute|"
                           r"demain|aujourd'hui|ce soir)\b")


_MEDICAL = re.compile(r"\b(?:operation|surgery|appointment|check-?up|vaccination|consultation|"
                      r"hearing test|scan)\b")
_FAMILY = frozenset(("mother", "father", "grandmother", "grandfather", "sister", "brother",
                     "daughter", "son", "wife", "husband", "partner"))


def _kin_in(line: str) -> str | None:
    """The relative a line names by a family word ("papá", "Mum", "mamie"), if one."""
    for word in re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)?", line):
        rel = entities.RELATIONS.get(word.casefold())
        if rel in _FAMILY and (word[:1].isupper() or word.casefold() not in _KIN_COMMON):
            return rel
    return None


# family words that are everyday words in lower case elsewhere ("son" is Spanish for "they are",
# "mari" and "fille" are everyday French): counted only capitalised
_KIN_COMMON = frozenset(("son", "mann", "frau", "femme", "fille", "fils", "mari", "mujer", "partner"))


# Exams people prepare for by name, in the five languages (generic: no one's own)
_EXAM_NAME = re.compile(
    r"\b(?:oposiciones|Gesellenprüfung(?: Teil \d)?|Abschlussprüfung(?: Teil \d)?|Meisterprüfung|"
    r"Staatsexamen|Abitur|TOEFL(?: iBT)?|IELTS|Cambridge (?:First|Advanced|Proficiency)|DELE(?: [ABC][12])?|"
    r"DELF(?: [ABC][12])?|DALF(?: C[12])?|Goethe-Zertifikat(?: [ABC][12])?|baccalauréat|ENEM|"
    r"vestibular|concurso público|bar exam|GRE|GMAT|LSAT|MCAT|USMLE|MIR|EIR|CAPES|agrégation|"
    r"prova (?:de|da) (?:especialidade|ordem)|exame (?:de|da) (?:especialidade|ordem|acesso))\b")


def _english_word(word: str) -> bool:
    """An everyday English word, and no more another language's ("avant la deadline" is
    French around an English noun)."""
    en = common_zipf(word)
    return en >= 3.0 and en >= max(common_zipf(word, lang) for lang in ("es", "de", "fr", "pt")) - 0.5


def _event_phrase(line: str, when: date, seen: float) -> str | None:
    """"a technical interview with Northwind Analytics" from the sentence that holds a date:
    the event named nearest to where the date is mentioned."""
    spans = [span for d, span in date_mentions(line, datetime.fromtimestamp(seen)) if d == when]
    at = spans[0][0] if spans else 0
    best: tuple[int, str] | None = None
    where = 0
    for m in _EVENT_RE.finditer(line):
        if re.search(r"(?i)packed lunch|lunch ?box|lunch break|dinner time", m.group("phrase")):
            continue  # food to pack, a pause: no event
        said = m.group("phrase")
        words = said.split()
        # the words before the event noun describe it ("technical interview"); names, numbers
        # and sentence fragments before them do not. What follows it ("with Northwind
        # Analytics", "with Dr Adams") says whose or where, and stays.
        tail = _EVENT_TAIL.search(said)
        body = said[:tail.start()] if tail else said
        noun = None
        for noun in _EVENT_NOUN.finditer(body):  # the last noun before the tail: "GP surgery appointment"
            pass
        head = len(said[:noun.start()].split()) if noun else len(words) - 1
        keep = []
        for w in words[:head]:
            ok = (re.fullmatch(r"[a-z]+|\d+-[a-z]+", w) is not None and w not in _ARTICLE_SKIP
                  and _english_word(w.split("-")[-1])) or _ACRONYM.fullmatch(w) is not None
            keep = keep + [w] if ok else []
        # "with our data platform team" is the sender's team: said as "the"
        words = keep + [("the" if w.lower() in ("our", "my", "your") and j > 0 else w)
                        for j, w in enumerate(words[head:])]
        if not words or _not_their_event(line, m.start() + said.find(words[0]),
                                         noun.group(0) if noun else words[-1]):
            continue
        if noun and fold(noun.group(0)).rstrip("s") == "operation" and not _MEDICAL_CONTEXT.search(line):
            continue  # "maintenance operation", "operations team": no surgery
        distance = abs(m.start() - at) if m.start() <= at else 2 * (m.start() - at)
        if best is None or distance < best[0]:
            best = (distance, " ".join(words))
            where = m.start()
    for m in _FOREIGN_EVENT_RE.finditer(line):
        if _not_their_event(line, m.start(), m.group("noun")):
            continue
        if _FOREIGN_EVENTS[m.group("noun").casefold()] == "operation" and not _MEDICAL_CONTEXT.search(line):
            continue  # "operación bancaria", "opération de maintenance": no surgery
        distance = abs(m.start() - at) if m.start() <= at else 2 * (m.start() - at)
        if best is None or distance < best[0]:
            # the name after the noun says which ("examen TOEFL iBT": the TOEFL iBT exam), and a
            # course says what it teaches ("Curso de Soporte Vital Avanzado (SVA)")
            named = _NAMED_AFTER.match(line, m.end())
            said = (f"{named.group(1)} " if named else "") + _FOREIGN_EVENTS[m.group("noun").casefold()]
            topic = _COURSE_TOPIC.match(line, m.end()) if said == "course" else None
            best = (distance, f"course in {topic.group('topic')}" if topic else said)
            where = m.start()
    if not best:
        return None
    # "Amanhã tenho consulta … a data prevista do parto (28 de junho)": the event is tomorrow,
    # and the date in the line is another thing's
    near_day = min((abs(r.start() - where) for r in _RELATIVE_DAY.finditer(line)), default=None)
    if near_day is not None and near_day < abs(at - where):
        return None
    noun = _EVENT_NOUN.search(best[1])
    if noun and noun.group(0).endswith("s") and noun.group(0)[:-1].lower() in _EVENT_NOUNS:
        # "swimming lessons": one lesson
        best = (best[0], best[1][:noun.end() - 1] + best[1][noun.end():])
    phrase = best[1][0].lower() + best[1][1:] if best[1][:2].istitle() else best[1]
    return f"{_article(phrase)} {phrase}"
