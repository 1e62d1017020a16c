"""What a person does for a living or studies, from what their screens show of it.

No model: a role is said only where the evidence names it in a way that leaves little doubt:
the person's own words ("I am a second-year Commerce student at …", "Sou tradutora"), a class
page that addresses them as its teacher ("Hamilton Ridge High School · Mr. Whitaker · 27
students"), a university's course pages they work in (subject codes, assignments, lectures),
or translation work between named languages ("DE>PT", "FR>PT").
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from . import entities
from .activities import fold
from .words import by_meaning

_NAME = r"[A-ZÀ-ÖØ-Þ][\w'’-]+"

# Occupations as people name their own, in English, Spanish, Portuguese, French and German:
# generic data. Each is a regex fragment; the feminine and plural endings are optional.
OCCUPATIONS = (
    # en
    r"student|(?:phd|doctoral) (?:student|candidate)|postdoc(?:toral (?:researcher|fellow))?|"
    r"researcher|scientist|lecturer|professor|teacher|tutor|engineer|developer|programmer|"
    r"designer|illustrator|photographer|journalist|reporter|writer|editor|translator|"
    r"interpreter|nurse|midwife|paramedic|carer|caregiver|care worker|social worker|"
    r"psychologist|psychotherapist|therapist|counsell?or|dentist|surgeon|physician|doctor|"
    r"veterinarian|vet|pharmacist|physiotherapist|lawyer|solicitor|barrister|attorney|"
    r"paralegal|accountant|bookkeeper|auditor|architect|consultant|analyst|manager|"
    r"administrator|technician|plumber|heating engineer|gas engineer|electrician|carpenter|"
    r"joiner|builder|decorator|roofer|mechanic|chef|baker|barista|waiter|waitress|"
    r"driver|pilot|gardener|farmer|cleaner|receptionist|cashier|librarian|musician|artist|"
    r"freelancer|contractor|entrepreneur|civil servant|representative|sales rep",
    # es
    r"estudiante|doctorand[oa]|investigador[a]?|científic[oa]|profesor[a]?|maestr[oa]|"
    r"ingenier[oa]|desarrollador[a]?|programador[a]?|diseñador[a]?|fotógraf[oa]|periodista|"
    r"escritor[a]?|traductor[a]?|intérprete|enfermer[oa]|matron[a]|psicólog[oa]|"
    r"psicoterapeuta|dentista|odontólog[oa]|médic[oa]|veterinari[oa]|farmacéutic[oa]|"
    r"fisioterapeuta|abogad[oa]|contador[a]?|contable|arquitect[oa]|consultor[a]?|analista|"
    r"gerente|técnic[oa]|fontaner[oa]|electricista|carpinter[oa]|albañil|mecánic[oa]|"
    r"cociner[oa]|panader[oa]|camarer[oa]|conductor[a]?|maquinista|jardiner[oa]|"
    r"agricultor[a]?|bibliotecari[oa]|músic[oa]|autónom[oa]|funcionari[oa]|opositor[a]|"
    r"representante|visitador[a]",
    # pt
    r"estudante|doutorand[oa]|pesquisador[a]?|professor[a]?|engenheir[oa]|"
    r"desenvolvedor[a]?|programador[a]?|designer|fotógraf[oa]|jornalista|escritor[a]?|"
    r"tradutor[a]?|enfermeir[oa]|parteira|psicólog[oa]|dentista|médic[oa]|veterinári[oa]|"
    r"farmacêutic[oa]|fisioterapeuta|advogad[oa]|contabilista|arquitet[oa]|consultor[a]?|"
    r"analista|técnic[oa]|encanador[a]?|canalizador[a]?|eletricista|marceneir[oa]|"
    r"pedreir[oa]|mecânic[oa]|cozinheir[oa]|padeir[oa]|garçom|garçonete|motorista|"
    r"jardineir[oa]|agricultor[a]?|bibliotecári[oa]|músic[oa]|servidor[a]? públic[oa]",
    # fr
    r"étudiante?|doctorante?|chercheu(?:r|se)|enseignante?(?:-chercheu(?:r|se))?|"
    r"professeure?|ingénieure?|développeu(?:r|se)|programmeu(?:r|se)|graphiste|photographe|"
    r"journaliste|écrivain|rédact(?:eur|rice)|traduct(?:eur|rice)|interprète|infirmi(?:er|ère)|"
    r"sage-femme|psychologue|dentiste|médecin|vétérinaire|pharmacien(?:ne)?|"
    r"kinésithérapeute|kiné|avocate?|comptable|architecte|consultante?|analyste|"
    r"technicien(?:ne)?|plombier|chauffagiste|électricien(?:ne)?|menuisier|maçon|"
    r"mécanicien(?:ne)?|cuisini(?:er|ère)|boulang(?:er|ère)|serveu(?:r|se)|chauffeur|"
    r"conduct(?:eur|rice)|jardini(?:er|ère)|agricult(?:eur|rice)|bibliothécaire|musicien(?:ne)?|"
    r"fonctionnaire|auto-entrepreneu(?:r|se)|représentante?",
    # de
    r"student(?:in)?|doktorand(?:in)?|forscher(?:in)?|wissenschaftler(?:in)?|dozent(?:in)?|"
    r"professor(?:in)?|lehrer(?:in)?|ingenieur(?:in)?|entwickler(?:in)?|programmierer(?:in)?|"
    r"designer(?:in)?|grafikdesigner(?:in)?|fotograf(?:in)?|journalist(?:in)?|autor(?:in)?|"
    r"redakteur(?:in)?|übersetzer(?:in)?|dolmetscher(?:in)?|krankenpfleger(?:in)?|"
    r"pflegefachkraft|hebamme|psycholog(?:e|in)|zahnarzt|zahnärztin|arzt|ärztin|tierarzt|"
    r"tierärztin|apotheker(?:in)?|physiotherapeut(?:in)?|rechtsanwalt|rechtsanwältin|anwalt|"
    r"anwältin|steuerberater(?:in)?|buchhalter(?:in)?|architekt(?:in)?|berater(?:in)?|"
    r"techniker(?:in)?|klempner(?:in)?|installateur(?:in)?|elektriker(?:in)?|tischler(?:in)?|"
    r"schreiner(?:in)?|mechaniker(?:in)?|mechatroniker(?:in)?|koch|köchin|bäcker(?:in)?|"
    r"kellner(?:in)?|fahrer(?:in)?|lokführer(?:in)?|triebfahrzeugführer(?:in)?|gärtner(?:in)?|"
    r"landwirt(?:in)?|bibliothekar(?:in)?|musiker(?:in)?|beamter|beamtin|vertreter(?:in)?",
)
_OCCUPATION_RE = "|".join(OCCUPATIONS)
# what starts a place of work rather than a field ("en el Hospital …", "at Lyon 2")
_NOT_FIELD = r"(?:at|with|for|à|chez|bei|an|am|na|no|em|en|the|el|la|le|les|los|las|o|os|as|a|der|die|das|dem|des|du|do|da)"

# "I am a second-year Bachelor of Commerce student at the University of Melbourne",
# "I'm a nurse at …", "Soy enfermera en …", "Sou tradutora", "Je suis infirmière", "Ich bin
# Lehrerin an …", "I am a third-year PhD candidate in linguistics at Université Lumière Lyon 2":
# the occupation, its field, then where.
_OWN_ROLE = re.compile(
    r"\b(?:I am|I'm|I’m|I work as|soy|trabajo como|sou|trabalho como|je suis|je travaille comme|"
    r"ich bin|ich arbeite als)\s+(?:an?\s+|une?\s+|um\s+|uma\s+|el\s+|la\s+)?"
    rf"(?P<role>(?:[\w-]+\s+){{0,5}}?(?:{_OCCUPATION_RE}))\b"
    rf"(?P<field>\s+(?:in|of|en|em|de)\s+(?-i:(?!{_NOT_FIELD}\b)"
    rf"[a-zà-ÿ][\w-]+(?:\s+(?!{_NOT_FIELD}\b)[a-zà-ÿ][\w-]+){{0,2}}))?"
    r"(?:\s+(?:at|with|for|in|en|em|na|no|à|chez|bei|an der|am|an)\s+"
    r"(?:(?:the|el|la|le|les|l'|o|a|der|die|das|dem)\s+)?"
    r"(?P<org>(?-i:[A-ZÀ-Þ][\w&'’.-]*)(?:\s+(?:of|de|del|da|do|dos|das|der|für|&)?\s*(?-i:[A-ZÀ-Þ0-9][\w&'’.-]*)){0,5}))?",
    re.I)

# A class page that names the teacher by title and surname, beside its students.
_CLASS_WORDS = re.compile(r"\b(?:students|pupils|classwork|gradebook|period \d|roster|turned in|"
                          r"google classroom|classroom|marking|alumnos|alunos|élèves|"
                          r"schüler(?:innen)?|klasse \w+)\b", re.I)
# "10C Chemistry", "Year 9 Science", "Chem 1": the subject a class is taught
_SUBJECTS = (r"Chemistry|Physics|Biology|Maths|Mathematics|Math|English|History|Geography|Science|"
             r"French|Spanish|German|Art|Music|Computing|Computer Science|Economics|Chem")
_SUBJECT = re.compile(
    rf"\b(?:\d{{1,2}}[A-Z]?|Year \d{{1,2}}|Grade \d{{1,2}}|AP)\s+(?P<subject>{_SUBJECTS})\b|"
    rf"\b(?P<subject2>{_SUBJECTS})\s+\d{{1,2}}\b")
_SCHOOL = re.compile(
    r"(?<![\w'’.-])(?P<org>(?:[A-Z][\w'’.-]{0,40}\s+){1,4}(?:High School|Primary School|Secondary School|School|"
    r"Academy|College|Gymnasium|Lycée|Colégio|Colegio|Escola|Escuela|Instituto))\b")

# A university's course pages: subject codes ("ECON20001", "CS 101"), the words of teaching.
_COURSE_CODE = re.compile(r"\b[A-Z]{3,4}\s?\d{3,5}\b")
_COURSE_WORDS = re.compile(r"\b(?:assignment|lecture|tutorial|mid-?semester|semester|syllabus|"
                           r"coursework|midterm|lms|canvas|moodle|blackboard|tarea|apuntes|"
                           r"vorlesung|übung|klausur|devoir|partiel|cours magistral|trabalho|"
                           r"cadeira|propina)\b", re.I)
_UNIVERSITY = re.compile(
    r"(?P<org>(?:The\s+)?(?:University|Universidad|Universität|Université|Universidade|Universita)"
    r"\s+(?:of\s+|de\s+|do\s+|da\s+)?(?:[A-Z][\w'’-]+)(?:\s+[A-Z][\w'’-]+){0,2}|"
    r"(?<![\w'’-])(?:[A-Z][\w'’-]{0,40}\s+){1,3}(?:University|Universität|Université))", re.I)

# Translation work: language pairs in job titles and a rate sheet ("DE>PT", "FR → PT").
_PAIR = re.compile(r"\b(?P<a>DE|FR|EN|ES|IT|PT|NL|PL|RU|ZH|JA)\s?(?:>|→|->|–>)\s?(?P<b>DE|FR|EN|ES|"
                   r"IT|PT|NL|PL|RU|ZH|JA)\b")
_LANG = {"DE": "German", "FR": "French", "EN": "English", "ES": "Spanish", "IT": "Italian",
         "PT": "Portuguese", "NL": "Dutch", "PL": "Polish", "RU": "Russian", "ZH": "Chinese",
         "JA": "Japanese"}
_TRANSLATION = re.compile(r"translat|tradu[cçz]|ubersetz|traduct", re.I)


@dataclass(frozen=True, slots=True)
class Role:
    """An occupation and where it is practised, with the key that keeps it one proposition."""

    sentence: str  # the predicate: "is a student at the University of Melbourne"
    key: str


# "I have accepted a senior pharmacist role with NHS Lothian", "accepted the offer of Senior
# Pharmacist (Band 7) at the Royal Infirmary", "he aceptado el puesto de …", "j'ai accepté le poste de …"
_ACCEPTED = re.compile(
    r"\b(?i:accepted|accept|aceptado|aceitei|aceite|accepté|angenommen)\s+(?:(?i:the|your|an?|el|la|o|le)\s+)?"
    r"(?:(?i:offer of|offer for|oferta de|proposta de|offre de|puesto de|cargo de|poste de|stelle als)\s+)?"
    r"(?P<role>(?:[\w-]+\s+){0,3}?(?i:[\w-]+(?:ist|er|or|ian|ant|ent|eur|euse|ora|ero|era|eiro|eira|ger|"
    r"nurse|engineer|developer|teacher|doctor|manager|designer|analyst|lawyer|chef)))"
    r"(?:\s*\([^)]{1,20}\))?\s*(?i:role|position|post|job|offer)?\s*(?i:with|at|in|en|em|na|no|chez|bei)\s+"
    r"(?:(?i:the|el|la|o|a|le|der|die)\s+)?(?P<org>[A-Z][\w&'’.-]*(?:\s+(?:of\s+)?[A-Z][\w&'’.-]*){0,4})")


# A business named after its owner: "Reformas Ortega · Electricidad y reformas", "Studio Lima"
_BUSINESS_WORDS = (r"Reformas|Construcciones|Instalaciones|Servicios|Electricidad|Fontanería|Taller|"
                   r"Estudio|Studio|Design|Consulting|Bakery|Café|Cafe|Shop|Services|Serviços|Traduções|Traductions|Übersetzungen|Photography|Fotografía|"
                   r"Fotografia|Cabinet|Praxis|Clínica|Clinic|Atelier|Boutique|Garage|Garaje|Agency|"
                   r"Agencia|Agência|Agence|Catering|Bau|Elektro|Malerei|Tischlerei|Carpintería|"
                   # trades, as their firms are named
                   r"Plumbing|Heating|Electrical|Electrics|Roofing|Building|Builders|Joinery|"
                   r"Carpentry|Decorating|Decorators|Landscaping|Gardening|Cleaning|Repairs|"
                   r"Plomberie|Chauffage|Menuiserie|Sanitär|Heizung|Haustechnik|Klempnerei|"
                   r"Hidráulica|Encanamentos|Pinturas|Limpiezas|Jardinería|Transportes")


# A company's legal form: after its name, never before a person's ("… GmbH   Leonie Brandt" is
# the employer's name beside the account holder's)
_LEGAL_FORMS = r"Ltd|SL|S\.L\.|GmbH|Lda|SARL"


def own_business(text: str, surname: str) -> list[tuple[str, str | None]]:
    """(business, what it does) for a business named with the person's surname."""
    if not surname or len(surname) < 3:
        return []
    s = re.escape(surname)
    if surname.upper() in text:
        # a register writes names in capitals: "Contribuinte: THAIS NOGUEIRA DESIGN (MEI)"
        text = re.sub(r"\b[A-ZÀ-Þ]{2,}(?:[ \t]+(?:&[ \t]+)?[A-ZÀ-Þ]{2,})+\b",
                      lambda m: m.group(0).title() if surname.upper() in m.group(0) else m.group(0), text)
    out = []
    for m in re.finditer(rf"\b(?P<name>(?:(?:{_BUSINESS_WORDS})[ \t]+(?:[A-Z][\w&'’-]*[ \t]+)?{s}|"
                         rf"{s}[ \t]+(?:[A-Z][\w&'’-]*[ \t]+)?(?:{_BUSINESS_WORDS}|{_LEGAL_FORMS})"
                         rf"(?:[ \t]+(?:&|and|y|e|et|und)[ \t]+(?:{_BUSINESS_WORDS}))?)\b"
                         # the register's form in brackets: "(MEI)", "(Ltda)", "(EIRL)"
                         rf"(?:[ \t]*\((?:MEI|Ltda|EIRELI|EIRL|EI|SLU|SL|SARL|GmbH|Ltd|LLC|UG)\))?)"
                         rf"(?:[ \t]*[·|–-][ \t]*(?P<what>[A-ZÀ-Þ][\w ,'’&-]{{3,40}}?)(?=[ \t]*[·|\n]|$))?",
                         text, re.M):
        what = (m.group("what") or "").strip()
        # "Gas Safe 583921" beside the name is a registration, not what the business does
        out.append((m.group("name"), what if what and not re.search(r"\d", what) else None))
    return out


