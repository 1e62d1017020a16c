"""Named things in screen text: people, places, organisations, amounts, roles and projects.

No model: people come from where text names them (mail headers, greetings, sign-offs, chat
speakers, @mentions, "my sister Ana"), places from the GeoNames gazetteer shipped in
``data/places.tsv.gz``, organisations from company suffixes and the workspace in a chat title,
projects from the root of the repository a file belongs to.
"""

from __future__ import annotations

import gzip
import re
from collections import Counter
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path, PurePosixPath

from .activities import fold
from .dates import MONTHS, WEEKDAYS
from .packed import PackedMap
from .words import by_meaning

# a name's word, hyphenated ones whole ("Hans-Jürgen", "Thiessen-Krüger")
_NAME = r"[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ'’]+(?:-[A-ZÀ-ÖØ-Þa-zà-öø-ÿ][a-zà-öø-ÿ'’]+)*-?"
_FULL_NAME = rf"{_NAME}(?:[ \t]+(?:(?:de|da|do|dos|van|von|der|del|la|le)[ \t]+)?{_NAME}){{0,2}}"
_HEADER = re.compile(rf"^(?:From|To|Cc|De|Para|Von|An|À|A)\s*:\s*(?P<name>{_FULL_NAME})", re.M)
_GREETING = re.compile(
    rf"(?:^|[.!?]\s+)(?:Hi|Hello|Hey|Dear|Hola|Querid[oa]|Hallo|Liebe[r]?|Bonjour|Salut|Cher|"
    rf"Chère|Olá|Oi|Caro|Cara)\s+(?P<name>{_NAME})\b", re.M)
SIGNOFF = _SIGNOFF = re.compile(
    rf"(?:Love|Best|Cheers|Thanks|Regards|Best regards|Kind regards|Saludos|Un abrazo|Besos|"
    rf"Grüße|Viele Grüße|LG|Bises|Cordialement|Amitiés|Abraços|Beijos|Atenciosamente)"
    rf",?\s*(?:-\s*)?(?P<name>{_FULL_NAME})(?:\s*(?:&|and|y|und|et|e)\s*(?P<name2>{_NAME}))?", re.M)
_SPEAKER = re.compile(rf"^\s*(?:\[?\d{{1,2}}:\d\d\]?\s*)?(?P<name>{_FULL_NAME})\s*:\s+\S", re.M)
_MENTION = re.compile(r"@(?P<name>[A-Za-z][\w.-]{1,30})")

# "my sister Ana", "Ana (my sister)", "mi hermana Ana", "meine Schwester Ana" ...
RELATIONS = by_meaning({
    "mother": "mother mom mum mama mamá madre mutter mère mãe maman",
    "father": "father dad papa papá padre vater père pai",
    "sister": "sister hermana schwester sœur soeur irmã",
    "brother": "brother hermano bruder frère irmão",
    "daughter": "daughter hija tochter fille filha",
    "son": "son hijo sohn fils filho",
    "wife": "wife esposa mujer frau femme",
    "husband": "husband marido esposo mann mari",
    "partner": "partner girlfriend boyfriend novia novio freundin copine copain namorada namorado",
    "friend": "freund friend amiga amigo ami amie",
    "grandmother": "grandmother grandma granny abuela abuelita oma grand-mère mamie avó vovó",
    "grandfather": "grandfather grandpa abuelo abuelito opa grand-père papy avô vovô",
    "advisor": "advisor adviser",
    "supervisor": "supervisor",
    "manager": "manager boss",
    "landlord": "landlord vermieter",
    "teacher": "teacher",
    "doctor": "doctor",
    "colleague": "colleague coworker kollege kollegin collègue colega",
})
_POSSESSIVE = r"(?:my|mi|mis|meine?[nrm]?|mon|ma|mes|minha|meu|our|nuestra?|unsere?[nrm]?|notre|nossa|nosso)"
_REL_WORDS = "|".join(sorted((re.escape(w) for w in RELATIONS), key=len, reverse=True))
_RELATION = re.compile(
    rf"\b(?i:{_POSSESSIVE})\s+(?P<rel>(?i:{_REL_WORDS}))\b(?:,?[ \t]+(?P<name>{_NAME}))?")
_TITLE_PERSON = re.compile(rf"\b(?:Prof\.?|Professor|Dr\.?|Mr\.?|Mrs\.?|Ms\.?)\s+(?P<name>{_FULL_NAME})")

