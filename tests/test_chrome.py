"""Screen chrome: menus, tab strips, clocks, badges, banners and ads go; content stays."""

from __future__ import annotations

import time

import pytest

from propositions.chrome import is_clock, strip_chrome


def lines_of(text: str) -> list[str]:
    return [line for line in text.split("\n") if line.strip()]


def assert_kept(result: str, content: list[str]) -> None:
    """Every content line is in ``result`` as written, in order."""
    kept = lines_of(result)
    assert [line for line in kept if line in content] == content, result


def assert_gone(result: str, fragments: list[str]) -> None:
    for fragment in fragments:
        assert fragment not in result, (fragment, result)


# --------------------------------------------------------------------------- screens

BROWSER_EN_CONTENT = [
    "How to keep a sourdough starter alive",
    "Feed the starter once a day with equal weights of flour and water.",
    "Keep it at 24-26 °C; below 20 °C it slows down a lot.",
    "If a grey liquid forms on top, pour it off and feed twice.",
]
BROWSER_EN = "\n".join([
    "Firefox File Edit View History Bookmarks Tools Help     Mon 9 Mar 13:49",
    "How to keep a sourdough starter × New Tab × +",
    "← → C  Search or enter address",
    "Skip to content",
    "We use cookies to improve your experience and to show you personalised ads.",
    "You can change your choices at any time in Cookie settings.",
    "Accept all   Reject all   Manage preferences",
    BROWSER_EN_CONTENT[0],
    BROWSER_EN_CONTENT[1],
    "Sponsored",
    "The stand mixer bakers love — 30% off this week",
    "Shop now",
    BROWSER_EN_CONTENT[2],
    BROWSER_EN_CONTENT[3],
    "Privacy Policy · Terms · Help",
    "© 2026 Crumb Media. All rights reserved.",
])

BROWSER_ES_CONTENT = [
    "Cómo preparar la entrevista técnica",
    "Repasa las estructuras de datos básicas y practica en voz alta.",
    "Lleva preguntas sobre el equipo y sobre cómo revisan el código.",
]
BROWSER_ES = "\n".join([
    "Archivo Editar Ver Historial Marcadores Herramientas Ayuda   lun. 9 mar 13:49",
    "Nueva pestaña",
    "Utilizamos cookies propias y de terceros para analizar el tráfico.",
    "Puedes aceptarlas o configurarlas.",
    "Aceptar todo   Rechazar todo   Configurar",
    BROWSER_ES_CONTENT[0],
    "Patrocinado",
    "Curso de Python en línea: primera semana gratis",
    "Más información",
    BROWSER_ES_CONTENT[1],
    BROWSER_ES_CONTENT[2],
    "Política de privacidad · Términos y condiciones · Ayuda",
])

BROWSER_DE_CONTENT = [
    "Wohnungsbesichtigung am Donnerstag",
    "Die Wohnung hat drei Zimmer, einen Balkon und liegt im zweiten Stock.",
    "Kaltmiete 1.150 €, Nebenkosten 210 €.",
]
BROWSER_DE = "\n".join([
    "Datei Bearbeiten Ansicht Chronik Lesezeichen Extras Hilfe   Mo., 9. März 13:49",
    "Neuer Tab",
    "Wir verwenden Cookies, um Inhalte zu personalisieren.",
    "Alle akzeptieren   Alle ablehnen",
    BROWSER_DE_CONTENT[0],
    BROWSER_DE_CONTENT[1],
    "Anzeige",
    "Umzugskartons im Set – jetzt 20 % günstiger",
    "Jetzt kaufen",
    BROWSER_DE_CONTENT[2],
    "Impressum · Datenschutz · Kontakt",
])

BROWSER_FR_CONTENT = [
    "Réserver un train Paris – Lyon",
    "Départ 08:12, arrivée 10:08, voiture 14, place 62.",
]
BROWSER_FR = "\n".join([
    "Fichier Édition Affichage Historique Marque-pages Outils Aide   lun. 9 mars 13:49",
    "Nouvel onglet",
    "Nous utilisons des cookies pour mesurer l'audience.",
    "Tout accepter   Tout refuser   Personnaliser",
    BROWSER_FR_CONTENT[0],
    "Sponsorisé",
    "Valises cabine à prix mini",
    "En savoir plus",
    BROWSER_FR_CONTENT[1],
    "Mentions légales · Politique de confidentialité",
])

