"""Kinds of activity a person pursues (planning a trip, looking for a job …), recognised from cue words.

The cue lists are generic data in English, Spanish, German, French and Portuguese: folded
(lower case, no accents) word stems that match at the start of a word ("applic" matches
"application", "applications"). A stem ending in a space must be the whole word. A thread of
observations is scored against every kind: the number of distinct cues it holds, weighted by
how many of its observations hold one, so one stray word never makes a kind.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True, slots=True)
class Kind:
    """One kind of activity: its cue stems, how it is said, and how long it stays true."""

    id: str
    cues: tuple[str, ...]
    #: the verb phrase a sentence uses ("is planning a trip")
    phrase: str
    decay: str = "weeks"
    #: cues this strong on their own make the kind (an "RSVP" is an event)
    strong: tuple[str, ...] = ()


def _cues(text: str) -> tuple[str, ...]:
    return tuple(c.strip().removesuffix("$") + (" " if c.strip().endswith("$") else "")
                 for c in text.split("|") if c.strip())


KINDS: tuple[Kind, ...] = (
    Kind("event", _cues(
        "wedding|bride|groom|rsvp|ceremony|reception$|birthday|party$|parties$|class reunion|family reunion|graduation|"
        "anniversar|baptism|christening|funeral|bachelor|hen do|stag do|save the date|"
        "boda|cumpleanos|fiesta|ceremonia|graduacion|aniversario|bautizo|"
        "hochzeit|geburtstag|feier|jubilaum|taufe|"
        "mariage|anniversaire|fete$|soiree|ceremonie|bapteme|"
        "casamento|aniversario|festa$|cerimonia|formatura|batizado"),
        "is going to", "weeks", strong=("rsvp", "wedding", "hochzeit", "boda", "mariage",
                                        "casamento", "save the date")),
    Kind("trip", _cues(
        "flight|airline|boarding|itinerar|check-in|hotel|hostel|airbnb|booking confirm|"
        "train$|trains$|departure|arrival|depart$|arrive$|round trip|one way|nonstop|layover|"
        "llegada|chegada|abfahrt|ankunft|arrivee|"
        "vuelo|alojamiento|reserva de hotel|viaje|billete|"
        "flug|fluge|unterkunft|buchung|reise|bahnticket|"
        "vol$|vols$|hebergement|reservation|voyage|billet|sejour|"
        "voo$|voos$|hospedagem|viagem|passagem aerea|passagens aereas|comboio"),
        "is planning a trip", "weeks"),
    Kind("job_search", _cues(
        "job$|jobs$|position|vacanc|opening|apply|applied|applicat|applicant|resume|cv$|post a job|"
        "cover letter|interview|recruit|hiring|careers|salar|compensation|offer letter|"
        "empleo|vacante|puesto|candidatur|entrevista|curriculum|salario|oferta de empleo|postul|"
        "stelle|stellenangebot|bewerb|vorstellungsgesprach|lebenslauf|anschreiben|gehalt|"
        "emploi|poste$|entretien|lettre de motivation|salaire|offre d'emploi|"
        "vaga|emprego|curriculo"),
        "is looking for a new job", "weeks",
        strong=("cover letter", "interview", "applicat", "applicant", "post a job", "bewerb",
                "candidatur", "postul", "entrevista", "vorstellungsgesprach", "entretien d'embauche")),
    Kind("home_search", _cues(
        "apartment|flat$|flats$|rent$|rental|landlord|viewing|lease|tenan|bedroom|sq ft|"
        "piso$|alquiler|arrendador|casero|fianza|mudanza|"
        "wohnung|miete|kaltmiete|warmmiete|vermieter|besichtigung|kaution|umzug|schufa|"
        "appartement|loyer|proprietaire|caution|demenagement|bail$|"
        "apartamento|aluguel|arrendamento|senhorio|caucao|mudanca|"
        "flatmate|roommate|housemate|mitbewohner|wg-casting|wg-gesucht|colocataire|colocation|"
        "companero de piso|companera de piso"),
        "is looking for a place to rent", "weeks",
        # (a landlord alone is also whom one pays, or, for a tradesman, a customer)
        strong=("besichtigung", "kaltmiete", "schufa", "flatmate",
                "mitbewohner", "wg-casting", "wg-gesucht", "colocataire")),
    Kind("buying_home", _cues(
        "mortgage|home loan|conveyanc|completion date|exchange of contracts|survey$|"
        "hipoteca|credito hipotecario|escritura|notaria|notario|avaluo|tasacion|compraventa|"
        "baufinanzierung|hypothek|immobilienkredit|kaufvertrag|notartermin|grundbuch|"
        "pret immobilier|offre de pret|compromis de vente|acte de vente|acte authentique|notaire|"
        "credito habitacao|financiamento imobiliario|escritura|cartorio|avaliacao do imovel"),
        "is buying a home", "months",
        strong=("mortgage", "hipoteca", "credito hipotecario", "baufinanzierung", "hypothek",
                "pret immobilier", "offre de pret", "credito habitacao", "financiamento imobiliario")),
    Kind("shift_swap", _cues(
        "swap shifts|shift swap|swap my shift|swap a shift|swapped shifts|cover my shift|"
        "cambio de turno|intercambio de turno|cambiar el turno|cambiarme el turno|"
        "diensttausch|schichttausch|tauschanfrage|tauscht mit mir|tausche mit|"
        "echange de garde|echanger ma garde|echanger mon poste|"
        "troca de plantao|trocar o plantao|troca de turno|trocar de turno"),
        "is swapping a shift", "days",
        strong=("diensttausch", "schichttausch", "shift swap", "swap shifts", "cambio de turno",
                "troca de plantao", "echange de garde", "tauschanfrage")),
    Kind("moving", _cues(
        "moving house|moving to|move to|moving day|relocat|removal|removals|movers|moving van|"
        "man and van|change of address|mail forwarding|redirect your mail|new address|"
        "end of tenancy|notice to quit|"
        "mudanza|traslado|nueva direccion|"
        "umzug|umziehen|nachsendeauftrag|ummeldung|neue adresse|"
        "demenag|changement d'adresse|nouvelle adresse|"
        "mudanca|mudar para|nova morada|novo endereco"),
        "is moving", "months",
        strong=("relocat", "removal", "movers", "umzug", "demenag", "mudanza", "mudanca",
                "change of address", "moving house")),
    Kind("training", _cues(
        "marathon|half marathon|10k$|5k$|triathlon|training plan|long run|tempo run|intervals|"
        "strava|race day|parkrun|ironman|"
        "maraton|media maraton|entrenamiento|"
        "halbmarathon|trainingsplan|"
        "semi-marathon|entrainement|"
        "maratona|meia maratona|treino"),
        "is training for a race", "months",
        strong=("marathon", "half marathon", "triathlon", "training plan", "maraton",
                "halbmarathon", "maratona", "ironman")),
    Kind("selling", _cues(
        "for sale|selling|sell my|asking price|still available|buyer|listing|marketplace|"
        "se vende|vendo$|comprador|anuncio|la vendo|lo vendo|te la dejo en|te lo dejo en|tu anuncio|"
        "your listing|your ad$|ihre anzeige|seu anuncio|"
        "vendido$|vendida$|subir producto|en venta|a la venta|"
        "zu verkaufen|verkaufe|kaufer|inserat|"
        "a vendre|acheteur|annonce|je vends|vendu$|vendue$|votre annonce|"
        "vende-se|comprador|anuncio|estou vendendo|a venda|"
        # a marketplace's name says nothing of which side the person is on: it is in both
        "kleinanzeigen|wallapop|leboncoin|willhaben|milanuncios|enjoei|olx$|vinted"),
        "is selling", "weeks", strong=("still available", "asking price", "for sale", "se vende",
                                       "la vendo", "lo vendo", "zu verkaufen", "verkaufe",
                                       "a vendre", "je vends", "vende-se", "estou vendendo",
                                       # a buyer writing to the seller about "your ad"
                                       "votre annonce", "your listing", "tu anuncio", "seu anuncio",
                                       "ihre anzeige")),
    Kind("buying", _cues(
        "add to cart|add to basket|checkout|in stock|compare|test ride|test drive|"
        "used$|second-hand|warranty|specs|"
        "anadir a la cesta|comprar|segunda mano|"
        "in den warenkorb|gebraucht|"
        "ajouter au panier|occasion|"
        "adicionar ao carrinho|usado|"
        # a buyer's side of a marketplace: asking whether the thing is still there, collecting it
        "still available|is it available|noch da|noch verfugbar|abholen|abholung|"
        "sigue disponible|todavia disponible|ainda disponivel|ainda esta disponivel|"
        "toujours disponible|encore disponible|kleinanzeigen|wallapop|leboncoin|willhaben|"
        "milanuncios|enjoei|olx$|vinted"),
        "is shopping for", "weeks"),
    Kind("learning", _cues(
        "lesson|course$|courses$|tutorial|exercise|practice|streak|quiz|learn|duolingo|"
        "leccion|curso|aprender|ejercicio|"
        "lektion|kurs$|lernen|ubung|"
        "lecon|cours$|apprendre|exercice|"
        "licao|aula$|aprender|exercicio"),
        "is learning", "months"),
    Kind("listening", _cues(
        "now playing|playing$|playlist|podcast|album|radio$|beats to|lofi|lo-fi|"
        "reproduciendo|lista de reproduccion|wiedergabe|en lecture|tocando"),
        "listens to", "months", strong=("now playing", "playing", "playlist", "podcast")),
    Kind("coding_practice", _cues(
        "leetcode|hackerrank|codewars|neetcode|codility|exercism|advent of code|"
        "dynamic programming|binary search|two sum|wrong answer|time limit exceeded"),
        "is practising coding problems", "weeks", strong=("leetcode", "hackerrank", "codewars",
                                                          "neetcode", "codility")),
    Kind("studying", _cues(
        "assignment|homework|exam$|exams$|midterm|final exam|syllabus|lecture|semester|"
        "coursework|problem set|study group|professor|tutor$|grade$|grades$|"
        "tarea|examen|parcial|asignatura|"
        "hausaufgabe|prufung|klausur|vorlesung|semester|"
        "devoir|partiel|"
        "prova$|exame|disciplina|"
        # preparing for an exam, in five languages
        "mock exam|past papers|practice questions|exam prep|temario$|oposiciones|oposicion$|"
        "simulacro$|gesellenprufung|abschlussprufung|prufungsvorbereitung|probeprufung|"
        "examen blanc|annales$|simulado$|vestibular$"),
        "is studying", "weeks", strong=("assignment", "midterm", "syllabus", "klausur", "mock exam",
                                        "temario", "oposicion", "simulacro", "gesellenprufung",
                                        "abschlussprufung", "examen blanc", "simulado")),
    Kind("writing", _cues(
        "draft|chapter|essay|toast$|speech|manuscript|outline|word count|proofread|"
        "borrador|capitulo|ensayo|discurso|"
        "entwurf|kapitel|aufsatz|rede$|"
        "brouillon|chapitre|discours|redaction|"
        "rascunho|capitulo|discurso|redacao"),
        "is writing", "weeks"),
    Kind("reviewing", _cues(
        "pull request|merge request|review|reviewer|approve|changes requested|lgtm|"
        "revision$|revisar|uberprufung|relecture|revisao"),
        "is reviewing", "days"),
    Kind("debugging", _cues(
        "failed|failing|failure|error$|errors$|exception|traceback|panic|bug$|bugs$|crash|"
        "segfault|data race|race detected|flaky|assertionerror|stack trace|regression"),
        "is fixing", "days", strong=("data race", "race detected", "traceback", "panic")),
    Kind("on_call", _cues(
        "on-call|on call|incident|pagerduty|opsgenie|outage|sev1|sev2|sev-1|sev-2|postmortem|"
        "post-mortem|firing|runbook|degraded|escalat|triggered"),
        "is on call", "days", strong=("pagerduty", "opsgenie", "on-call", "incident")),
    Kind("caring", _cues(
        "pharmacy|prescription|medication|care home|nursing home|caregiver|carer|home care|"
        "farmacia|receta|residencia de mayores|cuidador|"
        "apotheke|rezept|pflegeheim|pflegedienst|pflege$|"
        "pharmacie|ordonnance|ehpad|maison de retraite|aide a domicile|"
        "farmacia|receita|lar de idosos|cuidador"),
        "is caring for", "weeks"),
    Kind("parenting", _cues(
        "school$|kindergarten|daycare|nursery|babysit|pediatric|paediatric|class trip|"
        "parents' evening|parent-teacher|playdate|school run|"
        "colegio|guarderia|ninera|pediatra|"
        "schule|kita$|kindergarten|babysitter|kinderarzt|elternabend|"
        "ecole|creche|nounou|pediatre|"
        "escola|creche|baba$|pediatra"),
        "is organising things for their children", "weeks"),
    Kind("health", _cues(
        "doctor|appointment with dr|clinic|dentist|physio|gp surgery|symptom|diagnos|"
        "medico|cita medica|clinica|dentista|"
        "arzt|arztin|termin beim|praxis|zahnarzt|"
        "medecin|rendez-vous medical|dentiste|"
        "medico|consulta|clinica|dentista"),
        "has a medical appointment", "days"),
    Kind("invoicing", _cues(
        "invoice|unpaid|overdue|payment reminder|past due|quote$|quotation|estimate$|"
        "factura|presupuesto|impagada|"
        "rechnung|zahlungserinnerung|angebot$|mahnung|"
        "facture|devis|impaye|relance|"
        "fatura|orcamento|pagamento em atraso"),
        "is handling invoices", "weeks"),
)
KINDS_BY_ID = {k.id: k for k in KINDS}


def fold(text: str) -> str:
    """Lower case without accents, so "Prüfung" and "prufung" are one word."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=1)
