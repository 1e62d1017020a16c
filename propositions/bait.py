"""Bait: screen text written to make its reader act, whose claims about the reader are not evidence.

A prize mail says its reader has won, a phishing mail that their account is locked, a page may
address "AI assistants" and tell them what to record. None of it is something the person did or
is: it was put in front of them. Such an observation yields no proposition and no suggestion on
any backend; it stays stored (it was seen) and can be searched and forgotten like any other.

The test is a conjunction of generic cues, in the five languages the inferrer reads: a lure (a
prize, a threat to an account) together with pressure (urgency, a demand for a password or card,
a link to claim), or text addressed to an AI, or a mail the mail client itself files as spam or
phishing. Word lists are data, matched on accent-folded text.
"""

from __future__ import annotations

import re
from dataclasses import replace

from .activities import fold
from .models import TEXT_OBSERVERS, Observation

# What makes a reader want to act: a prize, a selection, a gift they did not ask for.
_PRIZE = re.compile(
    r"\byou(?:'ve| have)? won\b|\bwinner\b|\bclaim your (?:prize|reward|gift)|\bprize draw\b|"
    r"\b(?:congratulations|selected)\b.{0,80}\b(?:prize|reward|gift card|voucher|iphone)|"
    r"\bvoce ganhou\b|\b(?:parabens|selecionad[oa])\b.{0,80}\b(?:premi|sorteio|brinde|vale-compras|iphone)|"
    r"\bpremiac|\bsorteio\b|"
    r"\bhas ganado\b|\bganaste\b|\bganador(?:a)?\b|"
    r"\b(?:felicidades|seleccionad[oa])\b.{0,80}\b(?:premio|regalo|tarjeta de regalo|iphone)|"
    r"\bvous avez gagne|\bgagnant(?:e)?\b|"
    r"\b(?:felicitations|selectionne)\b.{0,80}\b(?:cadeau|lot|bon d'achat|iphone)|"
    r"\b(?:sie haben|du hast) gewonnen|\bgewinner(?:in)?\b|\bgewinnspiel\b|"
    r"\b(?:herzlichen gluckwunsch|ausgewahlt)\b.{0,80}\b(?:gutschein|gewinn|preis|iphone)|"
    r"\bgratis[- ]?gutschein")

# A threat to something the reader owns: an account, a card, a tax number, a parcel.
_THREAT = re.compile(
    r"\b(?:account|card|password)\b.{0,40}\b(?:suspended|locked|limited|blocked|deactivated|"
    r"will be (?:closed|suspended|deleted))|\bunusual (?:sign-in|activity)|\bverify your (?:account|"
    r"identity)|\bconfirm your (?:password|card|details|identity|account)|"
    r"\bconta\b.{0,40}\b(?:bloquead|suspens|desativad)|\bpendencia\b|\bregularize\b|"
    r"\bcuenta\b.{0,40}\b(?:bloquead|suspendid|desactivad)|\bverifique su\b|\bactualice sus datos\b|"
    r"\bvotre compte\b.{0,40}\b(?:suspendu|bloque|desactive|ferme)|\bverifiez votre\b|"
    r"\bkonto\b.{0,40}\b(?:gesperrt|eingeschrankt|deaktiviert)|\blauft (?:heute )?ab\b|"
    r"\bverifizieren sie\b|\bbestatigen sie ihre (?:daten|identitat)|\bpushtan\b.{0,60}\b(?:ab|erneuern)|"
    # a card or a right that is about to lapse
    r"\b(?:carte|card|tarjeta|cartao|karte)\b.{0,40}\b(?:arrive a expiration|expire|expires|expiring|"
    r"caduca|expira|vence|lauft ab)|\b(?:definitivement perdus|will be lost|se perderan|"
    r"serao perdidos|verfallen endgultig)\b|\bremboursements (?:seront )?suspendus\b|"
    # a parcel held back until something is paid
    r"\b(?:your|the) (?:parcel|package|shipment)\b.{0,40}\b(?:on hold|held|could not be delivered|"
    r"undeliverable|awaiting (?:payment|delivery)|pending)|"
    r"\bvotre (?:colis|envoi)\b.{0,40}\b(?:en attente|bloque|retenu|suspendu|n'a pas pu etre livre)|"
    r"\b(?:su|tu) (?:paquete|envio)\b.{0,40}\b(?:retenid|pendiente|en espera|no (?:se )?(?:ha )?"
    r"podido (?:ser )?entregar)|"
    r"\b(?:ihr|dein) (?:paket|sendung)\b.{0,40}\b(?:zuruckgehalten|konnte nicht zugestellt|"
    r"angehalten)|"
    r"\b(?:sua|seu) (?:encomenda|pacote|envio)\b.{0,40}\b(?:retid|pendente|aguardando|"
    r"nao (?:pode|foi possivel))|"
    # a payee's bank details that "changed" while money is due
    r"\b(?:updated|new|changed) (?:wire|wiring|bank(?:ing)?|payment) (?:instructions|details)\b|"
    r"\bour bank (?:details|account) (?:has|have) changed\b|"
    r"\bnouvelles coordonnees bancaires\b|\bchangement de (?:rib|coordonnees bancaires)\b|"
    r"\bnuevos datos bancarios\b|\bnueva cuenta bancaria\b|\bcambio de cuenta bancaria\b|"
    r"\b(?:neue|geanderte) (?:bankverbindung|kontoverbindung|iban)\b|"
    r"\bnovos dados bancarios\b|\bnova conta bancaria\b|\balteracao (?:de|dos) dados bancarios\b")