def accepted_jobs(text: str) -> list[tuple[str, str]]:
    """(role, organisation) of job offers the person says they accepted."""
    return [(" ".join(m.group("role").split()), m.group("org")) for m in _ACCEPTED.finditer(text)]


# "Jonas (28, Doktorand Biochemie an der LMU)", "Ana Lima, Senior Nurse": a role beside the name
_OCCUPATION = re.compile(
    rf"(?i)\b(?:{_OCCUPATION_RE}|phd|physio|kine|grafikdesign|"
    # the offices of a club or an association
    r"treasurer|kassenwart|kassierer|tesorer|tesoureir|trésori|chairman|chairwoman|"
    r"vorsitzende|schriftführer)")


def named_roles(text: str, first: str) -> list[tuple[str, str | None]]:
    """(occupation, organisation) given beside the person's own first name."""
    if not first:
        return []
    out = []
    for m in re.finditer(rf"\b{re.escape(first)}(?:[ \t]+[A-ZÀ-Þ][\w'’-]+){{0,2}}\s*\((?:\d{{1,2}},\s*)?"
                         rf"(?P<role>[^)(\n]{{3,60}})\)", text):
        role = m.group("role").strip()
        if not _OCCUPATION.search(role):
            continue
        at = re.search(r"\s+(?:at|an der|an|bei|à|chez|en|em|na|no)\s+(?:the\s+|der\s+|la\s+|l'|o\s+|a\s+)?"
                       r"(?P<org>[A-Z][\w&'’.-]*(?:\s+[A-Z][\w&'’.-]*){0,3})\s*$", role)
        if at:
            out.append((role[:at.start()].strip(), at.group("org")))
        else:
            out.append((role, None))
    return out