def _matchers() -> tuple[tuple[Kind, re.Pattern[str]], ...]:
    out = []
    for kind in KINDS:
        parts = []
        for cue in kind.cues:
            whole = cue.endswith(" ")
            body = re.escape(cue.strip()).replace(r"\ ", r"\s+")
            parts.append(r"\b" + body + (r"\b" if whole else ""))
        out.append((kind, re.compile("|".join(f"(?:{p})" for p in parts))))
    return tuple(out)


def cues_in(text: str) -> dict[str, tuple[str, ...]]:
    """Kind id -> the distinct cues found in ``text`` (already folded or not), sorted: what is
    counted from them must not depend on a set's order (which changes from run to run)."""
    folded = fold(text)
    found: dict[str, tuple[str, ...]] = {}
    for kind, pattern in _matchers():
        hits = {" ".join(m.group(0).split()) for m in pattern.finditer(folded)}
        if hits:
            found[kind.id] = tuple(sorted(hits))
    return found


def score_kinds(per_observation: Iterable[dict[str, tuple[str, ...]]]) -> dict[str, float]:
    """Kind id -> score over a thread: distinct cues plus observations holding one, strong cues double.

    A kind needs evidence from more than one word or more than one observation to score
    above 1.5, the level at which a thread is said to be of that kind.
    """
    distinct: dict[str, set[str]] = {}
    observations: dict[str, int] = {}
    for cues in per_observation:
        for kind_id, hits in cues.items():
            distinct.setdefault(kind_id, set()).update(hits)
            observations[kind_id] = observations.get(kind_id, 0) + 1
    scores = {}
    for kind_id, hits in distinct.items():
        kind = KINDS_BY_ID[kind_id]
        strong = sum(1 for h in hits if any(h.startswith(s) for s in kind.strong))
        scores[kind_id] = 0.6 * len(hits) + 0.5 * observations[kind_id] + 0.6 * strong
    return scores