# The push to act now, or to hand something over.
_PRESSURE = re.compile(
    r"\burgent|\bimmediately\b|\bwithin (?:24|48) hours\b|\bbefore it'?s too late\b|"
    r"\bclick (?:here|the link|below)\b|\bcard (?:details|number)\b|\benter your (?:password|card|pin)|"
    r"\burgente\b|\bimediatamente\b|\bem (?:24|48) horas\b|\bclique (?:aqui|no link)\b|"
    r"\binmediatamente\b|\ben (?:24|48) horas\b|\bhaga clic\b|\bda clic\b|\bhaz clic\b|"
    r"\bimmediatement\b|\bsous (?:24|48) ?h|\bcliquez ici\b|"
    r"\bdringend\b|\bsofort\b|\binnerhalb von (?:24|48) stunden\b|\bklicken sie hier\b|"
    r"\bjetzt (?:bestatigen|einlosen|aktualisieren)\b|\bresgat|\breclam[ae] (?:su|tu|ya)\b|"
    r"\bcanjea|\bjetzt einlosen\b|\bcoordonnees bancaires\b|\bdados (?:bancarios|do cartao)\b|"
    r"\bdatos (?:bancarios|de (?:su|tu) tarjeta)\b|\bkartendaten\b|"
    r"\baction (?:requise|required)\b|\baccion requerida\b|\bacao necessaria\b|"
    r"\bhandlung erforderlich\b|\bderniers jours\b|\blast (?:days|chance)\b|\bultimos dias\b|"
    r"\bletzte (?:tage|chance)\b|\bfrais d'envoi\b|\bshipping fee\b|\bgastos de envio\b|"
    r"\btaxa de envio\b|\bversandgebuhr\b|\bredelivery fee\b|\bcustoms (?:fee|charge|duty)\b|"
    r"\bfrais de (?:reexpedition|douane)\b|\btasas de aduana\b|\bzollgebuhr|"
    r"\btaxa (?:de desalfandegamento|alfandegaria)\b|"
    # scarcity against a clock: "only 4 left", "nur noch 4", "quedan 3", "restam 2"
    r"\bonly \d+ (?:left|remaining)\b|\bnur noch \d+\b|\bquedan \d+\b|\brestam \d+\b|\bplus que \d+\b")

