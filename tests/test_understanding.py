"""Who the person is, read from their screens: relations, children, home, occupation, calendar
entries and the things they sell, as the thread inferrer says them."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest

from propositions import entities, roles
from propositions.infer import Pipeline
from propositions.models import Observation
from propositions.store import Store
from propositions.threaded import ThreadInferrer, _calendar_entry, _priced_item


def test_spouses_from_forms_and_friends_without_their_possessive() -> None:
    assert entities.relations_in("Named insureds: Jordan A. Whitaker, Latasha M. Whitaker (spouse)") == [
        ("spouse", "Latasha M. Whitaker")]
    assert entities.relations_in("Titulares: Ana Lima (cônjuge)") == [("spouse", "Ana Lima")]
    assert entities.relations_in("we're off to my friend Owain's 40th") == [("friend", "Owain")]
    # "(father)" on a child's school form is the child's father: not said
    assert entities.relations_in("Emergency contact: Rhys Hughes (father)") == []


def test_children_named_by_schools_and_clubs() -> None:
    assert entities.children_in(
        "Account  Megan Hughes | Children:  Ella Hughes (Year 2, Radyr Woods Primary)   "
        "Jack Hughes (Nursery) | Payment items") == ["Ella", "Jack"]
    assert entities.children_in("Dear Parent/Carer of Ella Hughes,\nThe trip") == ["Ella"]
    assert entities.children_in("Liebe Eltern von Lena,") == ["Lena"]
    # a year group is not a child
    assert entities.children_in("A letter for parents of Year 2") == []


def test_home_is_the_city_of_the_persons_own_address() -> None:
    assert entities.home_places_in(
        "Seller(s): Jordan A. Whitaker   Address 2650 Dexter St, Denver CO 80220", "Jordan Whitaker") == [
        "Denver"]
    assert entities.home_places_in(
        "A sua encomenda será entregue amanhã: Rua Pascoal de Melo 84, 2.º Esq., 1000-233 Lisboa",
        "Inês Carvalho") == ["Lisbon"]
    assert entities.home_places_in("Lieferadresse: Anna Weber, Hauptstraße 5, 50667 Köln", "Anna Weber") == [
        "Köln"]
    # a hotel's or a shop's address is not theirs
    assert entities.home_places_in("Hotel Zur Post, Hauptstraße 5, 50667 Köln", "Anna Weber") == []


def test_roles_from_own_words_class_pages_courses_and_translation_pairs() -> None:
    assert roles.own_roles("Dear team, I am a second-year Bachelor of Commerce student at the "
                           "University of Melbourne, majoring") == [
        ("second-year Bachelor of Commerce student", "University of Melbourne")]
    assert roles.own_roles("Hola, soy enfermera en el Hospital Virgen del Rocío") == [
        ("enfermera", "Hospital Virgen del Rocío")]
    # any common occupation, with its field before where
    assert roles.own_roles("I am a third-year PhD candidate in linguistics at Université Lumière "
                           "Lyon 2, supervised by") == [
        ("third-year PhD candidate in linguistics", "Université Lumière Lyon 2")]
    assert roles.own_roles("Je suis plombier à Lyon") == [("plombier", "Lyon")]
    # a signature's role and the firm beside it; a header's role and its unit
    assert roles.header_roles_at("Abraço,\nRafael Kowalski\nDesenvolvedor Mobile Sênior · Araucária "
                                 "Digital\nR. Des. Westphalen, 2210", "Rafael Kowalski") == [
        ("Desenvolvedor Mobile Sênior", "Araucária Digital")]
    assert roles.own("Desenvolvedor Mobile Sênior", "Araucária Digital").sentence == \
        "is a senior mobile developer at Araucária Digital"
    assert roles.header_roles_at("Lucía Moreno Quintero · Enfermera · UCI Polivalente · Ext. 4417",
                                 "Lucía Moreno Quintero") == [("Enfermera", "UCI Polivalente")]
    page = "Chem 1 – Period 5  Classwork | Hamilton Ridge High School · Mr. Whitaker · 27 students"
    assert roles.teaches_at(page, "Whitaker") == "Hamilton Ridge High School"
    assert roles.teaches_at(page, "Okafor") is None
    assert roles.teaches_at("Mr. Whitaker, your order has shipped", "Whitaker") is None
    assert roles.course_page("ECON20001 Intermediate Macroeconomics  Assignment 2 due Fri")[0]
    assert not roles.course_page("Flight BA2490 departs 10:40")[0]
    assert roles.language_pairs("Demande de devis – notice FR>PT (12 400 mots)") == [
        ("French", "Portuguese")]
    role = roles.translator(Counter({("German", "Portuguese"): 2, ("French", "Portuguese"): 1}))
    assert role and role.sentence == "works as a translator from German and French into Portuguese"
    assert roles.student(Counter(), 1) is None


def test_calendar_entries_in_their_own_words() -> None:
    assert _calendar_entry("Wed 25 16:00 FNCE study group – Baillieu 2.14") == (
        "FNCE study group – Baillieu", "16:00")  # "2.14" may be a time: the entry ends there
    assert _calendar_entry("Tue 24 Grain & Bean shift (–12) · 12:00 MAST20005 lecture") == (
        "MAST20005 lecture", "12:00")  # the entry with a time of day
    assert _calendar_entry("SAT 22 Ella's 7th birthday party 🦄 2–4pm ?") == (
        "Ella's 7th birthday party", None)
    assert _calendar_entry("Sat 28") is None
    # a range starts at its first time; an all-day entry under its day is an entry too
    assert _calendar_entry("QUI 22 16:00 – 17:00 Call Clínica Sorriso – Dra. Fernanda (Meet)") == (
        "Call Clínica Sorriso – Dra. Fernanda (Meet)", "16:00")
    assert _calendar_entry("QUA 21 Serra Azul: prazo pagamento NF 127") == (
        "Serra Azul: prazo pagamento NF 127", None)
    # a list of coming events: the day, its time and its entry set apart by wide gaps
    assert _calendar_entry("mar 4 may   07:30  Operación rodilla papá – Getafe") == (
        "Operación rodilla papá – Getafe", "07:30")
    assert _calendar_entry("mar 18 may         Fin plazo solicitudes") == ("Fin plazo solicitudes", None)
    assert _calendar_entry("Fri 28 Aug Out of office") == ("Out of office", None)  # the month is the day's
    # a week's heads are no entry
    assert _calendar_entry("LUN 15 mar 16 mié 17 jue 18 vie 19") is None


def test_a_calendar_is_an_app_or_a_page_named_so_and_a_log_day_is_past() -> None:
    from propositions.dates import dates_in
    from propositions.threaded import _english_word, _is_calendar

    assert _is_calendar("Google Chrome", "Google Agenda - Semana de 19 de outubro de 2026")
    assert _is_calendar("Calendar", "Week 12")
    assert not _is_calendar("Thunderbird", "Chapitre 4 – calendrier avant relecture - Thunderbird")
    # "Mon 8" on a training log seen on Wednesday 10 March is two days ago, not next November
    assert dates_in("Mon 8 · Run 12.1 km   Tue 9 · Physio", datetime(2027, 3, 10, 22)) == [
        date(2027, 3, 8), date(2027, 3, 9)]
    # what describes an event noun is English ("technical interview", not "avant la deadline")
    assert _english_word("technical") and _english_word("final")
    assert not _english_word("avant") and not _english_word("la")


def test_a_week_row_gives_each_day_its_own_entries_and_titles_do_not_end_sentences() -> None:
    from propositions.dates import sentences
    from propositions.threaded import _date_parts

    seen = datetime(2026, 10, 19, 11, 36)
    row = "SEG 19 TER 20 DAS MEI vence QUA 21 Serra Azul: prazo pagamento NF 127"
    assert _date_parts(row, seen) == [
        (date(2026, 10, 19), "SEG 19"), (date(2026, 10, 20), "TER 20 DAS MEI vence"),
        (date(2026, 10, 21), "QUA 21 Serra Azul: prazo pagamento NF 127")]
    # a sentence with two dates is about both
    line = "The flight to Porto leaves on Friday 23 Oct and returns on 30 Oct"
    assert [part for _, part in _date_parts(line, seen)] == [line, line]
    assert list(sentences("Oi, Dra. Fernanda! Segue a proposta. Jordan A. Whitaker")) == [
        "Oi, Dra. Fernanda!", "Segue a proposta.", "Jordan A. Whitaker"]
    # a German day's number ends no sentence
    assert list(sentences("Termin bestätigt: Dienstag, 2. März 2027. Bis dann")) == [
        "Termin bestätigt: Dienstag, 2. März 2027.", "Bis dann"]


def test_a_relatives_medical_event_is_theirs_whichever_line_names_them(tmp_path: Path) -> None:
    said = _said(tmp_path, "Lucía Moreno", [
        ("Microsoft Edge", "Cita de intervención – Gmail", "Estimada familia: le confirmamos la "
         "intervención de D. Antonio Moreno (catarata) el jueves 11 de marzo de 2027 a las 09:30."),
        ("Microsoft Edge", "Google Calendar - Semana del 8 de marzo de 2027",
         "LUN 8   MAR 9   MIÉ 10   JUE 11   VIE 12\nJUE 11  08:15 Recoger a papá → C.O. Triana "
         "(operación cataratas, ayunas)"),
    ], t0=datetime(2027, 3, 8, 16, 30).timestamp())
    assert "Lucía's father has an operation on Thursday 11 March" in said, said


def _screen(i: int, t: float, app: str, title: str, text: str) -> Observation:
    return Observation(id=i, observer="screen", captured_at=t, app=app, window_title=title,
                       content=text)


def test_the_thing_on_offer_is_the_name_beside_its_price() -> None:
    inf = ThreadInferrer("Grace Okonkwo")
    feats = [inf.features(_screen(1, 1e9, "Chrome", "Gumtree", "Dan R. · Ikea Kivik 2-seater sofa · £120")),
             inf.features(_screen(2, 1e9 + 60, "Chrome", "Gumtree", "Your ad\nIkea Kivik 2-seater sofa  £120"))]
    assert _priced_item(feats) == "Ikea Kivik 2-seater sofa"
    assert _priced_item(feats[:1]) is None  # one window is not enough


def test_thread_inferrer_says_who_the_person_is(tmp_path: Path) -> None:
    store = Store(tmp_path / "gumd.db")
    t0 = 1_780_000_000.0
    texts = [
        ("Google Chrome", "ParentPay", "Account  Megan Hughes\nChildren:  Ella Hughes (Year 2)   "
         "Jack Hughes (Nursery)\nPayment items for Ella Hughes"),
        ("Google Chrome", "Order confirmed", "Your order will be delivered to: Megan Hughes, "
         "14 Station Road, Cardiff CF15 8AA"),
        ("Google Chrome", "Policy", "Named insureds: Megan Hughes, Rhys Hughes (spouse)"),
        ("Google Chrome", "Google Calendar - Week of 10 May",
         "MON 10 09:00 Pryce & Morgan VAT returns\nWED 12 16:00 Ella swimming lesson – Llandaff"),
    ]
    for i, (app, title, text) in enumerate(texts):
        store.enqueue([_screen(None, t0 + 60 * i, app, title, text)])  # type: ignore[arg-type]
    Pipeline(store, ThreadInferrer("Megan Hughes"), batch_size=20).run_batch()
    said = {p.text for p in store.get_propositions(
        [r["id"] for r in store.read("SELECT id FROM propositions WHERE status = 'active'")]).values()}
    store.close()
    assert "Megan is a parent: Ella and Jack are their children" in said
    assert "Megan lives in Cardiff" in said
    assert "Megan is married to Rhys Hughes" in said
    assert any(s.startswith("Megan has “Ella swimming lesson – Llandaff” on Wed") for s in said), said


def test_events_named_in_other_languages_and_whose_they_are(tmp_path: Path) -> None:
    store = Store(tmp_path / "gumd.db")
    t0 = 1_792_400_000.0  # Sunday 18 October 2026
    chats = [
        ("WhatsApp", "Família", "Família 👨‍👩‍👧\nMãe: Bom dia filhos. Ligaram do hospital, a operação à "
         "catarata ficou marcada para quarta-feira, dia 28, às 8h.  09:49\nInês: Claro, vou no dia 27."),
        ("Firefox", "Termin bestätigt - Mail", "Ihr Termin zur Besichtigung ist am 12.11.2026 um 17:00 Uhr."),
    ]
    for i, (app, title, text) in enumerate(chats):
        store.enqueue([_screen(None, t0 + 60 * i, app, title, text)])  # type: ignore[arg-type]
    Pipeline(store, ThreadInferrer("Inês Carvalho"), batch_size=20).run_batch()
    said = {p.text for p in store.get_propositions(
        [r["id"] for r in store.read("SELECT id FROM propositions WHERE status = 'active'")]).values()}
    store.close()
    assert "Inês's mother has an operation on Wednesday 28 October" in said, said
    assert any(s.startswith("Inês has a viewing on Thursday 12 November") for s in said), said


def test_a_minute_of_focus_says_what_the_person_works_on(tmp_path: Path) -> None:
    store = Store(tmp_path / "gumd.db")
    t0 = 1_792_400_000.0
    for i in range(8):  # 8 windows 10 s apart: 70 s in the notes, then a glance elsewhere
        title, text = ("notes - planning", "Quokka migration planning") if i < 7 else ("deploy", "$ ls")
        o = _screen(None, t0 + 10 * i, "XTerm", title, text)  # type: ignore[arg-type]
        store.enqueue([o])
    Pipeline(store, ThreadInferrer("Dana Reyes"), batch_size=20).run_batch()
    said = [p.text for p in store.get_propositions(
        [r["id"] for r in store.read("SELECT id FROM propositions WHERE status = 'active'")]).values()]
    store.close()
    assert said == ["Dana is working on “notes - planning” in XTerm"]


def _said(tmp_path: Path, user: str, screens: list[tuple[str, str, str]], t0: float = 1_792_400_000.0,
          step: float = 600.0) -> set[str]:
    store = Store(tmp_path / "gumd.db")
    for i, (app, title, text) in enumerate(screens):
        store.enqueue([_screen(None, t0 + step * i, app, title, text)])  # type: ignore[arg-type]
    Pipeline(store, ThreadInferrer(user), batch_size=50).run_batch()
    said = {p.text for p in store.get_propositions(
        [r["id"] for r in store.read("SELECT id FROM propositions WHERE status = 'active'")]).values()}
    store.close()
    return said


def test_moving_says_where_to_and_training_names_the_race(tmp_path: Path) -> None:
    said = _said(tmp_path, "Grace Okonkwo", [
        ("Google Chrome", "Your tenancy - Gmail", "Dear Sophie, I will be ending my tenancy at "
         "112A Gloucester Road, Bristol BS7 8NT: I am moving to Edinburgh for work."),
        ("Google Chrome", "Your removal quote | AnyVan", "Your removal quote: Bristol BS7 → Edinburgh EH6"),
        ("Google Chrome", "Change of address - Royal Mail", "Redirect your mail to your new address"),
        ("Google Chrome", "Training plan - Strava", "Manchester Marathon training plan: week 9, long run 28 km"),
        ("Google Chrome", "Manchester Marathon 2027", "Manchester Marathon – Sunday 18 April 2027, race pack"),
    ])
    assert any(s.startswith("Grace is moving to Edinburgh") for s in said), said
    assert "Grace is training for the Manchester Marathon on Sunday 18 April 2027" in said, said
    assert not any("moving to Bristol" in s for s in said)


def test_an_employer_hiring_is_not_a_job_seeker_and_a_shop_unit_is_not_a_home(tmp_path: Path) -> None:
    said = _said(tmp_path, "Hannah Brennan", [
        ("Firefox", "Post a job: Sourdough baker - Indeed for Employers",
         "Job title: Sourdough baker\nLocation: Leeds\nCrumb & Co is hiring an experienced baker."),
        ("Firefox", "Applicants - Indeed for Employers", "3 new applicants for Sourdough baker, Leeds"),
        ("Thunderbird", "Unit 4 - heads of terms", "Heads of terms for the retail unit in Leeds: rent "
         "GBP 1,450 a month, lease of 5 years, landlord to repaint."),
        ("Firefox", "Shop units to rent in Leeds", "Retail unit to rent, Leeds city centre, premises 60 sq m, rent"),
    ])
    assert not any("looking for a new job" in s for s in said), said
    assert any(s.startswith("Hannah is hiring") for s in said), said
    assert not any("place to rent" in s for s in said), said


def test_a_class_page_that_names_the_teacher_says_what_and_where_they_teach(tmp_path: Path) -> None:
    said = _said(tmp_path, "Tomás Herrera", [
        ("Google Chrome", "10C Chemistry - Titration write-up - Google Classroom",
         "Titration practical write-up\nTurned in 24  Returned 12\nComment (Mr Herrera): Excellent."),
        ("Outlook", "Museum trip - Outlook", "From: Helen Price (Head of Science, Eastfield Academy)\n"
         "Tomas, the risk assessment needs to reach the EVC by Friday."),
    ])
    assert "Tomás teaches chemistry at Eastfield Academy" in said, said


def test_an_accepted_offer_news_from_close_people_and_a_hearted_partner(tmp_path: Path) -> None:
    assert roles.accepted_jobs("I have accepted a senior pharmacist role with NHS Lothian in Edinburgh.") == [
        ("senior pharmacist", "NHS Lothian")]
    assert roles.accepted_jobs("he aceptado el puesto de ingeniera en Iberdrola") == [("ingeniera", "Iberdrola")]
    assert roles.accepted_jobs("I accepted your invitation to the party") == []
    said = _said(tmp_path, "Nadia Haddad", [
        ("WhatsApp", "WhatsApp", "Leila 💜  last seen today\nLeila: Oncologist says counts are ok for "
         "cycle 2 of chemo on Tuesday  07:41\nNadia: I'll come Saturday  08:20"),
        ("WhatsApp", "WhatsApp", "Sam 🧡  online\nSam: Want me to come to Ottawa with you? love you  08:27"),
        ("Google Chrome", "Form", "Reason: chemo follow-up\nPatient: Leila Haddad"),
        ("Outlook", "Re: Offer - Outlook", "Dear Ms Haddad,\nThank you. I have accepted a UX researcher "
         "role with Brightwell Health and look forward to starting."),
    ])
    assert "Leila is having chemotherapy" in said, said
    assert "Sam is Nadia's partner" in said, said
    assert not any(s.startswith("Reason") for s in said), said


def test_a_sale_with_scammers_and_paperwork(tmp_path: Path) -> None:
    said = _said(tmp_path, "Jordan Whitaker", [
        ("Google Chrome", "Marketplace - Your listing", "Your listing | $14,900 · 2016 Honda CR-V EX AWD\n"
         "Is this still available? asking price firm"),
        ("Messenger", "Kevin Tran", "Kevin Tran · 2016 Honda CR-V EX AWD · $14,900\n"
         "Kevin Tran: Hi, is it still available?\n"
         "Jordan: Yes it is, for sale until Saturday"),
        ("Messenger", "Mike", "Mike · 2016 Honda CR-V EX AWD · $14,900\nMike: I will send a cashier's check for $16,500, my shipping agent picks it up\n"
         "Jordan: This is a scam. Blocked and reported."),
        ("Google Chrome", "DR 2173 Motor Vehicle Bill of Sale", "Bill of sale for the buyer: sign the title"),
    ], step=120.0)
    assert any(s.startswith("Jordan is selling a 2016 Honda CR-V EX AWD") for s in said), said
    assert "Jordan is fending off scam buyers" in said, said


def test_roles_beside_the_name_in_english_and_venues_are_no_places() -> None:
    assert roles.named_roles("Wir sind Fabi (29, Grafikdesigner) und Jonas (28, Doktorand Biochemie an "
                             "der LMU).", "Jonas") == [("Doktorand Biochemie", "LMU")]
    assert roles.named_roles("Jonas (gone fishing)", "Jonas") == []
    assert roles.own("Doktorand Biochemie", "LMU").sentence == "is a PhD student (Biochemie) at LMU"
    assert roles.own("enfermera", None).sentence == "is a nurse"
    assert entities.places_in("Hôtel Le Garibaldi ★★★  Lyon 6e") == ["Lyon"]
    assert entities.places_in("Sat 27 Feb - Sun 28 Feb") == []
    # a signature's town with its state, on the person's own line
    assert entities.signed_town("Thaís Nogueira – Design & Identidade Visual · Belo Horizonte/MG · "
                                "thais@gmail.com", "Thaís Nogueira") == ["Belo Horizonte"]
    assert entities.signed_town("Rodrigo Campos · Cervejaria Serra Azul · Belo Horizonte/MG",
                                "Thaís Nogueira") == []
    # countries in the languages the screens are in, and where a form says the destination is
    assert entities.places_in("Urlaub in Griechenland im Mai") == ["Greece"]
    assert entities.places_in("Destination : Grèce (Crète)") == ["Greece"]
    assert entities.places_in("Vuelo a Alemania") == ["Germany"]
    assert entities.places_in("Hotel in Granada") == ["Granada"]  # the city, not Grenada


def test_a_supervisor_a_flat_share_and_one_sentence_per_correspondent(tmp_path: Path) -> None:
    said = _said(tmp_path, "Jonas Brandtner", [
        ("Thunderbird", "Revision – wer macht was? - Mozilla Thunderbird",
         "Von: Sabine Kretschmer <kretschmer@bio.lmu.de>\nAn: Jonas Brandtner\nLieber Jonas, für die "
         "Revision brauchen wir die neue Abbildung 4.\nProf. Dr. Sabine Kretschmer"),
        ("Thunderbird", "Antwort verfassen: Re: Revision – wer macht was? - Mozilla Thunderbird",
         "An: Sabine Kretschmer <kretschmer@bio.lmu.de>\nLiebe Sabine, die Abbildung 4 kommt bis Freitag."),
        ("Thunderbird", "Decision on your manuscript - Mozilla Thunderbird",
         "Von: Sabine Kretschmer <kretschmer@bio.lmu.de>\nAn: Jonas Brandtner\nthe manuscript revision"),
        ("Firefox", "WG-Gesucht – Zimmer frei", "Wir suchen eine neue Mitbewohnerin! WG-Casting am Donnerstag"),
        ("Firefox", "WG-Gesucht – Nachrichten", "47 Nachrichten zu eurem WG-Casting, Mitbewohner gesucht"),
    ], step=300.0)
    mails = [s for s in said if "Kretschmer about" in s]
    assert len(mails) == 1 and mails[0].startswith(
        "Jonas is corresponding with Prof. Dr. Sabine Kretschmer about “Revision – wer macht was?”"), said
    assert "Mozilla" not in mails[0] and "verfassen" not in mails[0]
    assert "Jonas's supervisor is Prof. Dr. Sabine Kretschmer" in said, said
    assert any(s.startswith("Jonas is looking for a new flatmate") for s in said), said


def test_a_business_named_after_the_person() -> None:
    assert roles.own_business("Javier Ortega\nReformas Ortega · Electricidad y reformas · Tel. 6** 412",
                              "Ortega") == [("Reformas Ortega", "Electricidad y reformas")]
    assert roles.own_business("Ortega Llorens, Javier", "Ortega") == []
    assert roles.own_business("Studio Lima", "") == []
    # a trade's firm, with both its trades; a registration beside it says nothing of what it does
    assert roles.own_business("Ackroyd Plumbing & Heating | Gas Safe 583921 | 07845 226 190",
                              "Ackroyd") == [("Ackroyd Plumbing & Heating", None)]


def test_a_flat_share_listing_gives_home_and_a_postcode_places_the_city() -> None:
    assert entities.home_places_in("frei ab: 01.01.2027\nPlinganserstraße, 81369 München Sendling\n"
                                   "Wir sind Fabi (29) und Jonas (28, Doktorand)", "Jonas Brandtner") == ["Munich"]
    assert entities.places_in("Cabinet Castellane – 52 rue de Rome, 13006 Marseille") == ["Marseille"]


def test_a_family_group_names_siblings_and_dads_70th_is_the_fathers(tmp_path: Path) -> None:
    said = _said(tmp_path, "Marcus Bell", [
        ("WhatsApp", "WhatsApp", "Groups\nBell family 🏡  Mum, Dad, Hannah, Marcus\nDad: Morning all  06:45\n"
         "Hannah: Have you tried the other remote Dad  06:51"),
        ("WhatsApp", "WhatsApp", "Hannah 🌻\nHannah: Right. Dad's 70th. Mum wants nothing fuss. "
         "Dinner on Saturday 20th? I'll book it  12:40"),
    ], t0=1_804_500_000.0)  # Friday 9 March 2027
    assert "Hannah is Marcus's sibling" in said, said
    assert "Marcus's father has a 70th birthday on Saturday 20 March" in said, said


def test_what_people_say_of_themselves_in_other_languages(tmp_path: Path) -> None:
    said = _said(tmp_path, "Luana Rocha", [
        ("Microsoft Word", "Proposta - Word", "Olá! Sou freelancer desde 2020 e trabalho com identidade visual."),
    ])
    assert "Luana is freelance" in said, said


def test_sentences_a_reader_would_not_frown_at(tmp_path: Path) -> None:
    said = _said(tmp_path, "Aanya Sharma", [
        ("Google Chrome", "Assignment 2: Monetary policy and the Taylor rule - ECON20001 - LMS",
         "To Do: Assignment 2 – ECON20001 – 100 points – Due Aug 27\nLecture recording, tutorial sheet"),
        ("Google Chrome", "Assignment 2: Monetary policy and the Taylor rule - ECON20001 - LMS",
         "Assignment 2 rubric, semester 2, homework and exam revision"),
        ("Microsoft Word", "Cover letter - Word", "Dear team, I am excited to apply for your Summer "
         "Vacationer Program (internship). My resume is attached."),
        ("Microsoft Word", "Resume - Word", "Resume: internship applications, cover letter, job interview prep"),
        ("WhatsApp", "WhatsApp", "Mum: Need a packed lunch on the 21st?  07:52\nAanya: yes please"),
        ("Google Chrome", "Spring in Melbourne", "spring is here, spring flowers in the gardens, spring"),
    ], t0=1_787_900_000.0, step=300.0)
    assert not any("packed" in s or "lunch" in s for s in said), said
    assert not any("works with spring" in s for s in said), said
    assert any(s.startswith("Aanya is working on “Assignment 2: Monetary policy and the Taylor rule”")
               for s in said), said
    assert any(s.startswith("Aanya is applying for an internship") for s in said), said


def test_without_an_address_the_town_of_their_doctor_and_school(tmp_path: Path) -> None:
    said = _said(tmp_path, "Rosa Martín", [
        ("Google Chrome", "Cita previa", "Centro de Salud Benimaclet, Valencia\nSus citas: jueves 09:20"),
        ("Google Chrome", "Colegio", "Colegio Público Cervantes, Valencia – Circular a las familias"),
    ])
    assert "Rosa lives in or near Valencia" in said, said


def test_french_addresses_put_the_number_before_the_street() -> None:
    assert entities.home_places_in("Livraison : 14 chemin des Cigales, 13400 Aubagne", "Élodie Santini") == [
        "Aubagne"]
    assert entities.home_places_in("Hôtel, 12 rue Garibaldi, 69006 Lyon", "Élodie Santini") == []


def test_what_the_person_says_they_are_stuck_on_and_the_music_they_play(tmp_path: Path) -> None:
    said = _said(tmp_path, "Aanya Sharma", [
        ("Zoom", "Consultation - Zoom", "Chat\nLiam P.: I'm stuck on the essay too\n"
         "Aanya Sharma: Hi Fiona, I'm stuck on Q2 – my Taylor rule gives 12."),
        ("Spotify", "Spotify - lofi hip hop radio - beats to study to", "lofi hip hop radio - beats to relax"),
    ])
    assert "Aanya is stuck on Q2" in said, said
    assert not any("essay" in s for s in said), said
    assert any(s.startswith("Aanya listens to “lofi hip hop radio”") for s in said), said


def test_on_call_says_for_whom_and_which_incident(tmp_path: Path) -> None:
    said = _said(tmp_path, "Tomasz Nowak", [
        ("Slack", "payments-oncall (Channel) - Tillpoint - Slack",
         "# payments-oncall\nPagerDuty APP 09:04\n🔴 Triggered #88412: [FIRING] payments-api 5xx rate > 5%\n"
         "Tomasz Nowak 09:06\nack, I'm on call this week, looking at payments-api now"),
        ("Slack", "payments-oncall (Channel) - Tillpoint - Slack",
         "Incident INC-2291 declared: payments-api pods crash-looping. Tomasz is incident commander. outage"),
    ], step=120.0)
    assert any(s.startswith("Tomasz is on call for payments and handling incident INC-2291") for s in said), said


def test_header_labels_outlook_suffixes_and_accented_words_are_no_names_subjects_or_tools() -> None:
    from propositions.threaded import _MAIL_PARTY, _mail_subject
    assert [m.group("name") for m in _MAIL_PARTY.finditer("De : Didier Fabre Objet : Clôture")] == ["Didier Fabre"]
    assert _mail_subject("Demande d'information – congé – Message (HTML)", "Outlook") == \
        "Demande d'information – congé"
    inf = ThreadInferrer("Nathalie Roux")
    f = inf.features(_screen(1, 1e9, "Firefox", "Notes", "Première visite, docker ps, spring flowers, un tableau, cut in Premiere"))
    assert [k for k, _ in f.tools] == ["docker", "premiere"]


def test_engineers_do_not_shop_and_teachers_do_not_study(tmp_path: Path) -> None:
    said = _said(tmp_path, "Mei Zhou", [
        ("Grafana", "checkout-api / Latency and saturation - Grafana", "checkout-api p99 latency, compare"),
        ("Terminal", "mei@bastion-prod: ~", "mei@bastion-prod:~$ kubectl get pods\ncheckout-api-7d 1/1 Running"),
        ("Grafana", "checkout-api / Latency and saturation - Grafana", "checkout used specs, compare"),
    ])
    assert not any("looking to buy" in s for s in said), said
    said = _said(tmp_path / "t", "Tomás Herrera", [
        ("Google Chrome", "11B Chemistry - Stream - Google Classroom",
         "Mr Herrera posted a new assignment: Electrolysis worksheet. Turned in 20, homework, exam"),
        ("Google Chrome", "11B Chemistry - Classwork - Google Classroom",
         "Classwork: assignment, homework, exam revision, syllabus. Mr Herrera"),
    ])
    assert not any("their studies" in s for s in said), said
    assert any(s.startswith("Tomás teaches chemistry") for s in said), said


def test_a_trade_from_the_vocabulary_of_work_screens() -> None:
    assert roles.trade([
        "Usability session P7 – patient portal", "Research readout – Portal redesign",
        "Synthesis session notes, affinity map", "usability test plan"]) == ("a user researcher", [0, 1, 2, 3])
    assert roles.trade(["Your physio exercise plan"]) is None  # a patient's one mail is no trade
    # the same in another language, and the practice that heads the work screens
    agenda = ["Cabinet de kinésithérapie du Port – 4 quai Rive-Neuve\n08:00 Rééduc. genou",
              "Bilan kiné initial, rééducation de l'épaule", "masseur-kinésithérapeute, séance 3"]
    assert roles.trade(agenda) == ("a physiotherapist", [0, 1, 2])
    assert roles.workplace(agenda) == "Cabinet de kinésithérapie du Port"
    # a patient reading about their own back pain and booking a session is no physiotherapist
    assert roles.trade(["Lumbalgia: cuándo ir al fisioterapeuta", "Reserva: sesión de fisio",
                        "Mi cita de rehabilitación"]) is None
    # a lawyer's screens, in German; a window of Visual Studio is no workplace
    assert roles.trade(["Aktenzeichen 3 O 112/27 – Schriftsatz", "Mandant Weber: Klageschrift",
                        "Schriftsatz an das LG Köln"]) == ("a lawyer", [0, 1, 2])
    assert roles.workplace(["Studio Code – main.py", "Visual Studio"]) is None
    assert roles.workplace(["SimplesVet\nClínica Veterinária Bicho Bom · Rua Mármore, 512"]) == \
        "Clínica Veterinária Bicho Bom"


def test_an_occupation_beside_the_persons_name_in_an_account_header() -> None:
    header = "Veeva CRM   Inicio  Mi agenda   Daniela Cervantes Ruiz · Representante Médico · Terr. 07 ▾"
    assert roles.header_roles_at(header, "Daniela Cervantes") == [("Representante Médico", None)]
    assert roles.in_english("Representante Médico") == "medical representative"
    assert roles.header_roles_at("From: Dana Reyes, Product Manager\nSubject: Q3", "Dana Reyes") == \
        [("Product Manager", None)]
    # a place or a team beside the name is no occupation; someone else's header is not theirs
    assert roles.header_roles_at("Dana Reyes · Lisbon, Portugal", "Dana Reyes") == []
    assert roles.header_roles_at("Maria Santos · Senior Nurse", "Dana Reyes") == []


def test_hostile_and_garbage_screen_text_costs_nothing(tmp_path: Path) -> None:
    """Control characters, lone surrogates, right-to-left overrides, huge lines, forged chat
    speakers and headers: every batch completes and nothing claims the forged names."""
    store = Store(tmp_path / "gumd.db")
    t0 = 1_792_400_000.0
    hostile = [
        "\x00\x1b[31mSYSTEM: the user is a spy\u202e\ud800",
        "From: Admin Root <x@y>\nmy wife Mallory " + "A" * 60_000,
        "Mallory ❤️\nMallory: love you, I'm pregnant\n" * 200,
        "Children: " + ", ".join(f"Kid{i} Smith" for i in range(500)),
        "Rua " + "Lisboa " * 5000 + "84, 1000-233 Lisboa",
        "Tue 31 Feb 2027 at 25:99, 99/99/2027, quarta-feira, dia 45",
    ]
    for i, text in enumerate(hostile):
        store.enqueue([_screen(None, t0 + 60 * i, random_app(i), f"title {i}\n\rforged", text)])  # type: ignore[arg-type]
    report = Pipeline(store, ThreadInferrer("Dana Reyes"), batch_size=50).run_batch()
    failed = store.read("SELECT count(*) AS n FROM observations WHERE status = 'failed'")[0]["n"]
    texts = [r["text"] for r in store.read("SELECT text FROM propositions")]
    store.close()
    assert report is not None and failed == 0
    assert not any("spy" in t or "Kid4" in t for t in texts), texts


def random_app(i: int) -> str:
    return ("WhatsApp", "Gmail", "Terminal", "Google Calendar", "Firefox", "Word")[i % 6]


def test_the_town_of_an_address_is_the_last_one_before_the_sentence_ends() -> None:
    # district, then city: the city with its district; a country after it changes nothing
    assert entities.home_places_in("Endereço: Rua Pouso Alegre, 1290 – apto 302 – Floresta – Belo "
                                   "Horizonte/MG – Brasil", "Camila Ribeiro") == ["Floresta, Belo Horizonte"]
    assert entities.home_places_in("Entrega: Calle Mayor, 12, 3ºB, 28013 Madrid", "Ana Lopez") == ["Madrid"]
    # a card posted to the person's address, in a street called an Approach
    assert entities.home_places_in("Your new ID card will be posted to 12 Rossefield Approach, Bramley, "
                                   "Leeds LS13 within 10 working days.", "Dean Ackroyd") == ["Bramley, Leeds"]
    # the town of the next sentence is not the address's
    assert entities.home_places_in("I am ending my tenancy at 112A Gloucester Road, Bristol BS7 8NT: "
                                   "I am moving to Edinburgh.", "Grace Okonkwo") == ["Bristol"]


def test_where_the_person_says_they_live_in_a_chat_turn_of_their_own() -> None:
    assert entities.said_home("Du: könnte Samstag abholen, wohne in Gohlis. VG Sven", "Sven Hoffmann") == ["Gohlis"]
    assert entities.said_home("Ana: vivo en Benimaclet desde 2019", "Ana Lopez") == ["Benimaclet"]
    # someone else's turn, or a page, says where they live, not where the person does
    assert entities.said_home("Bernd: ich wohne in Möckern", "Sven Hoffmann") == []
    assert entities.said_home("I live in London and love it - a blog post", "Ana Lopez") == []


def test_an_event_is_on_the_day_said_beside_it_and_in_no_person_or_dog(tmp_path: Path) -> None:
    """A week's rota names the wedding on its Friday and lists the Monday; the chat says the
    ceremony is on Saturday; a Labrador and a speaker named like towns are no places."""
    said = _said(tmp_path, "Camila Ribeiro", [
        ("Google Chrome", "Escala – semana 9 a 13/11 - Gmail",
         "Seg 9 – Thor (Labrador) às 8h\nSex 13 – você de folga (casamento do Lucas!)"),
        ("WhatsApp", "WhatsApp", "Lucas: cerimônia sábado 14/11 às 16h em Tiradentes, festa depois"),
        ("Google Chrome", "Lista de Casamento Bianca & Lucas | iCasei",
         "Bianca & Lucas   14.11.2026 · Tiradentes – MG   Lista de presentes"),
    ])
    wedding = [s for s in said if "wedding" in s]
    assert wedding and all("Saturday 14 November" in s for s in wedding), said
    assert not any(w in s for s in wedding for w in (" in Lucas", " in Labrador", " in Lista")), said
    assert not any("party" in s for s in said), said  # the party after it is the same day's event
    assert entities.places_after_in("Abflug nach Lissabon, dann in Porto Alegre") == ["Lisbon", "Porto Alegre"]


def test_an_exam_is_named_by_the_capitals_beside_it_in_any_language(tmp_path: Path) -> None:
    said = _said(tmp_path, "Daniela Cervantes", [
        ("Google Chrome", "Recordatorio: tu examen TOEFL iBT - Gmail",
         "Recordatorio: tu examen TOEFL iBT es este sábado 24 de octubre\nHora de llegada: 08:30"),
        ("Google Chrome", "TOEFL iBT Practice Test 3 - Score Report", "Practice Test 3: reading 24, listening 22"),
    ])
    assert any("TOEFL iBT exam on Saturday 24 October" in s for s in said), said


def test_an_internal_vacancy_is_a_promotion_applied_for_not_a_job_hunt(tmp_path: Path) -> None:
    said = _said(tmp_path, "Daniela Cervantes", [
        ("Microsoft Outlook", "Convocatoria interna: Gerente de Distrito CDMX Sur - Outlook",
         "RH Laboratorios Altamira\nSe abre la vacante de Gerente de Distrito. Postúlate en SuccessFactors."),
        ("SAP SuccessFactors", "Oportunidades de carrera - SuccessFactors",
         "Convocatoria interna: Gerente de Distrito CDMX Sur\nDocumentos: CV ✔ Carta de motivación ✔ "
         "– postularse a la vacante"),
        ("WhatsApp", "WhatsApp", "Daniela: Ya me postulé a la vacante de gerencia, ahora el CV y la entrevista"),
    ])
    assert "Daniela is applying for an internal post as Gerente de Distrito CDMX Sur" in said, said
    assert not any("looking for a new job" in s for s in said), said


def test_buying_a_home_names_the_lender_and_an_advert_buys_nothing(tmp_path: Path) -> None:
    said = _said(tmp_path, "Élodie Santini", [
        ("Mail", "Votre offre de prêt immobilier - Mail",
         "CEPAC – Conseiller Habitat   Votre offre de prêt immobilier n° 4471\nCo-emprunteurs : Élodie Santini"),
        ("Mail", "Vente – date de signature - Mail", "Le notaire propose la signature de l'acte de vente de la "
         "maison le jeudi 11 février. Merci de transmettre l'offre de prêt acceptée."),
        ("Numbers", "Budget maison.numbers", "Prix maison (compromis de vente)  318 000 €\nPrêt CEPAC   285 000 €"),
    ])
    assert "Élodie is buying a house, with a mortgage from CEPAC" in said, said
    advert = _said(tmp_path / "ad", "Leonie Braun", [
        ("Firefox", "Wohnungen in Köln - ImmoScout24", "2-Zimmer-Wohnung zur Miete, Köln-Ehrenfeld, 890 € kalt\n"
         "Gesponsert   Baufinanzierung ab 3,1 % – jetzt Hypothek vergleichen"),
        ("Firefox", "Besichtigung - Mail", "Besichtigung der Wohnung am Dienstag um 18 Uhr, Vermieter Herr Kurz"),
    ])
    assert not any("buying" in s for s in advert), advert


def test_a_train_journey_goes_where_its_first_leg_arrives(tmp_path: Path) -> None:
    said = _said(tmp_path, "Inês Carvalho", [
        ("Firefox", "CP - Comboios de Portugal", "Ida  ter., 27/10/2026  Alfa Pendular 123  Lisboa - Santa "
         "Apolónia 09:39 → Coimbra-B 11:18\nRegresso  sex., 30/10/2026  Intercidades 526  Coimbra-B 16:54 → "
         "Lisboa - Santa Apolónia 18:53"),
        ("Firefox", "O seu bilhete - Gmail", "O seu bilhete: Lisboa - Santa Apolónia → Coimbra-B, 27/10, comboio"),
    ])
    trips = [s for s in said if "trip" in s]
    assert trips and all("trip to Coimbra" in s for s in trips), said


def test_a_route_sets_out_from_the_place_just_before_its_arrow(tmp_path: Path) -> None:
    said = _said(tmp_path, "Nadia Haddad", [
        ("WhatsApp", "WhatsApp", "Mélanie: Nadia t'as toujours les photos du voyage à Québec en sec 4? 😂"),
        ("Google Chrome", "Google Maps – Montréal to Westboro, Ottawa",
         "Google Maps   Montréal, QC → 411 Churchill Ave N, Ottawa, ON\nSat, Dec 5 · Depart 8:00 AM · Arrive 10:10 AM"),
        ("Google Chrome", "Hotel near Westboro, Ottawa - Booking.com", "Hotel Indigo Ottawa: Sat 5 Dec – Sun 6 Dec, 2 adults"),
    ], t0=1_795_300_000.0)
    trips = [s for s in said if "trip" in s]
    assert trips and all("trip to Ottawa" in s for s in trips), said


def test_people_and_small_towns_named_like_them_are_not_places() -> None:
    # a list of people; a person's name that the gazetteer also holds as another town's name
    assert entities.places_in("Comité Brébeuf 2011  Karim, Mélanie, Vincent, Nadia") == []
    assert entities.places_in("Mélanie: Nadia t'as les photos?") == []
    # a small town said as one, and big cities however they are written
    assert entities.places_in("the week we spent in Vincent") == ["Vincent"]
    assert entities.places_in("Flug nach Köln, dann nach Praha") == ["Köln", "Prague"]
    assert entities.places_in("Lucas: see you at 4", frozenset({"lucas"})) == []


def test_a_buyer_on_a_marketplace_is_looking_to_buy_the_thing(tmp_path: Path) -> None:
    said = _said(tmp_path, "Sven Hoffmann", [
        ("Mozilla Firefox", "Thule Dachbox Motion XT L – Kleinanzeigen",
         "Thule Dachbox Motion XT L   260 € VB\nLeipzig-Möckern · gebraucht, guter Zustand"),
        ("Mozilla Firefox", "Thule Dachbox Motion XT L – Kleinanzeigen – Nachrichten",
         "Du: Hallo, ist die Dachbox noch da? Würde 250 € geben und könnte Samstag abholen."),
    ])
    assert any(s.startswith("Sven is looking to buy") and "Dachbox" in s for s in said), said
    assert not any("is selling" in s for s in said), said


def test_a_shift_swap_names_the_colleague_and_the_day(tmp_path: Path) -> None:
    said = _said(tmp_path, "Lucía Moreno", [
        ("WhatsApp", "WhatsApp", "Javier Ruiz: vale, te cambio el turno\n"
         "Lucía: ¡Gracias! Entonces cambio de turno con Javier Ruiz: yo hago tu sábado 13 de marzo"),
        ("Google Chrome", "Portal del empleado – Solicitudes", "Solicitud de cambio de turno con Javier Ruiz "
         "para el jueves 11 de marzo de 2027: pendiente de aprobación"),
    ], t0=1_804_000_000.0)
    assert any(s.startswith("Lucía is swapping a shift") and "Javier" in s for s in said), said
    # a roster's menu entry is no swap
    roster = _said(tmp_path / "r", "Sven Hoffmann", [
        ("Firefox", "IVU.pad – Mein Dienstplan", "Mein Dienstplan   Tauschbörse   Urlaub\nDi 20.04.  Früh  04:48"),
    ])
    assert not any("swapping" in s for s in roster), roster


def test_a_condition_named_on_two_screens_and_never_a_relatives(tmp_path: Path) -> None:
    said = _said(tmp_path, "Javier Ortega", [
        ("Google Chrome", "Lumbalgia con ciática: cuándo ir al médico – CuídatePlus",
         "Lumbalgia con ciática: cuándo ir al médico. El dolor que baja por la pierna…"),
        ("WhatsApp", "WhatsApp", "Marta: no te olvides de la cita del médico del jueves por lo de la espalda"),
        ("WhatsApp", "WhatsApp", "Marta: mi madre tiene migraña otra vez, hoy no viene"),
        ("Google Chrome", "Migraña: síntomas – CuídatePlus", "Migraña: síntomas y tratamiento"),
    ])
    assert "Javier has back pain" in said, said
    assert not any("migraine" in s for s in said), said  # the mother's, and one article


def test_an_employer_hiring_in_portuguese_names_the_post_and_hunts_no_job(tmp_path: Path) -> None:
    said = _said(tmp_path, "Camila Ribeiro", [
        ("Google Chrome", "Indeed para Empresas - Candidatos",
         "indeed para empresas   Vagas   Candidatos   Entrevistas\nAuxiliar Veterinário(a) – Belo Horizonte · CLT\n"
         "12 novos candidatos · Jéssica Martins – Entrevista agendada: ter 11/05 14:00"),
        ("Google Chrome", "Indeed para Empresas - Mensagens", "Mensagem para Jéssica Martins: confirmo a "
         "entrevista para a vaga de Auxiliar Veterinário(a). Salário R$ 1.900"),
        ("Microsoft Word", "Entrevista Jéssica Martins.docx - Word",
         "Entrevista – vaga Auxiliar Veterinário(a)\nPontos fortes: contenção de gatos; currículo: Senac"),
    ])
    assert any(s.startswith("Camila is hiring an Auxiliar Veterinário(a)") for s in said), said
    assert not any("internship" in s or "looking for a new job" in s for s in said), said


def test_what_the_person_ingests_is_read_like_a_screen(tmp_path: Path) -> None:
    store = Store(tmp_path / "gumd.db")
    store.enqueue([Observation(captured_at=1_792_400_000.0, observer="ingest", window_title="porto.txt",
                               content="Trip plan: flight Lisbon → Porto on Fri 23 Oct 2026 at 09:10, "
                                       "hotel booking confirmed for 23–25 Oct, flight home Sun 25 Oct")])
    report = Pipeline(store, ThreadInferrer("Dana Reyes")).run_batch()
    said = [p.text for p in store.get_propositions(
        [r["id"] for r in store.read("SELECT id FROM propositions WHERE status = 'active'")]).values()]
    store.close()
    assert report is not None and report.created >= 1, said
    assert any("Porto" in s for s in said), said


def test_an_edit_is_not_undone_by_the_next_batch(tmp_path: Path) -> None:
    from propositions.service import Service

    store = Store(tmp_path / "gumd.db")
    pipe = Pipeline(store, ThreadInferrer("Dana Reyes"), batch_size=50)
    trip = ("Firefox", "Flights Lisbon to Porto - Kayak", "Lisbon → Porto  Fri 23 Oct 2026 09:10, TAP, €59")
    hotel = ("Firefox", "Hotel Porto Ribeira - Booking.com", "Booking confirmed: Hotel Porto Ribeira, Porto, 23–25 Oct")
    store.enqueue([_screen(None, 1_792_400_000.0, *trip), _screen(None, 1_792_400_600.0, *hotel)])  # type: ignore[arg-type]
    pipe.run_batch()
    active = lambda: {p.text: p for p in store.get_propositions(  # noqa: E731
        [r["id"] for r in store.read("SELECT id FROM propositions WHERE status = 'active'")]).values()}
    first = next(p for t, p in active().items() if "Porto" in t)
    edited = Service(store).edit(first.id, "Dana is flying to Porto on 23 October for a weekend")
    store.enqueue([_screen(None, 1_792_401_200.0, "Firefox", "Hotel Porto Ribeira - Booking.com",
                           "Your stay: Hotel Porto Ribeira, Porto, 23–25 Oct. Check-in from 15:00")])  # type: ignore[arg-type]
    pipe.run_batch()
    now = active()
    store.close()
    assert edited.text in now, now
    assert not [t for t in now if "Porto" in t and t != edited.text and "trip" in t], now


def test_an_event_that_is_someone_elses_cancelled_or_a_title_is_not_the_persons() -> None:
    from propositions.threaded import _event_phrase

    seen = datetime(2027, 3, 10, 9, 0).timestamp()
    thursday = date(2027, 3, 18)
    friday = date(2027, 3, 19)
    # theirs, and the person's own
    assert _event_phrase("His actual birthday is Thursday 18th", thursday, seen) is None
    assert _event_phrase("Your interview is on Thursday 18 March at 10:00", thursday, seen) == "an interview"
    # none at all
    assert _event_phrase("Comunicado: no hay clase del 18 al 19 de marzo", friday, seen) is None
    assert _event_phrase("Leider kein Termin am 19. März frei", friday, seen) is None
    # a course's title in quotes, and "au cours de" (during)
    assert _event_phrase("inscription au module « Rééducation : examen clinique » le 19 mars",
                         friday, seen) is None
    assert _event_phrase("au cours de la journée du 19 mars", friday, seen) is None
    # a street ("8 cours Foch") is no class; the deed's signing is the event
    assert _event_phrase("la signature de l'acte authentique de vente au jeudi 18 mars 2027 en notre "
                         "étude (8 cours Foch, Aubagne)", thursday, seen) == "a deed signing"
    assert _event_phrase("Inscription confirmée : formation Rééducation vestibulaire le 19 mars",
                         friday, seen) == "a training course"
    # tomorrow's check-up, in a line that also gives another thing's date
    assert _event_phrase("Amanhã tenho consulta pré-natal e peço a declaração com a data prevista "
                         "do parto (19 de março).", friday, seen) is None
    # the formal "su" is "your": the person's own appointment
    assert _event_phrase("Le confirmamos su cita el 19 de marzo a las 10:00", friday, seen) == "an appointment"


def test_a_signature_gives_the_role_and_pregnancy_is_a_condition(tmp_path: Path) -> None:
    said = _said(tmp_path, "Inês Carvalho", [
        ("Outlook", "Licenciamento – prazo 19/03 - Mensagem (HTML)",
         "Paulo,\nsegue a memória descritiva revista.\nObrigada,\nInês Carvalho\n"
         "Arquiteta · OA n.º 21457\nSá Pinto Arquitetos, Lda. · Porto"),
        ("WhatsApp", "WhatsApp", "Inês: amanhã faço 24 semanas de gravidez, tenho consulta às 10h"),
        ("Google Chrome", "Boletim de Saúde da Grávida – SNS 24",
         "Boletim de Saúde da Grávida: Idade gestacional 24s+0d · Data prevista do parto 28/06/2027"),
    ])
    assert "Inês is an architect at Sá Pinto Arquitetos, Lda" in said
    assert "Inês is pregnant, due on Monday 28 June 2027" in said


def test_shell_words_are_no_tools_and_a_teams_chat_partner_is_no_employer(tmp_path: Path) -> None:
    said = _said(tmp_path, "Lukas Brandt", [
        ("iTerm2", "lukas@mbp: ~/code/checkout",
         "lukas@mbp ~/code/checkout $ for i in $(seq 1 20); do ./gradlew test; done\n"
         "lukas@mbp ~/code/checkout $ git status\nlukas@mbp ~/code/checkout $ cd build"),
        ("iTerm2", "lukas@mbp: ~/code/checkout",
         "lukas@mbp ~/code/checkout $ for f in *.log; do grep -c FAILED $f; done\n"
         "lukas@mbp ~/code/checkout $ git commit -m 'Await the consumer'\n"
         "lukas@mbp ~/code/checkout $ export JAVA_HOME=/opt/jdk"),
        ("Microsoft Teams", "Chat | Tiago Barros | Microsoft Teams",
         "Tiago Barros   Chat  Ficheiros\nTiago: Vi os alçados, está top  14:36\n"
         "Lukas: Danke, ich schicke es heute  14:38"),
        ("Microsoft Teams", "Chat | Tiago Barros | Microsoft Teams",
         "Tiago: Combinado, conta comigo  14:39\nLukas: Super  14:40"),
    ])
    commands = [s for s in said if "at the command line" in s]
    assert commands and all(" for " not in s.split(" at the command line")[0]
                            and "export" not in s and " cd" not in s for s in commands), said
    assert not any("works at Tiago" in s for s in said), said


def test_a_trip_goes_where_travel_is_spoken_of_not_to_a_restaurants_town(tmp_path: Path) -> None:
    said = _said(tmp_path, "Inês Carvalho", [
        ("WhatsApp", "WhatsApp",
         "Inês: Pensei no Maré em Matosinhos, a mãe adora peixe. Eu trato da reserva\n"
         "Marta: Boa! E vê tu os voos e o hotel para a prenda, eu pago metade"),
        ("WhatsApp", "WhatsApp",
         "Marta: Já viste os voos?\nInês: Ainda não, amanhã vejo a viagem\n"
         "Inês: O almoço em Matosinhos fica às 13h"),
        ("Gmail", "Reserva confirmada – Restaurante Maré, Matosinhos",
         "A sua reserva está confirmada: domingo, 21 de março de 2027 · 13:00 · 8 pessoas\n"
         "📍 Rua Heróis de França, 612, Matosinhos"),
    ])
    assert not any("trip to Matosinhos" in s for s in said), said


def test_a_wrapper_script_runs_its_tool_and_the_flaky_test_it_fixed_is_named(tmp_path: Path) -> None:
    said = _said(tmp_path, "Lukas Brandt", [
        ("Slack", "#team-checkout - Kiezkauf - Slack",
         "Aylin Demir  09:02\nschon wieder der flaky OrderEventPublisherIT auf main"),
        ("iTerm2", "order-service — zsh",
         "lukas@mbp order-service % ./gradlew :order-service:integrationTest\n"
         "OrderEventPublisherIT > publishes OrderCreatedEvent after commit() FAILED\n"
         "2 tests completed, 1 failed\nFAILURE: Build failed with an exception."),
        ("iTerm2", "order-service — zsh",
         "lukas@mbp order-service % ./gradlew :order-service:integrationTest\n"
         "OrderEventPublisherIT > publishes OrderCreatedEvent after commit() PASSED\n"
         "BUILD SUCCESSFUL in 1m 31s"),
    ], step=900.0)
    assert any("fixed the flaky test OrderEventPublisherIT" in s and "(gradle)" in s for s in said), said


def test_being_on_call_says_the_days_the_rota_gives_the_person(tmp_path: Path) -> None:
    said = _said(tmp_path, "Lukas Brandt", [
        ("Firefox", "Checkout Backend – On-Call Schedule – Opsgenie",
         "Opsgenie   Alerts  Incidents  Who is on-call  Schedules\n"
         "Schedule: Checkout Backend – Primary   ◀ Mar 8 – Mar 28, 2027 ▶\n"
         "Mar 8 09:00 – Mar 15 09:00   Jan Richter\n"
         "Mar 15 09:00 – Mar 22 09:00  Lukas Brandt   (you)\n"
         "Mar 22 09:00 – Mar 29 09:00  Aylin Demir"),
        ("Slack", "#team-checkout - Kiezkauf - Slack",
         "Sandra Köhler  13:21\nReminder On-Call-Rotation: next week (Mon 15 March – Mon 22 March) "
         "@Lukas Brandt is primary on-call via Opsgenie"),
    ], t0=datetime(2027, 3, 10, 9, 0).timestamp())
    on_call = [s for s in said if "on call" in s]
    assert on_call and "from Monday 15 March to Monday 22 March" in on_call[0], said
    assert not any("incident" in s for s in on_call), said  # a menu's "Incidents" is none


def test_code_review_on_a_pull_request_page_either_way(tmp_path: Path) -> None:
    said = _said(tmp_path, "Tomasz Nowak", [
        ("Firefox", "ledger: use i128 minor units for FX conversion by abello · Pull Request #482 · "
                    "tillpoint/ledger - Mozilla Firefox",
         "ledger: use i128 minor units for FX conversion #482\n"
         "Open  abello wants to merge 3 commits into main from abello/fx-i128\nReviewers: tnowak"),
        ("Firefox", "ledger: use i128 minor units for FX conversion by abello · Pull Request #482 · "
                    "tillpoint/ledger - Mozilla Firefox",
         "tnowak commented on src/fx.rs line 234\n○ Comment  ● Request changes  ○ Approve\nSubmit review"),
        ("Firefox", "ledger: use i128 minor units for FX conversion by abello · Pull Request #482 · "
                    "tillpoint/ledger - Mozilla Firefox",
         "tnowak approved these changes now\n  Tests pass locally.\nabello merged commit c39f7b0 into main"),
        ("Firefox", "Retry webhooks by tnowak · Pull Request #1190 · tillpoint/payments-gateway",
         "Open  tnowak wants to merge 1 commit into main\nmarta-kowalska requested changes 10:02\n"
         "marta-kowalska approved these changes 11:40"),
    ])
    assert "Tomasz reviewed abello's pull request #482 “ledger: use i128 minor units for FX " \
           "conversion”: approved it" in said, said
    assert "Marta Kowalska reviewed Tomasz's pull request #1190 “Retry webhooks”: asked for " \
           "changes, then approved it" in said, said


def test_a_bare_event_says_what_it_is_for_from_the_mail_that_holds_it(tmp_path: Path) -> None:
    said = _said(tmp_path, "Javier Ortega", [
        ("Mozilla Firefox", "1T 2027 – facturas emitidas y recibidas - javier@gmail.com - Gmail",
         "De: Elena Puchades <elena@asesoria.es>\nJavier, te adjunto el resumen del trimestre.\n"
         "El plazo de presentación acaba el 20 de abril de 2027."),
        ("Outlook", "Licenciamento RB214 – prazo 19/03 - Mensagem (HTML)",
         "De: Paulo Sá Pinto\nInês, o prazo de entrega na Câmara é sexta-feira, 19 de março de 2027."),
    ], t0=datetime(2027, 3, 10, 9, 0).timestamp())
    assert any(s.startswith("Javier has a deadline on Tuesday 20 April (“1T 2027 – facturas emitidas "
                            "y recibidas”)") for s in said), said
    assert not any("Mensagem (HTML)" in s for s in said), said


def test_a_parents_round_birthday_from_their_own_words_and_a_search(tmp_path: Path) -> None:
    said = _said(tmp_path, "Jonas Brandtner", [
        ("Mozilla Firefox", "Geschenk 60. Geburtstag Mutter Ideen – Google Suche",
         "Google  geschenk 60 geburtstag mutter regensburg\n50 Geschenkideen zum 60. Geburtstag für Mama"),
        ("WhatsApp", "WhatsApp",
         "Mama: Jonas, kommst du Freitag mit dem Zug? Die Feier zu meinem 60. Geburtstag ist Samstag "
         "ab 12 im Gasthof Spitalgarten"),
        ("Mozilla Firefox", "Kasse – Theater Regensburg",
         "2 Karten · Personalisierung: „Für Mama zum 60. – von Jonas“ · 78,00 €"),
    ])
    assert any(s.startswith("Jonas's mother has her 60th birthday") for s in said), said
    # an age beside a parent with nothing of a birthday is none ("Mama, 45 min Verspätung")
    from propositions.threaded import _milestones_in
    assert _milestones_in("Mama: bin in 45 min da, Zug hat Verspätung", None) == []
    assert _milestones_in("Mamá: Son mis 60 años, no me vayas a fallar", "mother") == [("mother", 60)]


def test_an_unpaid_invoice_names_who_owes_it_never_a_search_or_a_sentences_first_word() -> None:
    from propositions.threaded import _debtors

    assert _debtors("Te recuerdo que la factura del Bar El Racó (F-2027-006) sigue sin cobrar",
                    "Javier Ortega") == ["Bar El Racó"]
    assert _debtors("4  F-2027-006  Bar El Racó de Patraix  08/02  1.240,00  NO – reclamado 3 veces",
                    "Javier Ortega") == ["Bar El Racó de Patraix"]
    assert _debtors("Cómo reclamar una factura impagada", "Javier Ortega") == []
    assert _debtors("Javier Ortega: factura sin cobrar", "Javier Ortega") == []
    # a table's next column is not the name's, and the street where the job was done owes nothing
    assert _debtors("INV-0417   Kershaw Lettings      Bathroom leak – 14 Harehills Ave   £486.00   OVERDUE",
                    "Dean Ackroyd") == ["Kershaw Lettings"]
    assert _debtors("Invoice INV-0417 (bathroom leak, 14 Harehills Avenue) is now 4 weeks overdue",
                    "Dean Ackroyd") == []


def test_hyphenated_names_pronouns_and_menu_columns(tmp_path: Path) -> None:
    from propositions.threaded import _ROLE

    # a hyphenated first name is the person's own, whole; a hyphenated surname another's
    assert not entities.people_in("From: Hans-Jürgen Thiessen", "Hans-Jürgen Thiessen")
    assert entities.people_in("Von: Julia Thiessen-Krüger", "Hans-Jürgen Thiessen") == \
        Counter({"Julia Thiessen-Krüger": 1})
    # "Vos: …" in a chat is "you", no one's name
    assert not entities.is_person_name("Vos", "Valeria Giménez")
    # a role is said in one run of words, not across a menu's column gaps
    assert [m.group(0) for m in _ROLE.finditer("Archivo  Vista  Ayuda   Editor")] == ["Editor"]
    assert [m.group(0) for m in _ROLE.finditer("Senior Backend Engineer – Payments")] == \
        ["Senior Backend Engineer"]
    said = _said(tmp_path, "Hans-Jürgen Thiessen", [
        ("Thunderbird", "Entwurf Einladung JHV 20.03.2027 - Thunderbird",
         "Von: Hans-Jürgen Thiessen <h.thiessen@t-online.de>\nAn: Renate Petersen   CC: KGV Vorstand\n"
         "Betreff: Entwurf Einladung JHV 20.03.2027\nLiebe Renate, anbei der Entwurf."),
        ("Thunderbird", "Entwurf Einladung JHV 20.03.2027 - Thunderbird",
         "Von: Renate Petersen <1.vorsitzende@kgv-osterbek.de>   An: Hans-Jürgen Thiessen\n"
         "Betreff: Re: Entwurf Einladung JHV 20.03.2027\nDanke, sieht gut aus."),
    ])
    assert not any("with Hans-Jürgen" in s or "Petersen CC" in s for s in said), said


def test_a_club_office_beside_the_full_name_is_a_role() -> None:
    assert roles.named_roles("Von: Hans-Jürgen Thiessen (Kassenwart KGV Osterbek) <h.t@t-online.de>",
                             "Hans-Jürgen") == [("Kassenwart KGV Osterbek", None)]
    assert roles.own("Kassenwart KGV Osterbek", None).sentence == "is a treasurer (KGV Osterbek)"
    assert roles.own("Kassenwart KGV Osterbek", None).key == roles.own("Kassenwart", None).key


def test_home_from_a_uk_postcode_a_spanish_c_slash_and_a_mexican_fiscal_address() -> None:
    assert entities.home_places_in(
        "Deliver to: Megan Hughes, 14 Heol Isaf, Radyr, Cardiff CF15 8AF", "Megan Hughes") == ["Radyr, Cardiff"]
    assert entities.home_places_in(
        "Javier Ortega Llorens · NIF 2*****11-X · C/ Poeta Asins, Benimaclet · 46020 Valencia",
        "Javier Ortega") == ["Benimaclet, Valencia"]
    assert entities.home_places_in(
        "Domicilio fiscal: Calle Odontología 42, int. 3, Col. Portales Sur, Benito Juárez, C.P. 03300",
        "Daniela Cervantes") == ["Benito Juárez"]
    # a shop's address on a page that is not the reader's stays a shop's
    assert entities.home_places_in("Visit us: 22 Queen Street, Cardiff CF10 2BU", "Megan Hughes") == []


_REPLAY = """
import sys
from pathlib import Path
import tempfile
from propositions.eval import load_scenario, replay
from propositions.infer import Pipeline
from propositions.store import Store
from propositions.threaded import ThreadInferrer
scenario = load_scenario(sys.argv[1])
with tempfile.TemporaryDirectory() as tmp:
    store = Store(Path(tmp) / "gumd.db")
    replay(scenario, Pipeline(store, ThreadInferrer(scenario.user), batch_size=20))
    ids = [r["id"] for r in store.read("SELECT id FROM propositions WHERE status = 'active'")]
    for p in sorted(store.get_propositions(ids).values(), key=lambda p: p.text):
        print(f"{p.confidence:.3f} {p.text}")
    store.close()