# Occupations an app's account header gives beside its user's name ("Daniela Cervantes Ruiz ·
# Representante Médico · Terr. 07", "Ana Lima | Senior Nurse"): the head noun of each, in five
# languages (generic data). "Representante Médico" is a medical representative.
_HEADER_OCCUPATION = re.compile(
    r"(?i)^(?:(?:senior|junior|lead|chief|head|principal|staff|assistant|associate|"
    r"sénior|júnior|jefe|jefa|chefe)\s+)?"
    rf"(?:[\w-]+\s+){{0,2}}?(?:{_OCCUPATION_RE})"
    # what qualifies it after ("Desenvolvedor Mobile Sênior", "representante médico")
    r"(?:\s+[\w-]+){0,2}$")
_HEADER_SEP = r"[ \t]*(?:·|\||•|–|—|,)[ \t]*"
# What follows a role in a signature or a header, where it names the firm or the unit:
# capitalised words, no number.
_BESIDE_ROLE = re.compile(r"[ \t]*[·|•–—][ \t]*(?P<org>[A-ZÀ-Þ][^\W\d_]*(?:[ \t]+(?:&[ \t]+)?"
                          r"[A-ZÀ-Þ][^\W\d_]*){0,4})[ \t]*(?:[·|•–—]|$)", re.M)