BROWSER_PT_CONTENT = [
    "Receita de pão de queijo",
    "Misture o polvilho com o leite quente e o óleo.",
    "Asse por 25 minutos a 180 °C.",
]
BROWSER_PT = "\n".join([
    "Arquivo Editar Exibir Histórico Favoritos Ferramentas Ajuda   seg., 9 de mar. 13:49",
    "Nova aba",
    "Usamos cookies para melhorar a sua experiência.",
    "Aceitar todos   Rejeitar todos",
    BROWSER_PT_CONTENT[0],
    BROWSER_PT_CONTENT[1],
    "Publicidade",
    "Forma de silicone com 40% de desconto",
    "Saiba mais",
    BROWSER_PT_CONTENT[2],
    "Política de privacidade · Termos de uso",
])

MAIL_CONTENT = [
    "From: Ana Ruiz <ana@example.org>",
    "Subject: Q3 budget review moved",
    "Hi, the budget review moves to Thursday at 15:00.",
    "Could you bring the updated hiring plan?",
    "Thanks, Ana",
]
MAIL = "\n".join([
    "Mail File Edit View Mailbox Message Format Window Help    Tue 14 Oct 09:41",
    "Inbox (3)",
    "Starred",
    "Sent",
    "Drafts 2",
    "12 unread",
    MAIL_CONTENT[0],
    MAIL_CONTENT[1],
    "",
    MAIL_CONTENT[2],
    MAIL_CONTENT[3],
    "",
    MAIL_CONTENT[4],
])

TERMINAL_CONTENT = [
    "$ cargo test",
    "   Compiling parser v0.3.1 (/home/dev/parser)",
    "    Finished test [unoptimized + debuginfo] target(s) in 2.31s",
    "running 12 tests",
    "test result: ok. 12 passed; 0 failed; 0 ignored",
    "2026-03-09 13:49:02 INFO server: listening on 127.0.0.1:8080",
    "13:49:05 WARN slow request /api/items took 812 ms",
    "$ date +%H:%M",
    "13:49",
]
TERMINAL = "\n".join(TERMINAL_CONTENT)

EDITOR_CONTENT = [
    "def view_history(edit: File) -> list[str]:",
    "    # Help text is shown in the tools panel",
    "    return [line for line in edit.history if line]",
    "",
    "class Bookmarks:",
    "    pass",
]
EDITOR = "\n".join([
    "Code File Edit Selection View Go Run Terminal Window Help",
    "main.py — notes",
    *EDITOR_CONTENT,
    "Ln 3, Col 12   Spaces: 4   UTF-8   Python",
])

CHAT_CONTENT = [
    "[10:42] Ana: are we still on for lunch at 13:00?",
    "[10:43] Ben: yes, the usual place",
    "Ana Ruiz  10:45",
    "I booked the table for four",
    "10:46 Ben: New Tab design review is moved to Friday",
]
CHAT = "\n".join([
    "Slack File Edit View Go Window Help    Mon 9 Mar 13:49",
    "# lunch-club  (3)",
    *CHAT_CONTENT,
    "3 new messages",
])


class TestScreens:
    def test_browser_english(self) -> None:
        result = strip_chrome(BROWSER_EN, app="Firefox")
        assert lines_of(result) == ["How to keep a sourdough starter", *BROWSER_EN_CONTENT]
        assert_gone(result, ["Bookmarks", "New Tab", "cookies", "Accept all", "Sponsored",
                             "stand mixer", "Shop now", "Privacy Policy", "13:49", "©"])

    def test_browser_spanish(self) -> None:
        result = strip_chrome(BROWSER_ES)
        assert lines_of(result) == BROWSER_ES_CONTENT

    def test_browser_german(self) -> None:
        result = strip_chrome(BROWSER_DE)
        assert lines_of(result) == BROWSER_DE_CONTENT

    def test_browser_french(self) -> None:
        result = strip_chrome(BROWSER_FR)
        assert lines_of(result) == BROWSER_FR_CONTENT

    def test_browser_portuguese(self) -> None:
        result = strip_chrome(BROWSER_PT)
        assert lines_of(result) == BROWSER_PT_CONTENT

    def test_mail_client(self) -> None:
        result = strip_chrome(MAIL, app="Mail")
        assert lines_of(result) == MAIL_CONTENT
        assert_gone(result, ["Mailbox", "Inbox", "Starred", "Drafts", "unread", "09:41"])
        # the blank lines of the mail body stay where they were
        assert result == "\n".join(MAIL.split("\n")[6:])

    def test_terminal_output_is_all_content(self) -> None:
        assert strip_chrome(TERMINAL, app="Terminal") == TERMINAL
        # Even without knowing the app, only the bare clock at the very end could go.
        assert lines_of(strip_chrome(TERMINAL)) == TERMINAL_CONTENT[:-1]

    def test_editor_keeps_code_that_uses_menu_words(self) -> None:
        result = strip_chrome(EDITOR, app="Code")
        assert_kept(result, [line for line in EDITOR_CONTENT if line])
        assert "Selection View Go Run" not in result
        assert "main.py — notes" in result

    def test_chat_keeps_timestamps_inside_lines(self) -> None:
        result = strip_chrome(CHAT, app="Slack")
        assert lines_of(result) == ["# lunch-club  (3)", *CHAT_CONTENT]
        assert_gone(result, ["Mon 9 Mar", "new messages"])


