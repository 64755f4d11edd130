"""What a message outside any question asks for: a status, the list, a person, or nothing.

People ask about their tickets in their own words ("is there an update?", "wanneer is dit
opgelost?", "what happened to my request", "list what I reported") and write references
loosely ("sd1001", "SD 1001", "sd-1001??"). A message such as "Status page shows an error"
starts with a status word but reports a problem. The difference is the vocabulary: a status
question is made only of words that ask about progress and words that point at a ticket; a
problem names something (a page, an error, an export). So each reading has a small
vocabulary, at least one of its signal words must be present, and every other word must be
in its vocabulary; a word one or two typing mistakes from a vocabulary word counts as that
word (rapidfuzz).
"""

from __future__ import annotations

import re
from functools import lru_cache

from rapidfuzz import fuzz, process

from chatdesk.core.lexicon import normalise

# Words that point at a ticket or fill a question, in either language.
POINTERS = """my mine our the a an this that it its my ticket tickets request requests issue
issues case cases report reports problem problems question melding meldingen verzoek vraag
probleem mijn onze het de een dit dat die deze er ervan ermee mee van voor with for of on
about to in at me i we you u your ons ik jullie je jij please pls plz thanks thank hi hello
hey hoi hallo dag graag alsjeblieft so still yet already now today al nog nu vandaag even
yesterday gisteren ago geleden last week days dagen uur hours one sent submitted opened
gestuurd gemeld ingediend aangemaakt en and or of d ll m re ve met ervoor erbij mee over
daar daarmee hiermee hier there here let laat being""".split()

STATUS_SIGNALS = """status update updates news progress eta fixed solved resolved done ready
happened happening going going on hear heard word when long nieuws voortgang opgelost klaar
gebeurd gelukt wanneer lang stand zaken bekend gekeken looked look check checked waiting
wait wachten wacht staat up""".split()
STATUS_WORDS = (
    STATUS_SIGNALS
    + """what whats wat s is are was were has have had there any
anything how hoe staat staan zit ver far will would be being been get got can could does
did do will wordt worden zal zullen is er iets ben heb hebben gaat take takes duurt duren
dit doet kan kunnen where waar someone anyone iemand somebody back terug fix fixed fixing
repair oplossen into naar yet al heeft hebben heb""".split()
)

LIST_SIGNALS = """tickets requests issues reports cases meldingen verzoeken vragen list lijst
overview overzicht reported gemeld ingediend submitted opened all alle report submit
melden""".split()
LIST_WORDS = (
    LIST_SIGNALS
    + """show see view give display what which are have did i
toon laat zien geef bekijk wat welke heb ik open openstaande lopende mine my mijn
current huidige everything alles do have got staan hebben heb""".split()
)

PERSON_SIGNALS = """human person people someone somebody agent representative operator
staff employee colleague call phone ring callback speak talk chat mens persoon iemand
medewerker mensen bellen spreken praten telefoon telefoonnummer bot robot real echt echte
live""".split()
PERSON_WORDS = (
    PERSON_SIGNALS
    + """can could may i id like would want wanna need to with a an
is are you this there am talking speaking number contact reach get how do please pls
kan kun mag ik wil graag zou willen met een ben je jij dit er nummer contact bereiken
hoe krijg even liever iemand anders real actual instead of rather than are u r not just
machine computer ai am actually what whats wat which welke where waar your jullie
uw mail email e mail address adres mij me terugbellen bel aan de telefoon back""".split()
)


def _vocabulary(*groups: list[str]) -> frozenset[str]:
    return frozenset(word for group in groups for word in group)


_STATUS_VOCABULARY = _vocabulary(POINTERS, STATUS_WORDS)
_LIST_VOCABULARY = _vocabulary(POINTERS, LIST_WORDS)
_PERSON_VOCABULARY = _vocabulary(POINTERS, PERSON_WORDS)
_ALL_WORDS = tuple(sorted(_STATUS_VOCABULARY | _LIST_VOCABULARY | _PERSON_VOCABULARY))


