"""Words and phrases of screen chrome (menus, toolbars, banners, ads) in en, es, de, fr and pt."""

from __future__ import annotations

# Written with their accents; chrome.py folds case and accents before comparing, so
# an OCR that drops an accent ("Pestana") still matches.

# Items of application menu bars, browser toolbars, mail folder lists and site
# navigation. A line counts as chrome only when several of these make up most of it:
# each one alone ("History", "Help", "Sent") is also an ordinary word.
MENU_WORDS: tuple[str, ...] = tuple((
    # en: menu bars of browsers, editors, office and mail apps
    "file edit view history bookmarks tools help window go format insert selection select run "
    "terminal debug navigate refactor build vcs profiles develop shell mailbox message "
    "product find extensions arrange layer image filter table data "
    # en: browser toolbar, site navigation and footers
    "back forward reload refresh downloads tabs menu share home explore notifications "
    "messages profile settings more search terms privacy about contact careers press "
    "accessibility sitemap legal cookies feedback imprint subscribe like reply follow "
    # en: mail folders
    "inbox starred snoozed sent drafts spam trash junk archive outbox important scheduled "
    # en: status area
    "wifi wi-fi bluetooth battery volume charging "
    # es
    "archivo editar ver historial marcadores herramientas ayuda ventana ir insertar formato "
    "selección ejecutar depurar pestañas atrás adelante recargar descargas inicio explorar "
    "notificaciones mensajes perfil configuración ajustes más buscar privacidad términos "
    "condiciones contacto empleo accesibilidad recibidos destacados pospuestos enviados "
    "borradores papelera batería volumen "
    # de
    "datei bearbeiten ansicht verlauf chronik lesezeichen extras hilfe fenster gehe einfügen "
    "auswahl ausführen werkzeuge zurück vor neu laden downloads startseite benachrichtigungen "
    "nachrichten profil einstellungen mehr suchen suche datenschutz impressum "
    "nutzungsbedingungen kontakt karriere barrierefreiheit agb posteingang markiert gesendet "
    "entwürfe papierkorb archiv akku lautstärke "
    # fr
    "fichier édition affichage historique marque-pages favoris outils aide fenêtre aller "
    "insertion sélection exécuter déboguer onglets précédent suivant actualiser recharger "
    "téléchargements accueil explorer messages profil paramètres réglages plus rechercher "
    "confidentialité conditions contact carrières accessibilité réception envoyés brouillons "
    "corbeille indésirables archives batterie volume "
    # pt
    "arquivo ficheiro exibir histórico favoritos ferramentas ajuda janela inserir formatar "
    "seleção executar depurar abas guias voltar avançar recarregar transferências início "
    "notificações mensagens perfil configurações definições mais pesquisar privacidade termos "
    "contato contacto acessibilidade entrada enviados rascunhos lixeira lixo bateria "
).split())