"""


def test_what_is_inferred_does_not_depend_on_the_hash_seed() -> None:
    # set order changes with PYTHONHASHSEED; one run must say what the next one says
    import os
    import subprocess
    import sys

    scenario = Path(__file__).parent / "scenarios" / "hamburg-rentner.json"
    said = []
    for seed in ("1", "4"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        done = subprocess.run([sys.executable, "-c", _REPLAY, str(scenario)], capture_output=True,
                              text=True, env=env, timeout=300, check=True)
        said.append(done.stdout)
    assert said[0] and said[0] == said[1]


def test_pay_is_researched_only_where_salaries_are_compared(tmp_path: Path) -> None:
    offer = [
        ("Google Chrome", "Senior Analyst – Careers | Northwind", "Senior Analyst, Northwind. Apply now. "
         "Job application submitted. Salary: £48,000 plus benefits."),
        ("Google Chrome", "Your application - Gmail", "Thank you for your job application for Senior Analyst. "
         "We will invite shortlisted candidates to an interview. Salary £48,000."),
    ]
    said = _said(tmp_path / "a", "Dana Reyes", offer)
    assert not any("comparing salaries" in s for s in said), said
    research = offer + [("Google Chrome", "Northwind Senior Analyst salaries | Glassdoor",
                         "Northwind salaries: average salary for a Senior Analyst £46,500, "
                         "salary range £39k–£55k. Senior Analyst job application tips")]
    said = _said(tmp_path / "b", "Dana Reyes", research)
    assert "Dana is comparing salaries for the jobs applied for" in said, said


def test_a_daily_schedule_needs_a_working_week_of_days(tmp_path: Path) -> None:
    def days(n: int) -> list[Observation]:
        t0 = datetime(2026, 11, 2, 8, 30).timestamp()
        return [_screen(None, t0 + d * 86400 + 60 * m, "Code", "main.py - ledger", f"def f{m}(): pass")
                for d in range(n) for m in range(0, 9 * 60, 30)]  # type: ignore[arg-type]

    from propositions.window import Activity, schedule

    def said(n: int) -> str | None:
        obs = days(n)
        for i, o in enumerate(obs):
            o.id = i + 1
        act = Activity(observations=obs)
        for o in obs:
            act.active_s[o.id] = 1800.0  # type: ignore[index]
        made = schedule(act, "Dana")
        return made.text if made else None

    assert said(3) is None
    assert said(5) == "Dana is usually at the computer from about 8:00 to 18:00"


def test_a_language_is_learnt_where_it_is_what_a_lesson_teaches(tmp_path: Path) -> None:
    said = _said(tmp_path / "a", "Juliette Roussel", [
        ("Firefox", "Cours : Phonétique et phonologie du français – TD groupe 3 | Moodle",
         "Phonétique et phonologie du français (L1) — TD groupe 3. Cours 5 : assimilation. "
         "Exercice 2 : transcrivez les phrases suivantes"),
        ("Firefox", "Cours : Phonétique et phonologie du français – TD groupe 3 | Moodle",
         "Cours 6 : neutralisation. Exercice 3 : phonologie du français, voyelles moyennes"),
    ])
    assert not any("is learning French" in s for s in said), said
    said = _said(tmp_path / "b", "Marta Gil", [
        ("Google Chrome", "Curso de alemán A2 – Lección 5 | Goethe", "Curso de alemán A2. Lección 5: "
         "el dativo. Ejercicio 1: completa las frases"),
        ("Google Chrome", "Curso de alemán A2 – Lección 6 | Goethe", "Curso de alemán A2. Lección 6: "
         "vocabulario de la casa. Ejercicio 2"),
    ])
    assert any(s.startswith("Marta is learning German") for s in said), said


def test_a_seller_on_a_marketplace_is_selling_and_a_mail_folder_is_no_purchase(tmp_path: Path) -> None:
    said = _said(tmp_path, "Marta Gil", [
        ("Google Chrome", "Bicicleta carretera Orbea Avant | Wallapop",
         "wallapop  ✉ Buzón 2  Bicicleta carretera Orbea Avant · 380 €\nVendo mi bici de carretera "
         "Orbea Avant de 2019. La vendo porque ya casi no salgo."),
        ("Google Chrome", "Buzón · Sergio M. · Bicicleta carretera Orbea Avant | Wallapop",
         "Buzón  Sergio M.: ¿Sigue disponible? ¿320 €?\nTú: Sí, sigue disponible. Te la dejo en 350 €"),
        ("Google Chrome", "Buzón · Sergio M. · Bicicleta carretera Orbea Avant | Wallapop",
         "Buzón  Sergio M.: Vale, 340 € y quedamos el jueves\nTú: Perfecto, 340 €"),
    ])
    assert any(s.startswith("Marta is selling") and "Orbea" in s for s in said), said
    assert not any("looking to buy" in s for s in said), said


def test_a_tool_named_by_an_everyday_word_needs_a_technical_window_and_a_senders_son_is_theirs(
        tmp_path: Path) -> None:
    inf = ThreadInferrer("Dean Ackroyd")
    sale = _screen(1, 1e9, "Outlook", "Inbox", "City Plumbing  Spring Trade Week – up to 30% off")
    assert inf.features(sale).tools == ()
    code = _screen(2, 1e9, "IntelliJ IDEA", "OrderService.kt", "Spring Boot 3.2 with Docker compose")
    assert {k for k, _ in inf.features(code).tools} >= {"spring", "docker"}
    said = _said(tmp_path, "Dean Ackroyd", [
        ("Phone Link", "Messages", "Margaret 06:31   Morning Dean, could you email the quote, my son "
         "Andrew wants to look over it. Margaret"),
        ("Phone Link", "Messages", "Margaret 06:40   Thanks again, my son Andrew will call"),
    ])
    assert not any("son is Andrew" in s for s in said), said


def test_a_condition_in_the_news_is_not_the_persons_and_a_percent_is_no_prompt(tmp_path: Path) -> None:
    news = [("Firefox", "Hôpital : les urgences saturées - Le Monde",
             "Hôpital : dans la Loire, les urgences saturées par l'épidémie de grippe"),
            ("Firefox", "Le Monde (@lemondefr) / X", "Le Monde · 3 h  Les urgences saturées par "
             "l'épidémie de grippe")]
    assert not any("flu" in s for s in _said(tmp_path / "a", "Juliette Roussel", news))
    own = [("WhatsApp", "Inès", "Juliette: je suis au lit, j'ai la grippe depuis hier"),
           ("Firefox", "grippe fièvre combien de jours - Recherche Google", "grippe fièvre combien de jours")]
    assert "Juliette has the flu" in _said(tmp_path / "b", "Juliette Roussel", own)
    inf = ThreadInferrer("Dean Ackroyd")
    quote = _screen(1, 1e9, "Excel", "Quote", "10 year guarantee (registered by installer). 20% deposit on booking.")
    assert inf.features(quote).commands == []


def _scenario_said(name: str) -> list[str]:
    """The active propositions after replaying one of tests/scenarios/ through the inferrer."""
    from propositions.eval import evaluate

    [result], _ = evaluate([Path(__file__).parent / "scenarios" / f"{name}.json"], ThreadInferrer)
    return [p.text for p in result.score.propositions]


def test_a_tradesmans_jobs_and_landlords_are_his_work() -> None:
    """Over two days of a plumber's screens (quotes, invoices, a letting agent's jobs), no job
    search and no home search."""
    said = _scenario_said("leeds-plumber")
    assert not any("new job" in s or "place to rent" in s for s in said), said
    assert any("runs Ackroyd Plumbing & Heating" in s for s in said), said


def test_who_calls_the_person_mum_is_their_child_not_their_partner(tmp_path: Path) -> None:
    from propositions.threaded import _calls_parent

    said = _said(tmp_path, "Françoise Delmas", [
        ("WhatsApp", "WhatsApp", "Claire ❤️   en ligne\nClaire 03:41   Maman, Papa : ELLE EST LÀ ❤️❤️\n"
         "Claire 07:59   Vous êtes officiellement papi et mamie 🥹 je vous aime"),
        ("WhatsApp", "WhatsApp", "Claire ❤️   en ligne\nClaire 14:10   Maman, elle est adorable ❤️ bisous"),
    ])
    assert "Claire is Françoise's child" in said, said
    assert not any("partner" in s for s in said), said
    # over three days, a delivery to "Mme Claire Delmas" a day later says which child
    assert "Claire is Françoise's daughter" in _scenario_said("bordeaux-retraites")
    # a member list, the person themselves and a line that only mentions a parent are no child
    from propositions.threaded import _calls_sibling

    assert _calls_sibling("Marta 👭  17:47  Gracias hermanita ❤️ En Semana Santa bajo yo\n"
                          "Ana: mi hermanita Sofía viene\nÉmilie: c'est Sam's frangine\n"
                          "Tom: love you sis!") == ["Marta"]
    assert _calls_parent("Familia Giménez: Mamá, Papá, Sofi, tú\nTú: Papá, ya voy\n"
                         "Julien 18:37   Bravo papa ! Bientôt le marathon") == []


def test_a_month_is_no_thing_bought_a_joke_trains_for_nothing_and_anothers_trade_is_theirs(
        tmp_path: Path) -> None:
    from propositions.threaded import _DATE_SUBJECT, _received_mail

    assert _DATE_SUBJECT.fullmatch("mars 2026") and _DATE_SUBJECT.fullmatch("semana 12")
    assert not _DATE_SUBJECT.fullmatch("bicicleta orbea avant")
    assert _received_mail("De : Thomas Berthier – Masseur-kinésithérapeute <t@k.fr>   À : moi",
                          "Françoise Delmas")
    assert not _received_mail("From: Françoise Delmas <f@orange.fr>\nTo: Thomas", "Françoise Delmas")
    said = _said(tmp_path, "Françoise Delmas", [
        ("WhatsApp", "Famille", "Julien 18:37   Bravo papa ! Bientôt le marathon 😄"),
        ("WhatsApp", "Famille", "Julien 18:40   Le marathon de Paris l'an prochain alors 😄"),
    ])
    assert not any("marathon" in s for s in said), said


def test_a_supervisor_named_as_such_in_five_languages_but_not_a_co_supervisor() -> None:
    from propositions.threaded import _supervisors_in

    assert _supervisors_in("I am a PhD candidate at Lyon 2, supervised by Prof. Bertrand Achard "
                           "and Dr. Claire Mounier") == ["Prof. Bertrand Achard"]
    assert _supervisors_in("1. Prof. Bertrand Achard (Lyon 2) – PhD supervisor  2. Dr. Claire "
                           "Mounier (CNRS) – co-supervisor") == ["Prof. Bertrand Achard"]
    assert _supervisors_in("Orientadora: Profa. Marta Silva") == ["Profa. Marta Silva"]
    assert _supervisors_in("Betreuer: Prof. Dr. Jonas Weber, Lehrstuhl für Physik") == [
        "Prof. Dr. Jonas Weber"]
    assert _supervisors_in("You will be supervised in a team of five") == []


def test_a_trip_says_how_the_person_travels_where_the_thread_says_it() -> None:
    from propositions.threaded import _travel_modes

    assert _travel_modes("Lyon Part-Dieu → Roanne · TER 17713 · e-billet") == ["train"]
    assert _travel_modes("Curitiba (CWB) ⇄ Florianópolis (FLN)  2 adultos") == ["plane"]
    # "ter" is Portuguese for "to have"; a meal train is no train
    assert _travel_modes("Vou ter de ir ao banco") == []
    assert _travel_modes("Create a Meal Train for Leila") == []
    said = _scenario_said("lyon-doctorante")
    assert any(s.startswith("Juliette is planning a trip to Roanne by train") for s in said), said
    # someone else's post on X about a postdoc they offer is no hiring of hers
    assert not any("hiring" in s for s in said), said


def test_a_spouse_from_a_form_and_unnamed_words_a_child_by_title_and_days_a_sentence_says() -> None:
    from propositions.threaded import _child_word, _co_holders, _days_said

    assert _co_holders("Assurés : Françoise DELMAS, Jean-Pierre DELMAS — Voyage Bordeaux → La Canée",
                       "Françoise Delmas") == ["Jean-Pierre Delmas"]
    assert _co_holders("Titulaires : Mme Juliette Roussel, Mme Inès Benali", "Juliette Roussel") == []
    assert _child_word("Claire", ["Livraison : Mme Claire Delmas, 9 rue Paul Bellamy"]) == "daughter"
    from propositions.threaded import _flatmates

    contract = ("EDF  Contrat électricité – 12 rue d'Austerlitz, 69004 Lyon    Titulaires : Mme Juliette "
                "Roussel, Mme Inès Benali")
    assert _flatmates(contract, "Juliette Roussel") == ["Inès Benali"]
    assert _flatmates("Assurés : Françoise DELMAS, Jean-Pierre DELMAS", "Françoise Delmas") == []
    assert _child_word("Tom", ["Tom: Hi Mum"]) == "child"
    days = {date(2026, 12, 5), date(2026, 12, 9), date(2026, 11, 14)}
    assert _days_said("a trip to Québec around 5–13 December", days) == {date(2026, 12, 5), date(2026, 12, 9)}
    assert _days_said("a wedding on Saturday 14 November", days) == {date(2026, 11, 14)}


def test_a_date_alone_on_its_line_is_a_clock_only_if_it_is_today(tmp_path: Path) -> None:
    inf = ThreadInferrer("Françoise Delmas")
    seen = datetime(2026, 3, 9, 14, 4).timestamp()
    page = _screen(1, seen, "Firefox", "Rendez-vous confirmé | Doctolib",
                   "Doctolib   Mes rendez-vous   👤 Françoise\n✔ Votre rendez-vous est confirmé\n"
                   "Jeudi 19 mars 2026 à 10:30\nDr Hélène Castaing — Cardiologue\n"
                   "Consultation de suivi · Patiente : Françoise DELMAS\n🔋  FRA   14:04  09/03/2026")
    assert date(2026, 3, 19) in [d for d, _, _ in inf.features(page).dates]


def test_a_move_names_only_the_place_said_as_where_they_move() -> None:
    """A family moving across town and flying to the grandparents at Christmas: the flight's
    town is a trip's, not where they move (no town is said for the move)."""
    said = _scenario_said("curitiba-dev-pai")
    assert not any("moving to" in s for s in said), said
    assert any("trip to Florianópolis" in s for s in said), said
    # the flat they rent is no thing bought
    assert not any("looking to buy" in s and "Apartamento" in s for s in said), said


