"""How common a word is in general language (wordfreq): what makes a word salient for this person."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def _zipf():  # type: ignore[no-untyped-def]
    from wordfreq import zipf_frequency  # imported on first use: it loads a large table

    return zipf_frequency


@lru_cache(maxsize=200_000)
def general_log_freq(word: str) -> float:
    """log10 of the word's frequency per word in general English (floor for unseen words)."""
    z = _zipf()(word, "en")
    return (z if z > 0 else 1.0) - 9.0