_ORG_SUFFIX = re.compile(
    rf"\b(?P<org>(?:{_NAME}|[A-Z]{{2,}})(?:\s+(?:{_NAME}|[A-Z]{{2,}}|&)){{0,3}}"
    # a legal form may follow a comma ("Sá Pinto Arquitetos, Lda."); other words may not
    r"(?:,?\s+(?:Inc|Ltd|LLC|GmbH|AG|SA|S\.A\.|SL|Lda|Ltda|plc)|\s+(?:Corp|Corporation|Company|Group|Labs|"
    r"Analytics|Logistics|Systems|Technologies|Solutions|Consulting|Bank|Insurance|"
    r"University|Universidad|Universität|Université|Universidade|Hospital|Clinic|School|"
    r"College|Institute|Foundation))\b\.?)")
_CURRENCY = r"(?:EUR|USD|GBP|CHF|BRL|€|\$|£|R\$)"
AMOUNT = re.compile(rf"(?:{_CURRENCY}\s?\d[\d.,]*|\d[\d.,]*\s?{_CURRENCY})")

#: files whose folder is the root of a project
PROJECT_MARKERS = (".git", "pyproject.toml", "setup.py", "Cargo.toml", "package.json", "go.mod",
                   "pom.xml", "build.gradle", "Gemfile", "composer.json", "mix.exs",
                   "CMakeLists.txt", "Makefile", "deno.json", "pubspec.yaml")
# Folders that hold projects or documents rather than name them, in the languages gumd reads.
CONTAINER_DIRS = frozenset(fold(d) for d in (
    "~", "home", "users", "root", "src", "source", "code", "dev", "projects", "project", "repos",
    "repositories", "git", "github", "gitlab", "work", "workspace", "workspaces", "documents",
    "desktop", "downloads", "tmp", "temp", "var", "opt", "mnt", "media", "volumes", "tests",
    "test", "lib", "docs", "doc", "build", "dist", "out", "bin", "pkg", "cmd", "internal", "app",
    "apps", "packages", "notes", "misc", "scratch", "sandbox", "private", "public", "shared",
    "documentos", "escritorio", "descargas", "proyectos", "dokumente", "schreibtisch",
    "downloads", "projekte", "documents", "bureau", "téléchargements", "projets", "área de trabalho",
    "transferências", "projetos", "pictures", "music", "videos", "movies", "library",
    "onedrive", "dropbox", "icloud drive", "google drive"))


@lru_cache(maxsize=1)
def _places() -> PackedMap:
    """The gazetteer: folded place name -> "name as people write it\tkind\tpopulation".

    Loaded once, on first use, and packed (see packed.py).
    """
    path = Path(__file__).parent / "data" / "places.tsv.gz"

    def rows() -> Iterator[tuple[str, str]]:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                key, name, kind, pop = line.rstrip("\n").split("\t")
                # Another name of a town that shares nothing with its own ("Nadia" for
                # Navadwīp) is far likelier a person's; exonyms of big cities ("Köln",
                # "Genf", "Praha") stay.
                if " " not in key and fold(name)[:3] != key[:3] and int(pop or 0) < 200_000:
                    continue
                yield key, f"{name}\t{kind}\t{int(pop or 0)}"

    return PackedMap(rows())


@lru_cache(maxsize=8192)
def _place(key: str) -> tuple[str, str, int] | None:
    """The gazetteer's (name, kind, population) for a folded name, or None."""
    row = _places().get(key)
    if row is None:
        return None
    name, kind, pop = row.split("\t")
    return name, kind, int(pop)


#: a town this small is said as one only after "in", "to", "nach" … or a postcode
SMALL_TOWN = 100_000

_CAP_RUN = re.compile(rf"{_NAME}(?:[ -]{_NAME}){{0,3}}|[A-Z]{{3,}}")


_PLACE_CONTEXT = re.compile(
    r"(?:\b(?:in|to|from|at|near|into|via|visit(?:ing)?|en|a|de|desde|para|em|no|na|do|da|del|"
    r"di|du|des|nach|von|bei|aus|zu|à|au|vers|dans)|->|→|[(,]|"
    r"\b(?:destination|destino|reiseziel|ziel)\s*:)\s*$", re.I)
# a street named after a place is not that place
_STREET = re.compile(r"\b(?:rua|calle|street|st\.?|avenue|ave\.?|avenida|av\.?|stra(?:ß|ss)e|rue|"
                     r"via|praça|praca|plaza|place|largo|travessa)\s+(?:de\s+|da\s+|do\s+|del\s+)?$",
                     re.I)