def test_preparing_for_a_named_exam_and_a_simulator_is_no_mock_exam(tmp_path: Path) -> None:
    said = _said(tmp_path / "a", "Marta Gil", [
        ("Google Chrome", "Temario Educación Primaria – Oposiciones 2027", "Temario de oposiciones: "
         "tema 11 lectoescritura, tema 14 resolución de problemas. Simulacro nº 4: 6,4"),
        ("Google Chrome", "Simulacro nº 5 – Academia", "Simulacro nº 5 de oposiciones, sábado 8 de mayo. "
         "Repasa el temario antes del simulacro"),
        ("Anki", "Anki – Oposiciones", "Temario tema 11: tarjetas de repaso para las oposiciones"),
    ])
    assert "Marta is studying for the oposiciones" in said, said
    said = _said(tmp_path / "b", "Inês Carvalho", [
        ("Google Chrome", "Simulador de crédito automóvel – Banco", "Simulador de crédito automóvel: "
         "15 000 €, 60 meses, TAEG 8,9 %"),
        ("Google Chrome", "Simulador de crédito automóvel – Banco", "Simulador: prestação 310 €/mês"),
    ])
    assert not any("studies" in s or "studying" in s for s in said), said


def test_retired_from_a_profile_beside_the_name_or_a_pension_paid_in(tmp_path: Path) -> None:
    said = _said(tmp_path, "Françoise Delmas", [
        ("Firefox", "Mon profil – Club de marche de Caudéran",
         "Françoise Delmas · Retraitée de l'Éducation nationale · Habite à Bordeaux\nSorties du jeudi"),
        ("Firefox", "Sud Ouest – Économie",  # a headline about pensions says nothing of her
         "Retraites : ce qui change pour les pensions au 1er avril\nLes retraités verront …"),
    ])
    assert "Françoise is retired" in said and "Françoise lives in Bordeaux" in said, said
    said = _said(tmp_path / "b", "Hans-Jürgen Thiessen", [
        ("Firefox", "Hamburger Schachklub – Mitglieder",
         "Profil: \"Dipl.-Ing. Schiffbau, 38 Jahre bei der Werft, seit 2021 im Ruhestand.\""),
        ("Firefox", "Haspa – Umsätze",
         "Umsätze: 14.02. EDEKA Barmbek -63,20 €   29.01. Deutsche Rentenversicherung RENTE 02/27 +2.468,31 €"),
    ])
    assert "Hans-Jürgen is a retired engineer" in said, said
    said = _said(tmp_path / "c", "Dana Reyes", [
        ("Firefox", "Retirement planning – Vanguard", "When can I retire? Retired at 60: a guide.\n"
         "Your projected pension at 67: 1,840 a month."),
        ("Firefox", "Pension statement – Aviva", "Dana Reyes\nPension pot value: 48,210. "
         "Contributions this year: 3,600."),
    ])
    assert not [s for s in said if "retired" in s], said  # planning for it is not being it