# Phrases (and a few words) that are chrome wherever they stand alone, and that are
# cut from the start or end of a line when set off from the rest by a separator
# ("Recipe × New Tab × +").
CHROME_PHRASES: tuple[str, ...] = (
    # en
    "new tab", "new window", "new private window", "new incognito window",
    "search or enter address", "search or type a url", "search google or type a url",
    "type a url", "sign in", "sign up", "sign out", "log in", "log out",
    "skip to content", "skip to main content", "skip navigation", "privacy policy",
    "cookie policy", "cookie settings", "cookie preferences", "privacy settings",
    "we value your privacy", "your privacy choices", "terms of service", "terms of use",
    "terms and conditions", "accept all", "reject all", "accept all cookies",
    "reject all cookies", "manage preferences", "manage cookies", "all rights reserved",
    "back to top", "bookmarks bar", "other bookmarks", "all bookmarks", "mark all as read",
    "all mail", "sent mail", "sent items", "deleted items", "junk email",
    # es
    "nueva pestaña", "nueva ventana", "buscar o escribir una dirección",
    "escribe una dirección", "iniciar sesión", "cerrar sesión", "registrarse",
    "saltar al contenido", "ir al contenido", "política de privacidad",
    "política de cookies", "configuración de cookies", "términos y condiciones",
    "condiciones de uso", "aceptar todo", "aceptar todas", "rechazar todo",
    "rechazar todas", "gestionar preferencias", "administrar preferencias",
    "todos los derechos reservados", "volver arriba", "barra de marcadores",
    "bandeja de entrada", "correo no deseado",
    # de
    "neuer tab", "neues fenster", "suche oder adresse eingeben", "adresse eingeben",
    "anmelden", "abmelden", "zum inhalt springen", "zum hauptinhalt springen",
    "datenschutzerklärung", "cookie-einstellungen", "alle akzeptieren", "alle ablehnen",
    "einstellungen verwalten", "alle rechte vorbehalten", "lesezeichenleiste", "nach oben",
    # fr
    "nouvel onglet", "nouvelle fenêtre", "rechercher ou saisir une adresse",
    "saisir une adresse", "se connecter", "se déconnecter", "s'inscrire",
    "aller au contenu", "passer au contenu", "politique de confidentialité",
    "mentions légales", "conditions d'utilisation", "paramètres des cookies",
    "tout accepter", "tout refuser", "gérer les préférences", "tous droits réservés",
    "retour en haut", "barre personnelle", "barre de favoris", "boîte de réception",
    "messages envoyés",
    # pt
    "nova aba", "nova guia", "nova janela", "pesquisar ou digitar endereço",
    "pesquisar ou introduzir endereço", "fazer login", "iniciar sessão",
    "terminar sessão", "pular para o conteúdo", "ir para o conteúdo",
    "política de privacidade", "termos de uso", "termos de serviço",
    "aceitar todos", "aceitar tudo", "rejeitar todos", "rejeitar tudo",
    "gerir preferências", "gerenciar preferências", "todos os direitos reservados",
    "voltar ao topo", "barra de favoritos", "caixa de entrada", "com estrela",
)

# Labels that mark what follows as an advertisement.
AD_LABELS: tuple[str, ...] = (
    "ad", "ads", "sponsored", "advertisement", "promoted", "patrocinado", "publicidad",
    "anuncio", "anzeige", "werbung", "gesponsert", "sponsorisé", "publicité",
    "annonce", "publicidade", "anúncio",
)

# What a cookie banner or an ad ends with: its buttons.
BUTTON_PHRASES: tuple[str, ...] = (
    # cookie banners
    "accept", "accept all", "accept all cookies", "accept cookies", "reject",
    "reject all", "reject all cookies", "decline", "agree", "i agree", "got it", "ok",
    "allow all", "allow cookies", "allow selection", "only necessary",
    "necessary only", "use necessary cookies only", "manage preferences",
    "manage cookies", "manage options", "customize", "customise", "settings",
    "cookie settings", "more options",
    "aceptar", "aceptar todo", "aceptar todas", "aceptar cookies", "rechazar",
    "rechazar todo", "rechazar todas", "configurar", "gestionar preferencias",
    "administrar preferencias", "configuración de cookies", "entendido",
    "akzeptieren", "alle akzeptieren", "ablehnen", "alle ablehnen", "zustimmen",
    "einstellungen", "einstellungen verwalten", "nur notwendige", "verstanden",
    "accepter", "tout accepter", "refuser", "tout refuser", "personnaliser",
    "gérer les préférences", "paramètres", "j'accepte", "continuer sans accepter",
    "aceitar", "aceitar todos", "aceitar tudo", "rejeitar", "rejeitar todos",
    "rejeitar tudo", "gerir preferências", "gerenciar preferências", "configurações",
    "personalizar",
    # ads
    "learn more", "shop now", "buy now", "install", "install now", "download",
    "get offer", "book now", "order now", "apply now", "sign up", "subscribe",
    "más información", "comprar", "comprar ahora", "instalar", "descargar", "suscribirse",
    "mehr erfahren", "jetzt kaufen", "jetzt installieren", "herunterladen", "kaufen",
    "en savoir plus", "acheter", "acheter maintenant", "installer", "télécharger",
    "saiba mais", "comprar agora", "baixar", "inscrever-se",
)