def header_roles_at(text: str, user: str) -> list[tuple[str, str | None]]:
    """(occupation, organisation or None) an account header or a signature gives the person:
    beside the name ("Ana Lima | Senior Nurse"), or under it in a signature ("Inês Carvalho" on
    its own line, then "Arquiteta · OA n.º 21457", then "Sá Pinto Arquitetos, Lda.")."""
    words = user.split()
    if len(words) < 2:
        return []
    first, last = (re.escape(w) for w in (words[0], words[-1]))
    name = rf"(?:{first}(?:[ \t]+[\w'’.-]+){{0,2}}?[ \t]+{last}(?:[ \t]+[\w'’-]+)?|{last},[ \t]*{first})"
    out: list[tuple[str, str | None]] = []
    for m in re.finditer(rf"\b{name}(?:{_HEADER_SEP}|(?<=\S)[ \t]*\n[ \t]*)"
                         rf"(?P<role>[^·|•–—,\n]{{2,50}}?)[ \t]*(?:[·|•–—,(\n]|$)", text):
        signature = "\n" in text[m.start():m.start("role")]
        if signature and text[text.rfind("\n", 0, m.start()) + 1:m.start()].strip():
            continue  # under a line that says more than the name: not a signature
        role = " ".join(m.group("role").split())
        if not _HEADER_OCCUPATION.match(role):
            continue
        org = None
        if signature:  # the firm on the role's line or the next two
            below = "\n".join(text[m.end("role"):].split("\n")[:3])
            orgs = entities.organisations_in(below)
            beside = _BESIDE_ROLE.match(below)  # "Desenvolvedor Mobile Sênior · Araucária Digital"
            org = orgs[0] if orgs else beside.group("org") if beside else None
        elif beside := _BESIDE_ROLE.match(text, m.end("role")):  # "Ana Lima · Nurse · ICU"
            org = beside.group("org")
        out.append((role, org))
    return out