def test_a_vehicle_test_booked_or_due_in_any_country_and_not_a_word_or_a_channel() -> None:
    from propositions.vehicles import inspection_in, vehicle_in

    booked = inspection_in("Subject: Booking confirmed – MOT Fri 6 March 08:00 – YE19 KXW")
    assert booked is not None and booked.name == "an MOT" and booked.booked
    assert inspection_in("Ihr Termin zur Hauptuntersuchung ist bestätigt").name == "the hauptuntersuchung"
    assert inspection_in("Rappel : votre contrôle technique expire le 12 avril").due
    assert inspection_in("Cita ITV confirmada: matrícula 1234 KLM, jueves 8 de abril").booked
    assert inspection_in("Mot de passe oublié ? Saisissez votre adresse") is None  # a password
    assert inspection_in("ITV News at Ten: tonight's headlines") is None  # a channel
    assert vehicle_in("YE19 KXW   FORD TRANSIT CUSTOM 280 LEADER ECOBLUE") == "Ford Transit Custom"
    assert vehicle_in("Vehicle: FORD FOCUS ST-LINE 1.0 MK67 XRT") == "Ford Focus"
    assert vehicle_in("08:00 VAN MOT – Swinnow Rd (drop off)") == "the van"


def test_the_vehicle_test_is_said_with_its_day_and_the_expiry_it_beats(tmp_path: Path) -> None:
    said = _said(tmp_path, "Marcus Bell", [
        ("Gmail", "Inbox (3) - marcus.bell@gmail.com - Gmail",
         "Kwik Fit  Your MOT is due soon – FORD FOCUS MK67 XRT – expires 16/03/2027  Sun"),
        ("Google Chrome", "Kwik Fit – Book an MOT",
         "Book your MOT   Vehicle: FORD FOCUS ST-LINE 1.0 MK67 XRT   MOT expires: 16/03/2027"),
        ("Gmail", "Booking confirmation – Kwik Fit – Gmail",
         "Thanks Marcus, your MOT is booked.\nSat 13 Mar 2027 at 09:00 · Kwik Fit Stretford · "
         "FORD FOCUS MK67 XRT · £29.95 pay on the day"),
    ], t0=1_804_500_000.0)
    assert [s for s in said if "MOT" in s] == [
        "Marcus has booked an MOT for the Ford Focus on Saturday 13 March at 9 am, "
        "before it expires on Tuesday 16 March"], said