# Text that speaks to an AI that might read the screen, not to the person.
_TO_AI = re.compile(
    r"\bignore (?:all |any )?(?:previous|prior|above) instructions\b|"
    r"\b(?:note|notice|message|instruction)s? (?:to|for) (?:the )?(?:ai|llm|assistant|language model)s?\b|"
    r"\b(?:ai|llm) (?:assistant|agent)s?\b.{0,80}\b(?:record|remember|store|note|state|say)\b|"
    r"\bassistant: ignore\b|\bsystem (?:notice|prompt|message)\b.{0,80}\b(?:ai|assistant|record)|"
    r"\bignora (?:las |todas las )?instrucciones anteriores\b|\bignore as instrucoes anteriores\b|"
    r"\bignorez les instructions precedentes\b|\bignoriere (?:alle )?vorherigen anweisungen\b")

# A mail client's own verdict: the folder in the window title, or a banner in the message.
_SPAM_FOLDER = re.compile(
    r"(?:^|[\s\-–—|(\[])(?:spam|junk(?: e-?mail)?|phishing|lixo eletronico|correo no deseado|"
    r"indesirables|courrier indesirable|hameconnage|junk-e-mail)(?:$|[\s\-–—|)\]:.])")
_SPAM_BANNER = re.compile(
    # the mail client's own warning that a sender is not who it says
    r"\bparece sospechoso\b|\bno pudo verificar que proviene\b|\bcuidado com esta mensagem\b|"
    r"\bsemelhante a mensagens usadas para roubar\b|\babsender konnte nicht verifiziert werden\b|"
    r"\b(?:could not|couldn't) verify that (?:this|it) (?:came|comes) from\b|"
    r"\bbe careful with this message\b|\bsoyez prudent avec ce message\b|"
    r"\bdenunciado como (?:spam|suplantacion)|"
    r"\b(?:marked|reported) as (?:spam|phishing|junk)\b|\bmarcad[oa] como (?:spam|phishing)\b|"
    r"\bals spam markiert\b|\bsignale comme (?:spam|hameconnage)\b|\bthis (?:message|email) "
    r"(?:looks|seems) (?:suspicious|dangerous)\b")


# A list of mails or messages (its title starts with the folder): each line is its own item,
# judged on its own.
_LISTING = re.compile(
    r"^\W*(?:inbox|caixa de entrada|bandeja de entrada|recibidos|posteingang|boite de reception|"
    r"reception|all mail|todos os e-?mails|principal)\b")


def _judge(title: str, text: str) -> str | None:
    if _TO_AI.search(text) or _TO_AI.search(title):
        return "text addressed to an AI"
    if _SPAM_FOLDER.search(title) or _SPAM_BANNER.search(text):
        return "a mail filed as spam"
    whole = f"{title}\n{text}"
    if _PRIZE.search(whole) and (_PRESSURE.search(whole) or _THREAT.search(whole)):
        return "a prize or gift lure"
    if _THREAT.search(whole) and _PRESSURE.search(whole):
        return "a threat to an account"
    return None


def reason(o: Observation) -> str | None:
    """Why ``o`` as a whole is bait ("a prize or gift lure", …), or None where it is not.

    A list of mails is not judged as a whole: one phishing subject among twenty real ones
    makes only its own line bait (see ``without_bait``)."""
    if o.observer not in TEXT_OBSERVERS:
        return None
    title = fold(o.window_title or "")
    text = fold(o.content or "")
    if _LISTING.search(title) and not _SPAM_FOLDER.search(title):
        return "text addressed to an AI" if _TO_AI.search(text) else None
    return _judge(title, text)


def without_bait(o: Observation) -> Observation | None:
    """``o`` as inference may read it: None where it is bait, else without its bait lines."""
    if reason(o) is not None:
        return None
    if o.observer not in TEXT_OBSERVERS or not o.content:
        return o
    lines = o.content.splitlines()
    folded = fold(o.content).splitlines()  # folding keeps the line breaks: one pass, not one a line
    if len(folded) != len(lines):
        folded = [fold(line) for line in lines]
    kept = [line for line, f in zip(lines, folded) if _judge("", f) is None]
    return o if len(kept) == len(lines) else replace(o, content="\n".join(kept))


def is_bait(o: Observation) -> bool:
    return reason(o) is not None