_VENUE_WORDS = frozenset(("hotel", "hostel", "restaurant", "bar", "cafe", "le", "la", "el", "the",
                          "les", "los", "las", "pousada", "pension", "gasthof", "casa", "chez",
                          "pizzeria", "brasserie", "taberna", "residence", "villa"))


def places_in(text: str, names: frozenset[str] = frozenset()) -> list[str]:
    """Places named in ``text`` (capitalised, in the gazetteer), in the order found; never a
    word of ``names`` (folded: the person's own name and the people the text names, since
    the gazetteer also holds "Nadia" as another name of Navadwīp).

    A place that is one word must stand where places stand (after "in", "to", "nach", "à",
    an arrow, a comma, or alone on a short line), since many are also people's names
    ("Jordan", "Florence") or words.
    """
    found: list[str] = []
    for m in _CAP_RUN.finditer(text):
        before = text[max(0, m.start() - 20):m.start()]
        line_start = text.rfind("\n", 0, m.start()) + 1
        line_end = text.find("\n", m.end())
        line = text[line_start: line_end if line_end >= 0 else len(text)]
        after = text[m.end():m.end() + 6]
        if _STREET.search(text[max(0, m.start() - 16):m.start()]):
            continue
        # after "in"/"nach"/an arrow, alone on a short line, as a column of its own (two
        # spaces), or before a region code ("Seattle, WA")
        said_as_place = bool(_PLACE_CONTEXT.search(before)) and not before.rstrip().endswith(",") \
            or bool(re.search(r"\b(?:\d{4,5}|\d{4}-\d{3}|[A-Z]{1,2}\d{1,2}[A-Z]? \d[A-Z]{2})\s+$", before)) \
            or bool(re.match(r"\s*,\s*[A-Z]{2}\b", after))
        placed = said_as_place or bool(_PLACE_CONTEXT.search(before)) or len(line.split()) <= 4 \
            or not before.strip() \
            or before.endswith(("  ", "\t"))
        words = m.group(0).replace("-", " ").split()
        i = 0
        while i < len(words):
            for j in range(min(len(words), i + 4), i, -1):
                hit = _place(fold(" ".join(words[i:j])))
                if hit and j - i == 1 and fold(words[i]) in names:
                    hit = None
                if hit and j - i == 1 and (words[i].casefold() in WEEKDAYS or
                                           words[i].casefold() in MONTHS or len(words[i]) <= 3):
                    hit = None  # "Sat" is no San Antonio, nor "Mar" a place
                if hit and i > 0 and j - i == 1 and fold(words[i - 1]) in _VENUE_WORDS:
                    hit = None  # "Hôtel Le Garibaldi", "Café Lisboa": a venue's name
                if hit and j - i == 1 and hit[2] < SMALL_TOWN and not said_as_place:
                    hit = None  # "Vincent", "Lucas", "Lista": a small town's name is a person's or a word's
                if hit and (j - i > 1 or placed or i > 0) and not re.search(
                        r"['’]", " ".join(words[i:j])):
                    found.append(hit[0])
                    i = j
                    break
            else:
                i += 1
    return list(dict.fromkeys(found))


_IN_PLACE = re.compile(rf"\b(?i:in|em|en|na|no|à|nach|im|at|to|bei)\s+(?P<run>{_NAME}(?:[ -]{_NAME}){{0,2}})")


def places_after_in(text: str) -> list[str]:
    """Places named right after "in", "em", "nach", "à" …: where something happens, said so."""
    found = []
    for m in _IN_PLACE.finditer(text):
        words = m.group("run").replace("-", " ").split()
        hit = next((h for j in range(len(words), 0, -1) if (h := _place(fold(" ".join(words[:j]))))),
                   None)
        if hit:
            found.append(hit[0])
    return list(dict.fromkeys(found))


def people_in(text: str, user: str = "") -> Counter[str]:
    """People named in ``text`` where text names people, with how often; never the user."""
    own = {fold(p) for p in user.split()} if user else set()
    found: Counter[str] = Counter()
    for pattern in (_HEADER, _GREETING, _SIGNOFF, _SPEAKER, _TITLE_PERSON):
        for m in pattern.finditer(text):
            for group in ("name", "name2"):
                name = m.groupdict().get(group)
                if name and _is_person(name, own):
                    found[" ".join(name.split())] += 1
    for m in _MENTION.finditer(text):
        name = m.group("name")
        if name[0].isupper() and _is_person(name, own):
            found[name] += 1
    return found