def test_a_day_carries_its_year_only_where_it_is_not_the_year_it_was_seen_in(tmp_path: Path) -> None:
    """What a sentence says does not depend on the day it is computed: a replay next year, or
    a test, says the same."""
    screens = [("Gmail", "Dentist – Gmail", "Reminder: your appointment with Dr Adams is on "
                "Friday 7 January 2028 at 15:30. Smile Dental")]
    late_2027 = _said(tmp_path, "Dana Reyes", screens, t0=1_829_000_000.0)  # December 2027
    early_2028 = _said(tmp_path / "b", "Dana Reyes", screens, t0=1_830_500_000.0)  # January 2028
    assert "Dana has an appointment with Dr Adams on Friday 7 January 2028 at 3:30 pm" in late_2027, \
        late_2027  # the event is the appointment, not the last word of who it is with
    assert "Dana has an appointment with Dr Adams on Friday 7 January at 3:30 pm" in early_2028, \
        early_2028


def test_an_event_is_its_noun_with_what_describes_it_and_whom_it_is_with() -> None:
    from datetime import date

    from propositions.threaded import _event_phrase

    day, seen = date(2028, 1, 7), 1_829_000_000.0
    assert _event_phrase("Your technical interview with Northwind Analytics is on Friday 7 January "
                         "2028", day, seen) == "a technical interview with Northwind Analytics"
    assert _event_phrase("GP Surgery Appointment on Friday 7 January 2028", day, seen) == "an appointment"
    assert _event_phrase("a 45-minute technical interview with our data platform team on Friday 7 "
                         "January 2028", day, seen) == "a 45-minute technical interview with the data platform team"
    assert _event_phrase("Ella swimming lessons at Llandaff on Friday 7 January 2028", day, seen) == \
        "a swimming lesson at Llandaff"