# An occupation a letter or a form gives its reader: "Ihre Bescheinigung über die Tauglichkeit als
# Triebfahrzeugführer", "your registration as a nurse", "su colegiación como enfermera", "votre
# inscription en tant qu'infirmière", "sua inscrição como enfermeira".
# Only where a certificate, a registration or a licence is the reader's: "start your career as a
# nurse" is an advert's.
_ADDRESSED_ROLE = re.compile(
    r"\b(?:your|ihre?|ihrer|ihres|su|sus|votre|vos|sua|seu)\s+(?:[\w-]+\s+){0,2}?"
    r"(?:certificat\w*|certification|registration|licen[cs]e|membership|revalidation|"
    r"bescheinigung|zulassung|approbation|lizenz|mitgliedschaft|colegiaci[oó]n|inscripci[oó]n|"
    r"inscription|inscri[cç][aã]o|titre|dipl[oô]me|diploma|c[eé]dula|carteira|habilitation)"
    r"\b[^.\n]{0,60}?\b(?:as an?|als|como|comme|en tant qu['’]?e?|enquanto)\s*"
    rf"(?P<role>{_OCCUPATION_RE})\b", re.I)


def addressed_roles(text: str) -> list[str]:
    """Occupations a letter or a form addressed to the person gives them."""
    return [" ".join(m.group("role").split()) for m in _ADDRESSED_ROLE.finditer(text)]


def own_roles(text: str) -> list[tuple[str, str | None]]:
    """(occupation, organisation or None) the person gives themselves in ``text``."""
    out = []
    for m in _OWN_ROLE.finditer(text):
        role = " ".join(f"{m.group('role')} {m.group('field') or ''}".split())
        if len(role) > 70:
            continue
        out.append((role, m.group("org")))
    return out


# Retired, in five languages (generic data). "reformado" is retired in Portugal; "retraite"
# without its accent is the noun (a pension scheme, a news headline), so the accent is needed.
_RETIRED = re.compile(
    r"(?i)\bretired\b|\bpensioner\b|\bim ruhestand\b|\bruheständler(?:in)?\b|\brentner(?:in)?\b|"
    r"\bpensionär(?:in)?\b|\bpensioniert(?:e|er)?\b|(?-i:\bi\.\s?R\.)|\bretraitée?\b|"
    r"\bà la retraite\b|\bjubilad[oa]\b|\bpensionista\b|\baposentad[oa]\b|\breformad[oa]\b")
# what every match of the two patterns above holds, lower-cased: a plain search first is cheap
_RETIRED_KEYS = ("retir", "pension", "ruhest", "rentner", "pensionär", "i.r.", "i. r.", "retraité",
                 "retraite", "jubila", "aposenta", "reformad", "rente", "pensión", "pensão")
# A line that introduces the person: their profile, their bio.
_PROFILE = re.compile(r"(?i)^\W*(?:profil|profile|perfil|über mich|a propos|à propos|bio|sobre mim|"
                      r"acerca de m[ií]|about me)\b")