# --------------------------------------------------------------------------- line rules


class TestLines:
    @pytest.mark.parametrize("line", [
        "File Edit View History Bookmarks Tools Help",
        "Archivo Editar Ver Historial Marcadores Herramientas Ayuda",
        "Datei Bearbeiten Ansicht Verlauf Lesezeichen Extras Hilfe",
        "Fichier Édition Affichage Historique Marque-pages Outils Aide",
        "Arquivo Editar Exibir Histórico Favoritos Ferramentas Ajuda",
        "Fichier Edition Affichage Historique",  # accents lost by OCR
        "Home  Explore  Notifications  Messages  Profile",
        "Privacy Policy · Terms · Help",
        "Wi-Fi  🔋 87%  Bluetooth",
    ])
    def test_menu_and_navigation_lines_go(self, line: str) -> None:
        assert strip_chrome(f"Notes for Tuesday\n{line}\nCall the landlord") == \
            "Notes for Tuesday\nCall the landlord"

    @pytest.mark.parametrize("line", [
        "Help me edit the file before Friday",
        "View the history of the project in the tools folder",
        "Search History Reveals New Tools",  # a headline: 3 of 5 words are menu words
        "view history bookmarks tools",  # lower case: prose or a directory listing
        "Edit the file.",
        "git log --oneline -- history/",
        "See the Privacy Policy section of the contract for the retention terms",
    ])
    def test_lines_that_only_mention_menu_words_stay(self, line: str) -> None:
        text = f"Notes for Tuesday\n{line}\nCall the landlord"
        assert strip_chrome(text) == text

    def test_bare_clock_goes_at_the_edges_and_next_to_chrome(self) -> None:
        assert strip_chrome("13:49\nMeeting notes\nDecide on the venue") == \
            "Meeting notes\nDecide on the venue"
        assert strip_chrome("Meeting notes\nDecide on the venue\n9:41 AM") == \
            "Meeting notes\nDecide on the venue"
        assert strip_chrome("Notes\nFile Edit View\n13:49\nDecide") == "Notes\nDecide"

    def test_bare_clock_between_content_stays(self) -> None:
        # a calendar's day view: the times belong to the events
        day = "Tuesday\n09:00\nStand-up with the platform team\n10:30\nDentist appointment"
        assert strip_chrome(day, app="Calendar") == day
        # without knowing the app, only the lone lines at the top are taken for a panel clock
        assert strip_chrome(day) == day.split("\n", 2)[2]
        mail = "From: Ana\nTue 14 Oct 09:41\nThe review moves to Thursday."
        assert strip_chrome(mail) == mail

    def test_dates_in_content_lines_stay(self) -> None:
        for line in ("Mon 9 Mar 13:49 Stand-up", "Flight leaves Mon 9 Mar at 13:49",
                     "Deadline: 2026-03-09", "lun. 9 mars 13:49 : réunion d'équipe"):
            text = f"Plans\n{line}\nMore plans"
            assert strip_chrome(text) == text

    @pytest.mark.parametrize("line, expected", [
        ("Thesis (2)", "Thesis"),
        ("(3) Project Alpha", "Project Alpha"),
        ("Reviews 4 unread", "Reviews"),
        ("Pedidos 3 mensajes nuevos", "Pedidos"),
        ("Rechnungen 2 ungelesen", "Rechnungen"),
        ("Factures 5 non lus", "Factures"),
        ("Faturas 7 novas mensagens", "Faturas"),
        ("Updates 99+", "Updates"),
    ])
    def test_badge_beside_a_label_is_cut(self, line: str, expected: str) -> None:
        assert strip_chrome(f"Folders\n{line}\nEnd of list") == f"Folders\n{expected}\nEnd of list"

    @pytest.mark.parametrize("line", [
        "As shown by Smith et al. (2019), sleep matters.",
        "The result in equation (3) holds for every n",
        "I have 12 unread messages from the landlord about the deposit",
        "Total 42",
        "print(3)",
    ])
    def test_numbers_in_content_are_not_badges(self, line: str) -> None:
        text = f"Notes\n{line}\nEnd"
        assert strip_chrome(text) == text

    @pytest.mark.parametrize("line", [
        "3 new notifications", "12 unread", "99+", "5 notificaciones nuevas",
        "3 neue Nachrichten", "2 nouveaux messages", "4 novas notificações",
    ])
    def test_counter_lines_go(self, line: str) -> None:
        assert strip_chrome(f"Notes\n{line}\nEnd") == "Notes\nEnd"

    def test_cookie_banner_without_buttons_loses_only_its_opening_line(self) -> None:
        text = ("We use cookies to measure traffic.\n"
                "The council approved the new bike lanes on Monday.\n"
                "Work starts in May.")
        assert strip_chrome(text) == ("The council approved the new bike lanes on Monday.\n"
                                      "Work starts in May.")

    def test_article_about_cookies_stays(self) -> None:
        text = "Regulators say many sites that write we use cookies ignore refusals.\nEnd"
        assert strip_chrome(text) == text

    def test_ad_prefix_and_suffix_labels(self) -> None:
        text = ("Results for standing desk\n"
                "Ad · www.desks.example/sale\n"
                "Standing desks from 199 €\n"
                "Shop now\n"
                "Acme Furniture · Sponsored\n"
                "How to set up a standing desk without back pain")
        assert strip_chrome(text) == ("Results for standing desk\n"
                                      "How to set up a standing desk without back pain")

    def test_tab_strip_fragments_are_cut_from_the_ends(self) -> None:
        assert strip_chrome("Body\nGmail × Nueva pestaña × +\nEnd") == "Body\nGmail\nEnd"
        assert strip_chrome("Body\nSign in | Flight status for LH 1234\nEnd") == \
            "Body\nFlight status for LH 1234\nEnd"

    def test_window_title_line_is_kept(self) -> None:
        text = "Sent\nQuarterly plan\nEnd"
        assert strip_chrome(text) == "Quarterly plan\nEnd"
        assert strip_chrome(text, title="Sent") == text

    def test_terminal_keeps_lone_lines_at_its_edges(self) -> None:
        text = "09:00\n$ make\nmake: Nothing to be done for 'all'.\nHelp"
        assert strip_chrome(text, app="iTerm2") == text
        assert strip_chrome(text) == "$ make\nmake: Nothing to be done for 'all'."

    def test_line_structure_and_trailing_newline(self) -> None:
        text = "File Edit View Help\nfirst\n\n\nsecond\n"
        assert strip_chrome(text) == "first\n\n\nsecond\n"
        assert strip_chrome("") == ""
        assert strip_chrome("File Edit View Help") == ""

    def test_indentation_is_kept(self) -> None:
        text = "    indented line of a poem\n\tand a tabbed one"
        assert strip_chrome(text) == text