# Capitalised words that open a line or a message without being anyone's name.
_NOT_NAMES = frozenset(fold(w) for w in (
    # pronouns and greetings a chat line may start with ("Vos: …", "Che, …")
    "Vos", "Vous", "Você", "Usted", "Ustedes", "Tú", "Tu", "Du", "Ihr", "Wir", "Yo", "Je", "Ich",
    "Eu", "Nós", "Nosotros", "Che", "Hola", "Oi", "Olá", "Hallo", "Salut", "Bonjour", "Buenas",
    "Re", "Fwd", "From", "To", "Cc", "Bcc", "De", "Para", "Von", "An", "Subject", "Date", "Sent", "Reply", "Note", "Todo", "Error", "Warning", "Info",
    "Debug", "Total", "Price", "Status", "Team", "All", "Everyone", "There", "Thanks", "Thank",
    "Hi", "Hello", "Dear", "Best", "Regards", "Love", "Yes", "No", "Ok", "Okay", "Sure", "Today",
    "Tomorrow", "Yesterday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
    "Sunday", "January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December", "Inbox", "Draft", "Drafts", "Registry",
    "Order", "Booking", "Hotel", "Flight", "Step", "Question", "Answer", "Comment", "Comments",
    "Edit", "View", "File", "Help", "Home", "Search", "Settings", "Run", "Build", "Test",
    "Tests", "Output", "Input", "Source", "Readme", "Description", "Summary", "Location",
    "Time", "Where", "When", "What", "Who", "Why", "How", "Company", "Role", "Salary",
    "Requirements", "Responsibilities", "Posted", "Apply", "Add", "Remove", "Delete", "Send",
    "Cancel", "Save", "Open", "Close", "Name", "Email", "Phone", "Address", "Password",
    "Username", "Login", "Sign", "Welcome", "Hey", "Hola", "Hallo", "Bonjour", "Olá",
))


_LABELS = frozenset(fold(w) for w in (
    "Reason", "Notes", "Subject", "Title", "Type", "Event", "Diagnosis", "Appointment", "Details",
    "Treatment", "Reminder", "Motivo", "Asunto", "Betreff", "Grund", "Objet", "Assunto", "Nota",
))


def name_as_written(name: str) -> str:
    """A name as people write it, not as a register prints it: "GIL CABRERA, ROCÍO" is "Rocío Gil
    Cabrera", "JEAN-PIERRE DELMAS" is "Jean-Pierre Delmas"; a name already so stays."""
    if "," in name:
        last, first = (part.strip() for part in name.split(",", 1))
        name = f"{first} {last}"
    return " ".join(w.title() if w.isupper() and len(w) > 1 else w for w in name.split())


def is_person_name(name: str, user: str = "") -> bool:
    """Whether ``name`` reads as a person's name and not a label ("Reason:", "Subject:")."""
    words = name.split()
    return bool(words) and fold(words[0]) not in _LABELS and \
        _is_person(name, {fold(p) for p in user.split()})


def _is_person(name: str, own: set[str]) -> bool:
    words = name.split()
    if any(fold(w) in own for w in words) or fold(words[0]) in _NOT_NAMES:
        return False
    return not (len(words) == 1 and fold(name) in _places())


# "Latasha M. Whitaker (spouse)", "Sam (my partner)": a form or a list saying who is whose.
# Only the relations a person's own forms name them by: "(father)" in a child's school form is
# the child's father, not the user's.
_PAREN_RELATION = re.compile(
    rf"(?P<name>{_NAME}(?:[ \t]+[A-Z]\.)?(?:[ \t]+{_NAME}){{0,2}})\s*\((?:(?i:my|mi|ma|mon|minha|meu|"
    rf"meine?)\s+)?(?P<rel>(?i:spouse|wife|husband|partner|esposa|esposo|marido|mujer|ehefrau|"
    rf"ehemann|épouse|epouse|époux|epoux|conjoint|conjointe|cônjuge|conjuge|cónyuge|conyuge))\)")
_SPOUSE = {"spouse": "spouse", "esposa": "wife", "esposo": "husband", "marido": "husband",
           "mujer": "wife", "ehefrau": "wife", "ehemann": "husband", "épouse": "wife",
           "epouse": "wife", "époux": "husband", "epoux": "husband", "conjoint": "spouse",
           "conjointe": "spouse", "cônjuge": "spouse", "conjuge": "spouse", "cónyuge": "spouse",
           "conyuge": "spouse"}