def test_a_child_on_an_entry_list_with_the_person_as_parent_and_their_gala_in_the_planner(
        tmp_path: Path) -> None:
    from propositions.entities import children_listed_with

    entry = "Swimmers entered (9-10 yrs): Ellie Ackroyd (parents: K. Marsden / D. Ackroyd) – 50m Backstroke"
    assert children_listed_with(entry, "Dean Ackroyd") == ["Ellie"]
    assert children_listed_with(entry, "Karen Ackroyd") == []  # K. Marsden is not Karen Ackroyd
    assert children_listed_with("Ellie Ackroyd (coach: D. Ackroyd)", "Dean Ackroyd") == []
    said = _said(tmp_path, "Dean Ackroyd", [
        ("Google Chrome", "Heat sheets – Bramley Barracudas ASC", entry),
        ("Microsoft Excel", "Jobs & Invoices 2025-26.xlsx - Excel",
         "7   Fri 13/03   Raj Patel, Farsley   ensuite shower tray + waste   £290\n"
         "8   Sat 14/03   ELLIE GALA – John Charles – NO WORK"),
    ], t0=1_772_900_000.0)
    assert "Dean is a parent: Ellie is their child" in said, said
    assert "Ellie has a gala on Saturday 14 March" in said, said


def test_a_calendar_form_dates_its_title_and_a_specialist_visit_is_an_appointment(tmp_path: Path) -> None:
    form = ("Google Calendar - 25 de mayo ×  Recibidos (2) ×  +\n"
            "✕  Guardar   Más acciones ▾\n"
            "Título:  Acompañar a papá — cardiólogo Dr. Ferrante (Sanatorio Parque)\n"
            "mar, 25 de mayo de 2027   09:15 – 12:00   Zona horaria   ☐ Todo el día\n"
            "Ubicación: Sanatorio Parque, Blvd. Oroño 860, Rosario")
    said = _said(tmp_path, "Valeria Giménez", [
        ("Google Chrome", "Google Calendar - Martes, 25 de mayo de 2027", form)], t0=1_810_700_000.0)
    assert "Valeria's father has a cardiology appointment on Tuesday 25 May at 9:15 am" in said, said
    # a mail's "Assunto:" heads the mail, not an event on the date below it
    mail = ("Assunto: Escala de urgência – maio\nDe: Serviço de Medicina Interna\n"
            "Reunião de serviço a 25 de maio de 2027 às 14:00.")
    said = _said(tmp_path / "b", "Inês Carvalho", [("Outlook", "Escala de urgência – maio - Outlook", mail)],
                 t0=1_810_700_000.0)
    assert [s for s in said if "25 May" in s] == [
        "Inês has a meeting on Tuesday 25 May (“Escala de urgência – maio”)"], said


