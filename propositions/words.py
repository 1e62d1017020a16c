"""How common a word is in general language (wordfreq): what makes a word salient for this person."""

from __future__ import annotations

from functools import lru_cache

#: the languages whose everyday words ``common_zipf`` knows (wordfreq's small lists)
COMMON_LANGUAGES = ("en", "es", "de", "fr", "pt")


@lru_cache(maxsize=1)
def _zipf():  # type: ignore[no-untyped-def]
    from wordfreq import zipf_frequency  # imported on first use: it loads a large table

    return zipf_frequency


@lru_cache(maxsize=50_000)
def common_zipf(word: str, lang: str = "en") -> float:
    """The word's Zipf frequency if it is an everyday word (≥ 3.0: once per million words), else 0.

    Read from wordfreq's small lists, which hold exactly the words at 3.0 and above with the
    same values as the large ones, at a tenth of the memory: the large English list costs a
    process ~33 MB, the German one ~69 MB, and a daemon that asked all five would keep ~200 MB.
    """
    return _zipf()(word, lang, wordlist="small")


def everyday_anywhere(word: str, threshold: float = 3.0) -> bool:
    """Whether ``word`` is at least this common in any of the common languages."""
    return any(common_zipf(word, lang) >= threshold for lang in COMMON_LANGUAGES)


@lru_cache(maxsize=200_000)
def general_log_freq(word: str) -> float:
    """log10 of the word's frequency per word in general English (floor for unseen words).

    The classic inferrer's salience needs rare words' frequencies too, so this one reads the
    large list.
    """
    z = _zipf()(word, "en")
    return (z if z > 0 else 1.0) - 9.0


def by_meaning(table: dict[str, str]) -> dict[str, str]:
    """Words of several languages by what they mean in English.

    Tables are written one meaning a line, ``{"nurse": "enfermera infirmière pflegefachkraft"}``,
    so a language missing from a line shows; this turns one into ``{"enfermera": "nurse", …}``.
    """
    return {word: meaning for meaning, words in table.items() for word in words.split()}