def relations_in(text: str) -> list[tuple[str, str | None]]:
    """(relation, name or None) for each "my sister Ana" / "mi madre" / "Ana Lima (spouse)"."""
    out = []
    for m in _RELATION.finditer(text):
        rel = RELATIONS.get(m.group("rel").casefold())
        if rel:
            name = m.group("name")
            if name:  # "my friend Owain's party": the friend is Owain
                name = re.sub(r"['’]s$", "", name)
            out.append((rel, name if name and fold(name) not in _NOT_NAMES else None))
    for m in _PAREN_RELATION.finditer(text):
        word = m.group("rel").casefold()
        rel = _SPOUSE.get(word, RELATIONS.get(word, word))
        name = m.group("name")
        if fold(name.split()[0]) not in _NOT_NAMES:
            out.append((rel, name))
    return out


# "Children: Ella Hughes (Year 2) Jack Hughes (Nursery)", "Dear parent/carer of Ella Hughes",
# "Eltern von Lena", "parent d'élève de Léa": the person's children, named where a school or a
# club writes to them.
_CHILDREN_LABEL = re.compile(
    r"\b(?:Children|Kids|Child|My children|Hijos|Hijas|Niños|Kinder|Enfants|Filhos|Filhas|"
    r"Crianças|Criancas)\s*:\s*(?P<list>[^\n|]{3,200})")
_PARENT_OF = re.compile(
    rf"\b(?i:parents?|carers?|guardians?|mum|mom|mother|father|dad|padre|madre|madre/padre|"
    rf"eltern|elternteil|parent d['’]élève|encarregad[oa] de educação)(?:\s*/\s*(?i:carer|"
    rf"guardian|tutor))?\s+(?i:of|de|von|do|da)\s+(?P<name>{_NAME}(?:[ \t]+{_NAME})?)\b(?![ \t]*\d)")
_YOUR_CHILD = re.compile(
    rf"\b(?i:your|votre|vuestro|vuestra|su|seu|sua|ihr|ihre|ihres)\s+(?i:child|son|daughter|"
    rf"enfant|fils|fille|hijo|hija|filho|filha|kind|sohn|tochter)[,]?\s+(?P<name>{_NAME})")


# A child listed with their parents in brackets, as a club's or a school's entry list gives it:
# "Ellie Ackroyd (parents: K. Marsden / D. Ackroyd)".
_WITH_PARENTS = re.compile(
    rf"(?P<name>{_NAME})(?:[ \t]+{_NAME})?[ \t]*\((?i:parents?|parent/carer|eltern|padres|pais|"
    rf"parents d['’]élève|responsables?)[ \t]*:[ \t]*(?P<parents>[^)\n]{{3,80}})\)")


# A child's record (a health card, a school form) that gives the person as the guardian:
# "Paciente: HELENA LIMA KOWALSKI   Nasc.: 18/07/2027   Responsável: Rafael Kowalski".
_RECORD_OF = re.compile(
    r"\b(?:Paciente|Patient(?:e|in)?|Alun[oa]|Alumn[oa]|Élève|Eleve|Schüler(?:in)?|Child|Pupil|"
    r"Criança|Niñ[oa]|Kind)\s*:\s*(?P<name>[A-ZÀ-Þ][\w'’-]+)")
_GUARDIAN = re.compile(r"\b(?:Responsável|Responsavel|Responsable(?: légal)?|Guardian|Parent/Guardian|"
                       r"Parent/Carer|Erziehungsberechtigte?r?|Sorgeberechtigte?r?|Tutor(?:a)?)\s*:\s*"
                       r"(?P<who>[^\n·|]{3,60})")


def children_listed_with(text: str, user: str) -> list[str]:
    """First names of children an entry list gives with the person among their parents, by full
    name or by initial and surname ("D. Ackroyd"), or a child's record gives with the person
    as the guardian ("Responsável: Rafael Kowalski")."""
    words = user.split()
    if len(words) < 2 or not ("(" in text or ":" in text):
        return []
    first, last = re.escape(words[0]), re.escape(words[-1])
    parent = re.compile(rf"\b(?:{first}|{first[0]}\.?)[ \t]+(?:[\w.'’-]+[ \t]+)?{last}\b", re.I)
    found = [m.group("name") for m in _WITH_PARENTS.finditer(text)
             if parent.search(m.group("parents")) and fold(m.group("name")) != fold(words[0])]
    for line in text.splitlines():
        guardian = _GUARDIAN.search(line)
        record = _RECORD_OF.search(line) if guardian and parent.search(guardian.group("who")) else None
        if record and fold(record.group("name")) != fold(words[0]):
            found.append(name_as_written(record.group("name")))
    return found


