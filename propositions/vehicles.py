"""A vehicle's roadworthiness test: which test a text names, whether it is booked or due, and for
which vehicle.

Each country names the test its own way (generic data, not any one person's words): the UK's
MOT, Ireland's NCT, Spain's ITV, Germany's HU (at the TÜV or DEKRA), France's contrôle technique,
Portugal's and Brazil's inspeção. The acronyms count only in capitals and beside something about
a vehicle: "mot" is French for a word, and ITV is also a television channel.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ACRONYM = re.compile(r"\b(?P<name>MOT|NCT|ITV|TÜV|TUV|DEKRA)\b")
_SPELT = re.compile(
    r"(?i)\b(?P<name>hauptuntersuchung|contr[oô]le technique|inspe[cç][aã]o (?:peri[oó]dica|veicular|"
    r"autom[oó]vel)|inspecci[oó]n t[eé]cnica de veh[ií]culos|smog check)\b")
# Something about a vehicle beside an acronym: a make, a registration, a vehicle word, a booking
# or an expiry.
_VEHICLE_WORDS = re.compile(
    r"(?i)\b(?:vehicle|registration|reg\b|car\b|van\b|veh[ií]culo|matr[ií]cula|coche|fahrzeug|"
    r"kennzeichen|plakette|v[ée]hicule|immatriculation|voiture|ve[ií]culo|carro|carrinha|"
    r"book|booked|due|expires?|valid until|cita|caduca|termin|f[äa]llig|rendez-vous|marca[cç][aã]o)")
_BOOKED = re.compile(
    r"(?i)\b(?:booked|booking confirm\w*|you(?:'re| are) booked|confirmed|reservad[oa]|"
    r"cita confirmada|termin (?:best[äa]tigt|gebucht)|rendez-vous confirm[ée]|"
    r"marca[cç][aã]o confirmada|agendad[oa]|confirmad[oa])\b")
_DUE = re.compile(
    r"(?i)\b(?:due|expires?|expiring|valid until|caduca|vence|v[aá]lid[ao] hasta|f[äa]llig|"
    r"g[üu]ltig bis|expire|valable jusqu|v[aá]lid[ao] at[ée])\b")
_MAKES = (r"ford|vauxhall|opel|volkswagen|vw|renault|peugeot|citro[eë]n|seat|cupra|skoda|škoda|"
          r"toyota|honda|nissan|hyundai|kia|bmw|audi|mercedes(?:-benz)?|fiat|dacia|tesla|mazda|"
          r"volvo|mini|suzuki|mitsubishi|chevrolet|jeep|subaru|lexus|porsche|land rover")
_VEHICLE = re.compile(rf"(?i)\b(?P<make>{_MAKES})[ \t]+(?P<model>[a-z][a-z-]+(?:[ \t]+[a-z][a-z]+)?)\b")
_VAN = re.compile(r"(?i)\b(?:van|furgoneta|transporter|camionnette|carrinha)\b")
# What follows a model and is no part of its name: trim level, engine, a plate's letters.
_NOT_MODEL = re.compile(r"(?i)^(?:st|line|sport|titanium|zetec|leader|ecoblue|diesel|petrol|tdi|"
                        r"tsi|hybrid|class|colour|fuel|reg|mk\d*|[a-z]{2}\d{2})$")
_NAMES = {"MOT": "an MOT", "NCT": "an NCT", "ITV": "the ITV", "TÜV": "the TÜV inspection",
          "TUV": "the TÜV inspection", "DEKRA": "the HU inspection"}


@dataclass(frozen=True)
class Inspection:
    """A text's mention of a vehicle test: how to say it, and whether it is booked or due."""

    name: str  # "an MOT", "the contrôle technique"
    booked: bool
    due: bool


def inspection_in(text: str) -> Inspection | None:
    """The vehicle test ``text`` names, if it names one beside something about a vehicle."""
    spelt = _SPELT.search(text)
    if spelt:
        name = f"the {spelt.group('name').lower()}"
    else:
        acronym = _ACRONYM.search(text)
        if acronym is None or not _VEHICLE_WORDS.search(text):
            return None
        name = _NAMES[acronym.group("name")]
    return Inspection(name, bool(_BOOKED.search(text)), bool(_DUE.search(text)))


def vehicle_in(text: str) -> str | None:
    """The vehicle ``text`` names: its make and model ("Ford Transit Custom"), else "the van"."""
    for m in _VEHICLE.finditer(text):
        words = [m.group("make")] + [w for w in m.group("model").split()]
        kept = [words[0]]
        for w in words[1:]:
            if _NOT_MODEL.match(w):
                break
            kept.append(w)
        if len(kept) > 1:
            return " ".join(_as_named(w) for w in kept)
    return "the van" if _VAN.search(text) else None


def _as_named(word: str) -> str:
    """A make or model word as it is written in a sentence: "FORD" is Ford, "BMW" stays."""
    if word.upper() in ("VW", "BMW"):
        return word.upper()
    return word.capitalize() if word.isupper() or word.islower() else word