# A pension paid in: a bank statement's line that names it, with an amount credited.
_PENSION_PAID = re.compile(r"(?i)\b(?:rente|pension|pensión|pensão|aposentadoria|jubilación)\b"
                           r"[^\n]{0,60}?\+\s?\d")
# The German engineer's degree, said in a profile before the field ("Dipl.-Ing. Schiffbau").
_DIPL_ING = re.compile(r"\bDipl\.?\s?-?\s?Ing\.?")


def retired(text: str, user: str, wrote: bool) -> list[str | None]:
    """Signs that the person is retired: in a line naming them or introducing them, in text
    they wrote, or a pension credited to their account. Each sign is the occupation they
    retired from where the same line says it ("engineer"), else None."""
    low = text.lower()
    if not any(k in low for k in _RETIRED_KEYS) or not (_RETIRED.search(text) or _PENSION_PAID.search(text)):
        return []
    names = [re.escape(w) for w in user.split() if len(w) > 2]
    named = re.compile(rf"\b(?:{'|'.join(names)})\b") if names else None
    out: list[str | None] = []
    for line in text.splitlines():
        if _PENSION_PAID.search(line):
            out.append(None)
            continue
        if not _RETIRED.search(line):
            continue
        if not (wrote or _PROFILE.match(line) or (named is not None and named.search(line))):
            continue
        if _DIPL_ING.search(line):
            out.append("engineer")
            continue
        m = re.search(rf"(?i)\b(?:{_OCCUPATION_RE})\b", line)
        out.append(in_english(m.group(0)) if m else None)
    return out


def class_subject(text: str) -> str | None:
    """The subject of a class page ("10C Chemistry" is chemistry)."""
    m = _SUBJECT.search(text)
    if not m:
        return None
    subject = m.group("subject") or m.group("subject2")
    return {"Chem": "chemistry", "Math": "maths"}.get(subject, subject.lower()
                                                       if subject not in ("English", "French", "Spanish", "German") else subject)


def schools_in(text: str) -> list[str]:
    """Schools named in ``text`` ("Eastfield Academy", "Hamilton Ridge High School")."""
    return [m.group("org").strip() for m in _SCHOOL.finditer(text)]


def teaches_at(text: str, surname: str) -> str | None:
    """The school of a class page that names the person as its teacher ("Mr. Whitaker")."""
    if not surname or not _CLASS_WORDS.search(text):
        return None
    if not re.search(rf"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sr|Sra|Herr|Frau|M|Mme)\.?\s+{re.escape(surname)}\b",
                     text):
        return None
    school = _SCHOOL.search(text)
    return school.group("org").strip() if school else ""


def course_page(text: str) -> tuple[bool, list[str]]:
    """Whether ``text`` is a course page (a subject code and the words of teaching), and the
    universities it names."""
    is_course = bool(_COURSE_CODE.search(text) and _COURSE_WORDS.search(text))
    return is_course, [" ".join(m.group("org").split()) for m in _UNIVERSITY.finditer(text)]


def language_pairs(text: str) -> list[tuple[str, str]]:
    """Translation directions named in ``text`` ("DE>PT" is German into Portuguese)."""
    if not _TRANSLATION.search(fold(text)) and not _PAIR.search(text):
        return []
    return [(_LANG[m.group("a")], _LANG[m.group("b")]) for m in _PAIR.finditer(text)
            if m.group("a") != m.group("b")]


def translator(pairs: Counter[tuple[str, str]]) -> Role | None:
    """"works as a translator from German and French into Portuguese" from the pairs seen."""
    if not pairs:
        return None
    targets = Counter(b for (_, b), n in pairs.items() for _ in range(n))
    into, _ = targets.most_common(1)[0]
    sources = [a for (a, b), _ in pairs.most_common() if b == into]
    src = " and ".join(dict.fromkeys(sources))
    return Role(f"works as a translator from {src} into {into}", "translator")


def student(universities: Counter[str], pages: int) -> Role | None:
    """"is a student at the University of Melbourne" from course pages the person works in."""
    if pages < 2:
        return None
    if universities:
        uni, _ = universities.most_common(1)[0]
        uni = re.sub(r"^the\s+", "the ", uni, flags=re.I)
        return Role(f"is a university student at {uni}", "student")
    return Role("is a university student", "student")