@lru_cache(maxsize=4096)
def _known(word: str) -> str:
    """``word``, or the vocabulary word it is a typo of ("udpate" is "update")."""
    if word in _STATUS_VOCABULARY or word in _LIST_VOCABULARY or word in _PERSON_VOCABULARY:
        return word
    if len(word) < 5 or len(word) > 20:
        return word
    best = process.extractOne(word, _ALL_WORDS, scorer=fuzz.ratio, score_cutoff=80)
    return best[0] if best else word


_ANY_REFERENCE = re.compile(r"(?<![\w-])[A-Za-z][A-Za-z0-9]{1,9}-\d{1,9}(?![\w-])")


def _words(text: str) -> list[str]:
    cleaned = normalise(_ANY_REFERENCE.sub(" ", text)).replace("?", " ").replace("'", " ")
    return [_known(word) for word in cleaned.split()]


def _reads_as(text: str, signals: list[str], vocabulary: frozenset[str], limit: int) -> bool:
    words = _words(text)
    if not words or len(words) > limit:
        return False
    return any(word in signals for word in words) and all(word in vocabulary for word in words)


def asks_list(text: str) -> bool:
    """ "show my tickets pls", "list what I reported", "wat heb ik gemeld?"."""
    words = _words(text)
    if "status" in words and not {"tickets", "meldingen", "requests", "list"} & set(words):
        return False
    return _reads_as(text, LIST_SIGNALS, _LIST_VOCABULARY, 10)


def asks_status(text: str) -> bool:
    """ "is there an update?", "wanneer is dit opgelost?", "what happened to my request"."""
    return not asks_list(text) and _reads_as(text, STATUS_SIGNALS, _STATUS_VOCABULARY, 14)


PERSON_STRONG = frozenset(
    """human person people agent representative operator staff employee colleague call phone
    ring callback speak talk mens mensen persoon medewerker bellen spreken praten telefoon
    telefoonnummer live bot robot""".split()
)
"""Words that ask for a person on their own; "is anyone there?" is a greeting."""


def asks_person(text: str) -> bool:
    """ "can i talk to a human", "are you a real person?", "kan ik iemand bellen?"."""
    words = _words(text)
    return _reads_as(text, PERSON_SIGNALS, _PERSON_VOCABULARY, 14) and bool(
        PERSON_STRONG & set(words)
    )


QUESTION_WORDS = frozenset(
    """what whats when why how where who which is are can could will would does do did
    has have should wat wanneer waarom hoe waar wie welke is zijn kan kun kunnen wordt
    worden zal zullen heeft hebben moet doet""".split()
)


def is_question(text: str) -> bool:
    """A question rather than information: a question mark, or a question word first."""
    if text.strip().endswith("?"):
        return True
    words = normalise(text).split()
    return bool(words) and words[0] in QUESTION_WORDS and len(words) <= 12


# -- loose references -------------------------------------------------------------------
@lru_cache(maxsize=8)
def _loose(prefix: str) -> re.Pattern[str]:
    return re.compile(
        rf"(?<![\w-]){re.escape(prefix)}(?:[ \t]?[-_#:.]?[ \t]?)(\d{{1,9}})(?![\w-])",
        re.IGNORECASE,
    )


_HASH = re.compile(r"(?<![\w#&])#(\d{1,9})(?![\w-])")


def canonical_references(text: str, prefix: str) -> str:
    """``text`` with loosely written references of this desk in their one form: "sd1001",
    "SD 1001", "sd_1001" and "Sd-1001" all become "SD-1001"."""
    return _loose(prefix).sub(lambda m: f"{prefix.upper()}-{int(m.group(1))}", text)


def hash_numbers(text: str) -> list[str]:
    """The numbers written as "#1001": a reference only if the customer has that ticket."""
    return _HASH.findall(text)


def with_hash_reference(text: str, number: str, reference: str) -> str:
    """``text`` with "#number" written as the reference it stands for."""
    return re.sub(rf"(?<![\w#&])#{number}(?![\w-])", reference, text)