def children_in(text: str) -> list[str]:
    """First names of the children ``text`` says the reader has."""
    found: list[str] = []
    for m in _CHILDREN_LABEL.finditer(text):
        # the names in the list, each a capitalised run, without what is in brackets
        listed = re.sub(r"\([^)]*\)", " ", m.group("list"))
        found += [n.split()[0] for n in re.findall(rf"{_NAME}(?:[ \t]+{_NAME})?", listed)]
    for pattern in (_PARENT_OF, _YOUR_CHILD):
        found += [m.group("name").split()[0] for m in pattern.finditer(text)]
    return [n for n in dict.fromkeys(found)
            if fold(n) not in _NOT_NAMES and fold(n) not in _places() and len(n) > 1]


# A street address: "2650 Dexter St, Denver CO 80220", "Rua Pascoal de Melo 84, 2.º Esq.,
# 1000-233 Lisboa", "Hauptstraße 5, 50667 Köln", "12 rue Victor Hugo, 69002 Lyon".
_ADDRESS = re.compile(
    r"(?:\b\d{1,5}[A-Za-z]?,?\s+(?:[A-ZÀ-Þ][\w'’.-]*\s+){1,4}(?:St|Street|Rd|Road|Ave|Avenue|"
    r"Lane|Ln|Dr|Drive|Way|Blvd|Boulevard|Court|Ct|Place|Pl|Close|Crescent|Terrace|Gardens|"
    r"Approach|Grove|Row|Walk|Mews|Rise|Square|Parade|Green|Vale|View|"
    r"rue|avenue|boulevard|chemin|allée|impasse)\b\.?"
    r"|\b(?:Rua|Avenida|Av\.|Calle|Avda\.|Paseo|Plaza|Praça|Travessa|Largo|Rue|Avenue|Boulevard|"
    r"Via|Viale|Piazza)\s+(?:[\w'’.-]+,?\s+){1,5}?\d{1,5}[A-Za-z]?\b"
    # "C/ Poeta Asins, Benimaclet · 46020 Valencia": Spain's short form, often without a number
    r"|\bC/\s?[A-ZÀ-Þ][\w'’.-]*(?:\s+[A-ZÀ-Þ][\w'’.-]*){0,3}(?:\s+\d{1,4})?"
    # "14 Heol Isaf, Radyr, Cardiff CF15 8AF": a number and a street name before a UK postcode
    r"|\b\d{1,4}[A-Za-z]?\s+(?:[A-ZÀ-Þ][\w'’.-]*\s+){0,3}[A-ZÀ-Þ][\w'’.-]*(?=,[^\n]{0,60}\b[A-Z]{1,2}\d[A-Z\d]?\s\d[A-Z]{2}\b)"
    r"|\b\d{1,4}(?:\s?(?:bis|ter))?,?\s+(?i:rue|avenue|av\.|boulevard|bd|chemin|allée|impasse|place|quai|"
    r"cours|route)\s+(?:[\w'’.-]+\s+){0,4}?[\w'’.-]+(?=,)"
    r"|\b[A-ZÄÖÜ][\wäöüß-]*(?:straße|strasse|str\.|weg|gasse|allee|platz|ring|damm)(?:\s+\d{1,4}[a-z]?)?"
    r"(?=,?\s+\d{5}\s)|\b[A-ZÄÖÜ][\wäöüß-]*(?:straße|strasse|str\.|weg|gasse|allee|platz|ring|damm)\s+\d{1,4}[a-z]?\b)"
    r"(?P<rest>[^\n|]{0,90})")
# where a page says the address is the reader's: an order, a form, a profile, a lease
_OWN_ADDRESS = re.compile(
    r"\b(?i:address|deliver(?:y|ed)?|ship(?:ping)? to|posted to|sent to|mailed to|home|seller|my|our|morada|endereço|entregue|"
    r"entrega|dirección|direccion|domicilio|envío|adresse|lieferadresse|wohnadresse|anschrift|"
    r"livraison|domicile|tenancy|lease|mietvertrag|contrato)\b")