# Occupations as Spanish, Portuguese, French and German name them, said in English.
_IN_ENGLISH = by_meaning({
    "PhD student": ("doktorand doktorandin doctorant doctorante doctorando doctoranda doutorando "
        "doutoranda"),
    "student": "estudiante étudiant étudiante studentin estudante",
    "nurse": ("enfermera enfermero enfermeira enfermeiro infirmière infirmier krankenpfleger "
        "krankenpflegerin pflegefachkraft"),
    "teacher": "profesor profesora professora enseignant enseignante lehrer lehrerin",
    "translator": ("traductor traductora tradutor tradutora traducteur traductrice übersetzer "
        "übersetzerin"),
    "engineer": ("ingeniero ingeniera engenheiro engenheira ingénieur ingénieure ingenieur "
        "ingenieurin"),
    "electrician": "electricista eletricista électricien elektriker",
    "physiotherapist": "kinésithérapeute fisioterapeuta physiotherapeut physiotherapeutin",
    "representative": "representante représentant représentante vertreter vertreterin",
    "veterinarian": ("veterinario veterinaria veterinário veterinária vétérinaire tierarzt "
        "tierärztin"),
    "train driver": "lokführer lokführerin triebfahrzeugführer triebfahrzeugführerin maquinista",
    "lawyer": "abogado abogada advogado advogada avocat avocate rechtsanwalt rechtsanwältin",
    "pharmacist": ("farmacéutico farmacéutica farmacêutico farmacêutica pharmacien pharmacienne "
        "apotheker apothekerin"),
    "accountant": "contador contadora contabilista comptable buchhalter buchhalterin",
    "designer": "diseñador diseñadora",
    "graphic designer": "grafikdesigner grafikdesignerin",
    "architect": "arquiteto arquiteta arquitecto arquitecta architecte architekt architektin",
    "developer": ("desarrollador desarrolladora desenvolvedor desenvolvedora développeur "
        "développeuse entwickler entwicklerin"),
    "doctor": "médico médica médecin arzt ärztin",
    "technician": "técnico técnica technicien technicienne techniker technikerin",
    "driver": "motorista fahrer fahrerin conducteur conductrice",
    "analyst": "analista analyste",
    "manager": "gerente",
    "consultant": "consultor consultora",
    "treasurer": ("kassenwart kassenwartin kassierer kassiererin tesorero tesorera tesoureiro "
        "tesoureira trésorier trésorière"),
    "chair": "vorsitzender vorsitzende",
    "secretary": "schriftführer schriftführerin",
})


# The vocabulary of a trade, as its own work screens show it, in five languages: generic data.
# A profession is said only from several of its words on several screens (see `trade`).
_TRADES: dict[str, re.Pattern[str]] = {name: re.compile(r"(?i)\b(?:" + words + r")") for name, words in {
    "an accountant": r"vat returns?|bank reconciliation|reconciliations?|month-end|trial balance|"
                     r"balance sheet|general ledger|payroll|accounts payable|accounts receivable|"
                     r"rapprochements?|clôture mensuelle|clôture|bilan comptable|grand livre|"
                     r"conciliación|cierre contable|libro mayor|buchhaltung|jahresabschluss|"
                     r"kontenabstimmung|umsatzsteuervoranmeldung|conciliação bancária|balancete|"
                     r"fecho de contas",
    "a nurse": r"ward round|night shifts?|nursing handover|care plan|patient handover|"
               r"turno de noche|planta de hospital|cuadrante de turnos|enfermería|"
               r"nachtdienst|pflegedokumentation|dienstplan|stationsleitung|"
               r"garde de nuit|transmissions infirmières|planning infirmier|"
               r"plantão|escala de enfermagem",
    "a physiotherapist": r"physiotherapy|physio session|rehabilitation exercises|kinésithérapie|"
                         r"rééducation|rééduc\.|masseur[- ]kinésithérapeute|bilan kiné|"
                         r"manual therapy|range of motion|home exercise program|"
                         r"fisioterapia|rehabilitación|terapia manual|"
                         r"physiotherapie|krankengymnastik|manuelle therapie|"
                         r"reabilitação|fisioterapeuta",
    "a lawyer": r"court hearing|deposition|billable hours|statute of limitations|case law|"
                r"expediente judicial|juzgado de|escrito de (?:demanda|alegaciones)|procurador|"
                r"date d'audience|conclusions en (?:défense|réponse)|assignation|greffe du tribunal|"
                r"schriftsatz|aktenzeichen|mandantin?|klageschrift|"
                r"petição inicial|prazo processual|audiência de|vara cível",
    "a pharmacist": r"dispensing|dispensary|controlled drugs?|prescriptions? to check|"
                    r"dispensación|receta electrónica|stock de farmacia|"
                    r"officine|ordonnances? à délivrer|préparateur|"
                    r"rezeptur|apothekenbetrieb|betäubungsmittel|"
                    r"dispensação|receituário|farmacêutico responsável",
    "an architect": r"floor plans?|planning application|building regulations|revit|autocad|"
                    r"plano de planta|licencia de obra|proyecto básico|"
                    r"permis de construire|plan masse|maîtrise d'œuvre|"
                    r"bauantrag|grundriss|baugenehmigung|"
                    r"projeto arquitet[oô]nico|alvará de construção|planta baixa",
    "a veterinarian": r"vaccination booster|spay|neuter|canine|feline|"
                      r"clínica veterinaria|desparasitación|"
                      r"clinique vétérinaire|stérilisation|vermifuge|"
                      r"tierarztpraxis|kastration|impfpass|"
                      r"clínica veterinária|castraç(?:ão|ões)|vermifugação|antirrábica|"
                      r"felin[ao]s?|canin[ao]s?|tutora?:",
    "an electrician": r"consumer unit|circuit breakers?|wiring diagram|rcd|"
                      r"cuadro eléctrico|boletín eléctrico|interruptor diferencial|"
                      r"tableau électrique|disjoncteurs?|mise à la terre|"
                      r"sicherungskasten|fi-schalter|elektroinstallation|"
                      r"quadro elétrico|disjuntor(?:es)?|instalação elétrica",
    "a user researcher": r"usability (?:session|test|study)|user research|research readout|"
                         r"interview guide|affinity map|synthesis session|participant p\d",
}.items()}