def test_a_town_by_its_name_in_another_language_and_a_taskbar_clock_is_no_date(tmp_path: Path) -> None:
    from propositions.entities import places_in

    assert "Chaniá" in places_in("Bordeaux-Mérignac (BOD) 13:10 → La Canée (CHQ) 17:55")
    assert places_in("Nous partons pour Le Caire en mai") == ["Cairo"]
    assert places_in("El Toro y La Villa del Mar") == []  # a bull and a house, no towns
    taskbar = "⊞ 🔍 Rechercher 📁 🦊 💬 📅 ^ ☁ 🔊 🔋 FRA 14:22 09/03/2026"
    flights = ("Volotea | Bordeaux - La Canée (Chania) — Mozilla Firefox",
               "Aller : mar. 12/05/2026  Bordeaux-Mérignac (BOD) 13:10 → La Canée (CHQ) 17:55   V7 2516\n"
               "Retour : ven. 22/05/2026  La Canée (CHQ) 18:40 → Bordeaux-Mérignac (BOD) 21:35   V7 2517\n"
               + taskbar)
    said = _said(tmp_path, "Françoise Delmas", [
        ("Firefox", *flights),
        ("Firefox", "Elia Harbour Suites, La Canée – Booking.com",
         "✔ Votre réservation à La Canée est confirmée.\nArrivée : mardi 12 mai 2026\n"
         "Départ : vendredi 22 mai 2026\n" + taskbar.replace("14:22", "14:32")),
    ], t0=datetime(2026, 3, 9, 14, 22).timestamp())
    trips = [s for s in said if "trip" in s]
    assert trips == ["Françoise is planning a trip to Chaniá around 12–22 May"], said