# How a cookie banner opens (matched at the start of a line only).
COOKIE_OPENERS: tuple[str, ...] = (
    "we use cookies", "this site uses cookies", "this website uses cookies",
    "our site uses cookies", "we and our partners use cookies", "cookies help us",
    "utilizamos cookies", "usamos cookies", "este sitio web utiliza cookies",
    "este sitio utiliza cookies", "este sitio usa cookies",
    "wir verwenden cookies", "wir nutzen cookies", "diese website verwendet cookies",
    "diese webseite verwendet cookies",
    "nous utilisons des cookies", "ce site utilise des cookies",
    "ce site web utilise des cookies",
    "este site usa cookies", "este site utiliza cookies", "utilizamos cookies",
)

# "12 unread", "3 new notifications": counters that follow a number.
COUNTER_WORDS: tuple[str, ...] = (
    "unread", "new", "new messages", "new message", "new notifications",
    "new notification", "notifications", "notification",
    "no leídos", "no leídas", "sin leer", "nuevos", "nuevas", "mensajes nuevos",
    "notificaciones", "notificaciones nuevas",
    "ungelesen", "ungelesene", "neue", "neue nachrichten", "neue benachrichtigungen",
    "benachrichtigungen",
    "non lus", "non lu", "nouveaux", "nouvelles", "nouveaux messages",
    "nouvelles notifications", "notifications",
    "não lidas", "não lidos", "novas", "novos", "novas mensagens", "novas notificações",
    "notificações",
)

# Names of days and months as menu-bar clocks and panels print them, full and abbreviated.
WEEKDAYS: tuple[str, ...] = (
    "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "lun", "mar", "mié", "jue", "vie", "sáb", "dom",
    "lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo",
    "mo", "di", "mi", "do", "fr", "sa", "so",
    "montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag",
    "mer", "jeu", "ven", "sam", "dim",
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
    "seg", "ter", "qua", "qui", "sex",
    "segunda", "terça", "quarta", "quinta", "sexta",
    "segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira",
)
MONTHS: tuple[str, ...] = (
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
    "dec", "january", "february", "march", "april", "june", "july", "august",
    "september", "october", "november", "december",
    "ene", "abr", "ago", "dic", "enero", "febrero", "marzo", "abril", "mayo", "junio",
    "julio", "agosto", "septiembre", "setiembre", "octubre", "noviembre", "diciembre",
    "mär", "mrz", "mai", "okt", "dez", "januar", "februar", "märz", "juni", "juli",
    "oktober", "dezember",
    "janv", "févr", "avr", "juil", "déc", "janvier", "février", "mars", "avril", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
    "fev", "set", "out", "janeiro", "fevereiro", "março", "maio", "junho", "julho",
    "setembro", "outubro", "novembro", "dezembro",
)

# Application names (folded, as observers report them) whose lone lines are content: a
# terminal's output, a calendar's time slots. Only unmistakable chrome is taken out of them.
LITERAL_APPS: tuple[str, ...] = (
    "calendar", "ical", "fantastical", "busycal", "gnome-calendar", "korganizer",
    "outlook", "microsoft outlook", "thunderbird", "evolution", "kalender", "calendario",
    "calendrier", "calendário",
    "terminal", "iterm", "iterm2", "gnome-terminal", "gnome terminal", "konsole",
    "alacritty", "kitty", "wezterm", "xterm", "urxvt", "tilix", "terminator", "ghostty",
    "warp", "windows terminal", "windowsterminal", "powershell", "cmd", "foot", "st",
    "xfce4-terminal", "mate-terminal", "lxterminal", "hyper", "tabby",
)

# Glyphs of status indicators (battery, network, sound) as OCR passes them through.
STATUS_GLYPHS = "🔋🪫📶🔊🔉🔈🔇🛜📡🔌"