def trade_words(text: str) -> dict[str, frozenset[str]]:
    """The words of each trade's vocabulary one screen holds (only the trades it holds any of)."""
    out = {}
    for name, pattern in _TRADES.items():
        found = frozenset(m.group(0).casefold() for m in pattern.finditer(text))
        if found:
            out[name] = found
    return out


def trade(texts: list[str], words_of: list[dict[str, frozenset[str]]] | None = None
          ) -> tuple[str, list[int]] | None:
    """The profession whose work vocabulary these screens hold most (at least three of its
    words, on at least three screens), and which screens hold it; None where none stands out.

    ``words_of`` is each text's ``trade_words``, where the caller keeps them already."""
    per_screen = words_of if words_of is not None else [trade_words(t) for t in texts]
    best: tuple[str, list[int]] | None = None
    for name in _TRADES:
        words: set[str] = set()
        screens: list[int] = []
        for i, found in enumerate(per_screen):
            if name in found:
                screens.append(i)
                words |= found[name]
        if len(words) >= 3 and len(screens) >= 3 and (best is None or len(screens) > len(best[1])):
            best = (name, screens)
    return best


# Where a practitioner works, as their own work screens head it ("Cabinet de kinésithérapie
# Castellane – 52 rue de Rome", "Clínica Veterinaria San Antón", "Kanzlei Weber & Partner").
_WORKPLACE = re.compile(
    r"(?m)^[ \t]*(?P<place>(?:Cabinet|Clinic|Clinique|Clínica|Praxis|Practice|Pharmacy|Pharmacie|"
    r"Farmacia|Farmácia|Apotheke|Kanzlei|Despacho|Escritório|Bufete)"
    r"(?:[ \t]+(?:de|du|des|of|für|do|da|dos)\b)?(?:[ \t]+[\w'’&.-]+){1,4}?)"
    r"[ \t]*(?:[–—|,(·•]|[ \t]-[ \t]|[ \t]{2}|$)")


def workplace(texts: list[str]) -> str | None:
    """The practice, clinic, office or shop that heads the most of these screens, if any does."""
    seen: Counter[str] = Counter()
    for text in texts:
        seen.update({" ".join(m.group("place").split()) for m in _WORKPLACE.finditer(text)})
    return seen.most_common(1)[0][0] if seen else None


def in_english(role: str) -> str:
    """"Doktorand Biochemie" is a "PhD student (Biochemie)"; an English role stays as it is."""
    words = role.split()
    head = next((i for i, w in enumerate(words) if w.casefold() in _IN_ENGLISH), None)
    if head is None:
        return role
    rest = words[:head] + words[head + 1:]
    said = _IN_ENGLISH[words[head].casefold()]
    if rest and all(w.casefold() in _QUALIFIERS for w in rest):  # "representante médico"
        rest.sort(key=lambda w: _QUALIFIERS[w.casefold()] not in ("senior", "junior", "lead"))
        return " ".join(_QUALIFIERS[w.casefold()] for w in rest) + " " + said
    return said + (f" ({' '.join(rest)})" if rest else "")


# Words that qualify an occupation, said in English before it.
_QUALIFIERS = {"médico": "medical", "médica": "medical", "médical": "medical", "medizinischer": "medical",
               "medizinische": "medical", "comercial": "sales", "commercial": "sales",
               "commerciale": "sales", "sénior": "senior", "júnior": "junior", "sênior": "senior",
               "senior": "senior", "junior": "junior", "lead": "lead", "mobile": "mobile",
               "móvil": "mobile", "backend": "backend", "frontend": "frontend", "web": "web",
               "software": "software", "de software": "software"}


def own(role: str, org: str | None) -> Role:
    role = in_english(role)
    article = "an" if role[:1].lower() in "aeiou" else "a"
    at = f" at {org}" if org else ""
    # one role, however much is said beside it: "treasurer" and "treasurer (KGV Osterbek)"
    return Role(f"is {article} {role}{at}", f"own:{fold(role.split(' (')[0])}")


def teacher(school: str, subject: str | None = None) -> Role:
    what = f"teaches {subject}" if subject else "teaches"
    return Role(f"{what} at {school}" if school else
                (what if subject else "is a teacher"), "teacher")

