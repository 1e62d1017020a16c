"""Screen chrome (menu bars, clocks, cookie banners, badges) told apart from what a window shows."""

from __future__ import annotations

import re
import unicodedata

# Words of menu bars, toolbars and tab strips in English, Spanish, German, French, Portuguese.
_MENU_WORDS = frozenset("""
file edit view history bookmarks tools help window go insert format table data run terminal
selection debug project build navigate code refactor profile develop share favorites
archivo editar ver historial marcadores herramientas ayuda ventana insertar formato tabla datos
datei bearbeiten ansicht verlauf lesezeichen extras hilfe fenster einfügen format tabelle daten
fichier édition affichage historique marque-pages outils aide fenêtre insertion tableau données
arquivo editar exibir histórico favoritos ferramentas ajuda janela inserir formatar tabela dados
new tab reload back forward home search address bar bookmark downloads settings sign in log in
nueva pestaña neuer tab nouvel onglet nova aba
""".split())
_CLOCK = re.compile(
    r"^\W*(?:(?:mon|tue|wed|thu|fri|sat|sun|lun|mar|mié|mie|jue|vie|sáb|sab|dom|mo|di|mi|do|fr|"
    r"sa|so|mer|jeu|ven|sam|seg|ter|qua|qui|sex)[a-zé]*\.?,?\s+)?"
    r"(?:\d{1,2}\.?\s+[a-zäéû]{3,9}\.?\s+|[a-z]{3,9}\.?\s+\d{1,2},?\s+)?"
    r"\d{1,2}[:h.]\d\d(?::\d\d)?\s*(?:[ap]\.?m\.?)?\W*$", re.I)
_BANNER = re.compile(
    r"\b(?:we use cookies|this site uses cookies|accept all cookies|accept all|reject all|"
    r"manage (?:cookie )?preferences|cookie settings|utilizamos cookies|usamos cookies|"
    r"aceptar todas|wir verwenden cookies|alle akzeptieren|nous utilisons des cookies|"
    r"tout accepter|aceitar todos|sponsored|advertisement|patrocinado|anzeige|sponsorisé|"
    r"publicidade|publicidad)\b", re.I)
_BADGE = re.compile(r"^\W*(?:\d+\+?|\(\d+\)|\d+\s+(?:unread|new|notifications?|mensajes|"
                    r"ungelesen|non lus?|não lidas?))\W*$", re.I)


def _fold(word: str) -> str:
    return unicodedata.normalize("NFC", word.casefold())


def is_clock(text: str) -> bool:
    """True when ``text`` is nothing but a clock or a menu-bar date and time ("Mon 9 Mar 13:49")."""
    return bool(_CLOCK.match(text.strip())) if len(text) < 40 else False


def _is_menu(line: str) -> bool:
    words = re.findall(r"[^\W\d_][\w-]*", line)
    if len(words) < 3 or len(words) > 20:
        return False
    known = sum(1 for w in words if _fold(w) in _MENU_WORDS)
    return known / len(words) >= 0.7


def strip_chrome(text: str, *, app: str | None = None, title: str | None = None) -> str:
    """``text`` without lines that are only chrome: menu bars, clocks, badges, cookie and ad lines.

    Content lines stay whole, a timestamp inside a chat or log line included; only a line
    that is nothing but chrome goes. Conservative by design: losing content is worse than
    keeping a little chrome.
    """
    kept = []
    for line in text.splitlines():
        bare = line.strip()
        if bare and (is_clock(bare) or _BADGE.match(bare) or _is_menu(bare)
                     or (_BANNER.search(bare) and len(bare) < 200)):
            continue
        kept.append(line)
    return "\n".join(kept)