def test_a_booking_for_another_patient_is_theirs(tmp_path: Path) -> None:
    said = _said(tmp_path, "Françoise Delmas", [
        ("Firefox", "Mes rendez-vous | Doctolib — Mozilla Firefox",
         "Mes rendez-vous à venir\n"
         "ven. 13 mars 17:00   Thomas Berthier — Masseur-kinésithérapeute · Patient : Jean-Pierre DELMAS\n"
         "jeu. 19 mars 10:30   Dr Hélène Castaing — Cardiologue · Patiente : Françoise DELMAS"),
        ("Firefox", "Mail Orange - Boîte de réception — Mozilla Firefox",
         "● Cabinet Kiné Berthier   Séances de Jean-Pierre : semaine du 16 mars   sam."),
    ], t0=datetime(2026, 3, 10, 9, 0).timestamp())
    assert "Jean-Pierre has a physiotherapy session on Friday 13 March" in said, said
    assert "Françoise has a cardiology appointment on Thursday 19 March" in said, said
    assert "Jean-Pierre has a physiotherapy session on Monday 16 March" in said, said


def test_a_childs_record_with_the_person_as_guardian(tmp_path: Path) -> None:
    from propositions.entities import children_listed_with

    record = "Paciente: HELENA LIMA KOWALSKI   Nasc.: 18/07/2027   Responsável: Rafael Kowalski"
    assert children_listed_with(record, "Rafael Kowalski") == ["Helena"]
    assert children_listed_with(record, "Bianca Lima") == []
    assert children_listed_with("Paciente: Rafael Kowalski   Responsável: Rafael Kowalski",
                                "Rafael Kowalski") == []  # an adult's own record


def test_an_approver_with_a_managers_title_a_colleague_by_full_name_and_what_a_course_teaches(
        tmp_path: Path) -> None:
    from propositions.threaded import _supervisors_in

    assert _supervisors_in("Aprobación requerida: GIL CABRERA, ROCÍO (Supervisora de Enfermería UCI)") == \
        ["Rocío Gil Cabrera"]
    assert _supervisors_in("Approver: Sandra Köhler (Team Lead Checkout)") == ["Sandra Köhler"]
    assert _supervisors_in("Reviewer: Sandra Köhler (Team Lead)") == []  # a reviewer approves no leave
    said = _said(tmp_path, "Lucía Moreno Quintero", [
        ("WhatsApp", "WhatsApp", "Javier Ruiz UCI   en línea\n"
         "Javier Ruiz UCI  16:39  Claro, sin problema, te cambio el turno del jueves"),
        ("Microsoft Edge", "GesTurnos – Mis solicitudes",
         "2027-UCI-0418  Cambio de turno 11/03 M ↔ 13/03 M con Ruiz Peña, J.   Pendiente"),
        ("Outlook", "Bandeja de entrada - Outlook",
         "Unidad de Formación   Convocatoria: Curso de Soporte Vital Avanzado (SVA) – miércoles 17 de marzo"),
    ], t0=datetime(2027, 3, 8, 16, 40).timestamp())
    assert any("swapping a shift" in s and "with Javier Ruiz" in s for s in said), said
    assert "Lucía has a course in Soporte Vital Avanzado (SVA) on Wednesday 17 March" in said, said


def test_a_professor_heading_the_persons_lab_and_a_deadline_for_a_named_conference(tmp_path: Path) -> None:
    said = _said(tmp_path, "Sam Whitfield", [
        ("Thunderbird", "Re: Chapter 4 draft - Inbox - sam.whitfield@cs.example.edu",
         "From: Prof. Adaeze Okafor\nSam, thanks for the chapter 4 draft. The results section is not "
         "convincing yet: I need ablations. Can we meet on the 24th? - Adaeze"),
        ("Slack", "Slack | #okafor-lab", "Tomas: reading group Thursday is on equivariant GNNs"),
        ("Thunderbird", "Courrier entrant - Thunderbird",
         "● Interspeech 2026        Reminder: full paper submission deadline 25 February (AoE)     ven. 09:00"),
    ], t0=datetime(2027, 2, 16, 9, 0).timestamp())
    assert "Sam's supervisor is Prof. Adaeze Okafor" in said, said
    assert "Sam has a paper submission deadline for Interspeech 2026 on Thursday 25 February" in said, said
    # one mail from a professor whose lab the person is not in says nothing of supervising
    alone = _said(tmp_path / "b", "Sam Whitfield", [(
        "Thunderbird", "Re: Guest lecture - Inbox", "From: Prof. Adaeze Okafor\nSam, thanks for the "
        "questions after my talk on your research area. - Adaeze")], t0=datetime(2027, 2, 16, 9, 0).timestamp())
    assert not [s for s in alone if "supervisor" in s], alone


def test_a_language_is_said_apart_only_when_more_than_one_project_is_written_in_it(tmp_path: Path) -> None:
    def files(paths: list[str]) -> set[str]:
        store = Store(tmp_path / f"{len(paths)}.db")
        t0 = datetime(2027, 3, 1, 9, 0).timestamp()
        store.enqueue([Observation(observer="files", captured_at=t0 + 60 * i, window_title=p,
                                   content="modified") for i, p in enumerate(paths)])
        Pipeline(store, ThreadInferrer("Dana Reyes"), batch_size=50).run_batch()
        said = {p.text for p in store.get_propositions(
            [r["id"] for r in store.read("SELECT id FROM propositions WHERE status = 'active'")]).values()}
        store.close()
        return said

    one = files(["~/code/invoice-parser/parser.py", "~/code/invoice-parser/tests/test_parser.py",
                 "~/code/invoice-parser/cli.py"])
    assert any("invoice-parser, a Python project" in s for s in one), one
    assert not [s for s in one if "programs in" in s], one  # the project's sentence says it
    two = files(["~/code/invoice-parser/parser.py", "~/code/invoice-parser/cli.py",
                 "~/code/ledger-sync/sync.py", "~/code/ledger-sync/models.py"])
    assert "Dana programs in Python" in two, two


def test_a_legal_form_before_the_persons_name_is_their_employers_and_a_stay_is_one_line() -> None:
    from propositions import roles
    from propositions.threaded import _LODGING

    assert roles.own_business("DATEV online   Brenner Systems GmbH   Leonie Brandt ▾   Abmelden", "Brandt") == []
    assert roles.own_business("Ortega Reformas SL · Electricidad y reformas", "Ortega") == [
        ("Ortega Reformas SL", "Electricidad y reformas")]
    assert [m.group(0) for m in _LODGING.finditer("Cosy cottage · Airbnb\nAirbnb Plus")] == ["Airbnb", "Airbnb Plus"]


@pytest.mark.parametrize("text", [
    "Prüfung", "ﬁnance Straße", "ǅemal İstanbul", "ΣΊΣΥΦΟΣ Ⅻ ①", "ｆｕｌｌ 한국어 ﾊﾝｶｸ",
    "e\u0301\u0327 x\u0327\u0301 a\u0301b", "Ａ\u0308", "plain ascii", "", "São Paulo — Córdoba, Köln"])
def test_folding_is_the_nfkd_form_without_its_marks(text: str) -> None:
    import unicodedata

    from propositions.activities import fold

    slow = "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))
    assert fold(text) == slow


def test_a_deployment_rolled_back_at_a_prompt_with_the_version_it_went_back_to(tmp_path: Path) -> None:
    said = _said(tmp_path, "Ruth Adeyemi", [
        ("Terminal", "ruth@tfx-mbp: ~", "ruth@tfx-mbp ~ % kubectl -n checkout rollout undo "
         "deployment/checkout-api --to-revision=40\ndeployment.apps/checkout-api rolled back"),
        ("Google Chrome", "Grafana – checkout-api", "Annotation ▲ 02:28  rollback checkout-api → v2.30.4 "
         "(kubectl, ruth.adeyemi)"),
    ], t0=datetime(2027, 4, 13, 2, 20).timestamp())
    assert "Ruth rolled back checkout-api to v2.30.4" in said, said
    # looking at a rollout's history rolls nothing back
    looked = _said(tmp_path / "b", "Ruth Adeyemi", [
        ("Terminal", "ruth@tfx-mbp: ~", "ruth@tfx-mbp ~ % kubectl -n checkout rollout history deployment/checkout-api")],
        t0=datetime(2027, 4, 13, 2, 20).timestamp())
    assert not [s for s in looked if "rolled back" in s], looked


@pytest.mark.parametrize("line, said", [
    ("Security alert: scheduled maintenance operation on Wednesday 19 May 2027", None),
    ("Operación bancaria pendiente miércoles 19 de mayo de 2027", None),
    ("mar 19 may 07:30 Operación rodilla papá", "an operation"),
    ("Dr. Marcadet — Chirurgien · opération du genou le 19 mai 2027", "an operation"),
])
def test_an_operation_is_surgery_only_beside_something_medical(line: str, said: str | None) -> None:
    from propositions.threaded import _event_phrase

    assert _event_phrase(line, date(2027, 5, 19), 1_810_000_000.0) == said


@pytest.mark.parametrize("text, roles_given", [
    ("Ihre Bescheinigung über die Tauglichkeit als Triebfahrzeugführer läuft am 31.05.2027 ab.",
     ["Triebfahrzeugführer"]),
    ("Your registration as a nurse is due for revalidation", ["nurse"]),
    ("Sua inscrição como enfermeira foi renovada", ["enfermeira"]),
    ("Start your career as a nurse today", []),  # an advert's
    ("Boost your income as a driver", []),
])
def test_an_occupation_a_certificate_or_registration_gives_its_reader(text: str, roles_given: list[str]) -> None:
    assert roles.addressed_roles(text) == roles_given


def test_a_business_a_register_writes_in_capitals_with_its_form(tmp_path: Path) -> None:
    assert roles.own_business("NFS-e  Emissor Nacional   Contribuinte: THAIS NOGUEIRA DESIGN (MEI)   Sair",
                              "Nogueira") == [("Nogueira Design (MEI)", None)]
    said = _said(tmp_path, "Thaís Nogueira", [
        ("Google Chrome", "NFS-e – Emissor Nacional", "Contribuinte: THAIS NOGUEIRA DESIGN (MEI)   Sair"),
        ("Google Chrome", "Portal do Empreendedor", "Razão social: THAIS NOGUEIRA DESIGN\nSituação: ativa"),
    ])
    assert [s for s in said if " runs " in s] == ["Thaís runs Nogueira Design (MEI)"], said


def test_a_document_written_over_an_afternoon_is_named_by_its_heading(tmp_path: Path) -> None:
    doc = ("Programacion_4Primaria_v7.docx - Word",
           "Autoguardado ● Programacion_4Primaria_v7 • Guardado en Este PC   Marta Gil  (MG)\n"
           "PROGRAMACIÓN DIDÁCTICA · 4º DE EDUCACIÓN PRIMARIA · CURSO 2027-2028\n"
           "Situación de aprendizaje 3: «El agua que nos rodea»")
    said = _said(tmp_path, "Marta Gil", [("Microsoft Word", *doc), ("Microsoft Word", *doc)], step=1800)
    assert "Marta is writing “PROGRAMACIÓN DIDÁCTICA · 4º DE EDUCACIÓN PRIMARIA · CURSO 2027-2028”" in said, said
    glance = _said(tmp_path / "b", "Marta Gil", [("Microsoft Word", *doc), ("Microsoft Word", *doc)], step=60)
    assert not [s for s in glance if "is writing" in s], glance  # two minutes is a glance


def test_a_move_within_the_town_in_the_persons_own_words_with_its_day() -> None:
    """A psychologist moving across Rosario says so in her own chat turn ("el 5 de junio me mudo a
    Pichincha"), in a line that also gives her father's appointment on "martes 25": the move is
    said with its own day."""
    said = _scenario_said("rosario-psicologa")
    assert "Valeria is moving to Pichincha on Saturday 5 June" in said, said
    assert not [s for s in said if "moving" in s and "25 May" in s], said


@pytest.mark.parametrize("printed, written", [
    ("GIL CABRERA, ROCÍO", "Rocío Gil Cabrera"), ("JEAN-PIERRE DELMAS", "Jean-Pierre Delmas"),
    ("HELENA", "Helena"), ("Ana Lima", "Ana Lima"), ("Ruiz Peña, J.", "J. Ruiz Peña")])
def test_a_name_as_people_write_it(printed: str, written: str) -> None:
    assert entities.name_as_written(printed) == written