def home_places_in(text: str, user: str = "") -> list[str]:
    """The cities of street addresses ``text`` gives as the reader's own (where they are
    delivered to, sign as, rent or are registered), in the order found."""
    own = [re.escape(w) for w in user.split() if len(w) > 2]
    near_user = re.compile(rf"\b(?:{'|'.join(own)})\b", re.I) if own else None
    found: list[str] = []
    for m in _ADDRESS.finditer(text):
        # the label or the person's name just before it, not a signature further up the page
        before = text[max(0, m.start() - 60):m.start()]
        after = text[m.end():m.end() + 80]
        if not (_OWN_ADDRESS.search(before) or (near_user and (near_user.search(before) or
                                                               near_user.search(after)))):
            continue
        # the city follows the street, often after a postcode and a district ("– Floresta –
        # Belo Horizonte/MG"): the last town the gazetteer knows, before any country
        towns = []
        # not the next sentence (an abbreviation's point, "int. 3", "Col. Portales", ends none)
        address = re.split(r"[:;!?]|(?<=[a-zà-ÿ]{4})\.\s", m.group("rest"), maxsplit=1)[0]
        for run in _CAP_RUN.finditer(address):
            words = run.group(0).replace("-", " ").split()
            hit = next((h for j in range(min(3, len(words)), 0, -1)
                        if (h := _place(fold(" ".join(words[:j]))))), None)
            if hit and hit[1] != "city":
                break
            if hit:
                towns.append(hit[0])
        if towns:
            found.append(_with_district(address, towns[-1]))
    return list(dict.fromkeys(found))


def _with_district(address: str, town: str) -> str:
    """The town, with the district the address names just before it where it names one
    ("12 Rossefield Approach, Bramley, Leeds LS13": "Bramley, Leeds")."""
    parts = [p.strip() for p in re.split(r"\s*[,–—·|]\s*|\s+-\s+", address) if p.strip()]
    at = next((i for i, p in enumerate(parts) if fold(town) in fold(p) or
               (_place(fold(p.split("/")[0].strip())) or ("", "", 0))[0] == town), None)
    if not at:
        return town
    before = re.sub(r"^\d{4,5}(?:-\d{3})?\s+", "", parts[at - 1])  # a postcode before it
    if re.fullmatch(rf"{_NAME}(?:[ -]{_NAME}){{0,2}}", before) and not _STREETISH.search(before) \
            and fold(before) != fold(town) and not _place_is_bigger(before, town):
        return f"{before}, {town}"
    return town


# The words that make a name a street's, in the five languages
_STREET_WORDS = (r"street|st|road|rd|avenue|ave|lane|ln|drive|dr|way|close|crescent|terrace|gardens|"
                 r"place|square|approach|grove|row|walk|mews|rise|parade|green|rua|avenida|calle|rue|"
                 r"straße|strasse|weg|gasse|platz")
# a street, or a flat's or floor's part of an address ("apto 302", "3ºB", "int. 3")
_STREETISH = re.compile(rf"(?i)\b(?:{_STREET_WORDS}|apto|apt|flat|piso|int|col|bloco|bl|casa|andar|"
                        r"etage|stock)\b")
_STREET_END = re.compile(rf"(?i)\b(?:{_STREET_WORDS})\.?$")


def is_street(name: str) -> bool:
    """Whether a name is a street's ("14 Harehills Avenue", "Rua Pouso Alegre")."""
    return bool(_STREET_END.search(name))


def _place_is_bigger(name: str, town: str) -> bool:
    """Whether ``name`` is a region or a country rather than a district of ``town``."""
    hit = _place(fold(name))
    return bool(hit and hit[1] in ("country", "region"))


# "I live in Gohlis", "wohne in Gohlis", "vivo en Benimaclet", "moro na Floresta", "j'habite à
# Villeurbanne": the first person says it, so the line must be the person's own (a chat turn
# of theirs), and the place is taken as written, a district the gazetteer lacks included.
_LIVE_IN = re.compile(
    r"(?i:\bI live|\bI'm based|\bI am based|\bwe live|\bwohne|\bwohnen|\bvivo|\bvivimos|\bmoro|"
    r"\bmoramos|\bj'habite|\bj’habite|\bnous habitons)\s+"
    r"(?i:in|en|em|no|na|nos|nas|à|a|au|im|am|bei)\s+(?:(?i:the|der|die|el|la|o|a)\s+)?"
    rf"(?P<place>{_NAME}(?:[ -]{_NAME}){{0,2}})")


@lru_cache(maxsize=64)
def own_turn(user: str) -> re.Pattern[str]:
    """A line of folded text that is the person's own chat turn or reply: "Me:", "You:", "Du:",
    "Eu:", "Moi:", "Reply:", or their first name and a colon (matches per line: re.M)."""
    first = fold(user.split()[0]) if user.split() else ""
    names = "me|you|du|yo|tu|eu|voce|moi|ich|reply" + (f"|{re.escape(first)}" if first else "")
    return re.compile(rf"^\s*(?:{names})\s*:", re.M)