# --------------------------------------------------------------------------- clocks


class TestIsClock:
    @pytest.mark.parametrize("text", [
        "13:49", "9:41 AM", "9:41 pm", "09:41:07", "Mon 9 Mar 13:49", "Tue 14 Oct 09:41",
        "lun. 9 mars 13:49", "Mo., 9. März 13:49", "mar 10 de mar 13:49",
        "seg., 9 de mar. 13:49", "Tue Oct 14 9:41 AM", "Thu 12:05", "  13:49  ",
        "2026-03-09 13:49", "13:49 09/03/2026", "Mon 9 Mar at 13:49",
    ])
    def test_clocks(self, text: str) -> None:
        assert is_clock(text)

    @pytest.mark.parametrize("text", [
        "", "Mon 9 Mar", "9 March", "3.14", "25:00", "13:61", "see you at 13:49",
        "13:49 Stand-up", "[10:42] Ana: hi", "Room 13:49b", "v1.2:30", "12:30-13:30 lunch",
    ])
    def test_not_clocks(self, text: str) -> None:
        assert not is_clock(text)


# --------------------------------------------------------------------------- scale


def test_large_text_is_linear() -> None:
    big = "\n".join([BROWSER_EN, MAIL, TERMINAL, EDITOR, CHAT] * 200)
    assert len(big) > 200_000
    start = time.perf_counter()
    result = strip_chrome(big)
    elapsed = time.perf_counter() - start
    assert result.count(BROWSER_EN_CONTENT[1]) == 200
    assert elapsed < 10.0  # a generous bound: only a pathological (quadratic) pass fails it


def test_long_line_without_breaks() -> None:
    line = "File Edit View " * 20_000 + "and then some prose about the weekend"
    start = time.perf_counter()
    strip_chrome(line)
    assert time.perf_counter() - start < 10.0