# The same said of them, where a profile or a header beside their name says it
# ("Françoise Delmas · Retraitée · Habite à Bordeaux", "Lives in Leeds").
_LIVES_IN = re.compile(
    r"(?i:\blives|\bbased|\bhabite|\bvit|\bvive|\bwohnt|\bmora|\breside)\s+"
    r"(?i:in|en|em|no|na|à|a|au|im|am)\s+(?:(?i:the|der|die|el|la|o|a)\s+)?"
    rf"(?P<place>{_NAME}(?:[ -]{_NAME}){{0,2}})")


def said_home(text: str, user: str) -> list[str]:
    """Where the person says, in a chat turn of their own, that they live, or a line that
    names them in full (a profile, an account header) says it of them."""
    turn = own_turn(user)
    words = [fold(w) for w in user.split()]
    out = []
    for line in text.splitlines():
        folded = fold(line)
        if not turn.match(folded):
            if len(words) > 1 and words[0] in folded and words[-1] in folded:
                out += [m.group("place") for m in _LIVES_IN.finditer(line)
                        if _place(fold(m.group("place")))]
            continue
        for m in _LIVE_IN.finditer(line):
            place = m.group("place")
            if fold(place.split()[0]) not in WEEKDAYS and fold(place.split()[0]) not in MONTHS:
                out.append(place)
    return list(dict.fromkeys(out))


# A Brazilian town as addresses and signatures write it, with its state: "Belo Horizonte/MG"
_TOWN_STATE = re.compile(rf"(?P<town>{_NAME}(?:[ \t]+(?:de|do|da|dos|das)?[ \t]*{_NAME}){{0,3}})/"
                         r"(?:AC|AL|AP|AM|BA|CE|DF|ES|GO|MA|MT|MS|MG|PA|PB|PR|PE|PI|RJ|RN|RS|RO|RR|SC|SP|SE|TO)\b")


def signed_town(text: str, user: str) -> list[str]:
    """The town a signature gives on the person's own line ("Thaís Nogueira – Design ·
    Belo Horizonte/MG · thais@…"): where a self-employed person lives and works."""
    words = user.split()
    if len(words) < 2:
        return []
    first, last = fold(words[0]), fold(words[-1])
    if "/" not in text:
        return []  # no town with its state: the common case, without folding anything
    out = []
    for line, folded in zip(text.splitlines(), fold(text).splitlines()):
        if first in folded and last in folded:
            for m in _TOWN_STATE.finditer(line):
                hit = _place(fold(m.group("town")))
                if hit and hit[1] == "city":
                    out.append(hit[0])
    return list(dict.fromkeys(out))


def organisations_in(text: str) -> list[str]:
    """Organisations named with a company or institution word ("Litware Logistics")."""
    out = []
    for m in _ORG_SUFFIX.finditer(text):
        words = m.group("org").rstrip(".").split()
        while words and (fold(words[0]) in _NOT_NAMES or words[0] in ("AM", "PM", "&")
                         or fold(words[0]) in ("dear", "at", "for", "with", "the", "la", "el",
                                               "le", "die", "der", "das", "a", "o")):
            words = words[1:]
        if len(words) >= 2:
            out.append(" ".join(words))
    # "The University of Melbourne": the institution word comes first
    for m in re.finditer(rf"\b(?:University|Universidad|Universität|Université|Universidade|"
                         rf"Hospital|Institute|Bank|College) (?:of|de|do|da|des|der) (?:{_NAME}\s?)+",
                         text):
        out.append(m.group(0).strip())
    return list(dict.fromkeys(out))


def project_root(path: str, exists: bool = False) -> str | None:
    """The folder of the project ``path`` belongs to.

    With ``exists`` (a real file on this computer) the nearest folder holding a project
    marker (.git, pyproject.toml, Cargo.toml, package.json, go.mod …) wins. Otherwise, and as
    a fallback, the folder above the source tree (``src``, ``tests`` …) that is not a
    container such as ``~/code``, ``tmp`` or ``Documentos``.
    """
    p = PurePosixPath(path)
    if exists:
        real = Path(path).expanduser()
        for parent in list(real.parents)[:-1]:
            if any((parent / marker).exists() for marker in PROJECT_MARKERS):
                if fold(parent.name) not in CONTAINER_DIRS and parent != Path.home():
                    return str(parent)
                break
    for part in p.parts[:-1]:
        if part != "/" and fold(part) not in CONTAINER_DIRS and not part.startswith("."):
            return str(PurePosixPath(*p.parts[: p.parts.index(part) + 1]))
    return None


def project_name(root: str) -> str:
    return PurePosixPath(root).name
