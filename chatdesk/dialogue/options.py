"""Reading a typed answer as one of the options on screen, before anything else.

While the bot waits for an answer, what the customer types is first of all an answer: the
option's number ("2", "the second", "de tweede"), its label shortened or paraphrased ("new
problem" for "It's a new problem", "none of them" for "None of these: continue"), a usual
way of saying it in either language ("klopt", "laat maar", "never mind"), or any of those
with a typo. Only when it is none of them do command words and keyword lists get a say;
that is why "a new problem" answers "is this a new problem?" instead of starting a ticket
called "problem".

Matching is on whole answers, not words inside a sentence: after filler ("it's", "the one",
"please", "graag") is dropped, the rest must be an option's phrase, or within a couple of
typing mistakes of one (rapidfuzz). A sentence that merely contains "no" is no answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rapidfuzz import fuzz, process

from chatdesk.core.lexicon import normalise

FILLER = frozenset(
    """the a an one that this it its s is i think guess um uh uhm hmm well so just ok okay
    please pls plz option number nr choice answer thanks thank you thx
    de het een die dat deze dit is optie nummer keuze graag alsjeblieft alstublieft aub
    dank je bedankt denk ik eh uh nou hm""".split()
)
"""Words around an answer that do not change which option it names."""

_ORDINALS = {
    1: "first 1st eerste eerst",
    2: "second 2nd tweede",
    3: "third 3rd derde",
    4: "fourth 4th vierde",
    5: "fifth 5th vijfde",
    6: "sixth 6th zesde",
    7: "seventh 7th zevende",
    8: "eighth 8th achtste",
    9: "ninth 9th negende",
    10: "tenth 10th tiende",
}
ORDINALS = {word: n for n, words in _ORDINALS.items() for word in words.split()}
LAST = frozenset({"last", "laatste"})

_NONE = """none,none of these,none of them,none of those,neither,nothing,no,nope,nah,not that,
not those,not these,no thanks,not really,not helpful,doesnt help,didnt help,wrong,
geen,geen van deze,geen van allen,geen van beide,geen enkele,niets,niks,nee,nee dank je,
niet echt,dat is het niet,nee dat is het niet,helpt niet,hielp niet,not,not that one,
not this one,not those,niet,niet deze,die niet,deze niet,geen van die"""
_BACK = """back,go back,never mind,nevermind,nvm,forget it,oops,oeps,sorry,leave it,leave it as is,
keep it,keep as it is,keep it as it is,keep,no change,dont change it,unchanged,as it was,undo,
terug,ga terug,vorige,laat maar,laat maar zitten,laat staan,zo laten,laat het zo,
houden,behouden,niet wijzigen,niet aanpassen,toch niet,ongewijzigd,zoals het was"""

SYNONYMS: dict[str, str] = {
    "yes": """yes,y,yep,yup,yeah,ya,sure,ok,okay,please,yes please,correct,right,go ahead,
    do it,fine,alright,ja,jazeker,jawel,ja hoor,oke,ok,graag,ja graag,prima,goed,is goed,
    doe maar,klopt,akkoord,zeker""",
    "no": """no,n,nope,nah,no thanks,not now,no need,dont,never mind,nevermind,forget it,
    nee,neen,nee dank je,nee bedankt,liever niet,niet nodig,hoeft niet,laat maar,toch niet""",
    "skip": """skip,none,no,no error,no error message,there is none,there was none,nothing,
    didnt see one,didnt see any,no message,not that i know,dont know,n a,na,
    overslaan,sla over,geen,nee,geen foutmelding,er was geen,niets,niks,weet ik niet,
    geen melding,geen fout"""
    + ","
    + _NONE,
    "continue": _NONE
    + """,continue,go on,next,still need help,none of these continue,skip,skip these,
    just make a ticket,make a ticket,open a ticket,create a ticket,ticket please,
    verder,ga verder,volgende,doorgaan,overslaan,maak een ticket,ticket aanmaken,
    maak maar een ticket,nog steeds hulp nodig""",
    "cancel": """cancel,annuleer,annuleren,stop,quit,abort,forget it,never mind,nevermind,
    laat maar,stoppen,afbreken,vergeet het,toch niet""",
    "confirm": """confirm,send,send it,submit,send ticket,submit it,yes,yes send it,ok send,
    looks good,all good,correct,go ahead,thats right,versturen,verstuur,verstuur maar,
    stuur,stuur maar,stuur het,opsturen,bevestig,bevestigen,ja,klopt,ziet er goed uit,
    is goed,prima""",
    "edit": """change,change something,edit,modify,correct something,fix something,
    something is wrong,wijzig,wijzigen,aanpassen,iets wijzigen,iets aanpassen,veranderen,
    klopt niet""",
    "back": _BACK,
    "keep": _BACK,
    "newp": """new,new problem,a new problem,new issue,a new issue,new one,new ticket,
    something new,something else,something different,different problem,different issue,
    another problem,another issue,other problem,other,none,none of them,neither,
    none of these,new question,not about those,its new,its something else,
    nieuw,nieuw probleem,een nieuw probleem,nieuwe melding,nieuw ticket,nieuwe vraag,iets nieuws,
    iets anders,ander probleem,een ander probleem,andere vraag,anders,geen van deze,
    geen van beide,geen van allen,het is nieuw,iets nieuws""",
    "urgent": """urgent,site down,send as urgent,its urgent,emergency,spoed,dringend,
    urgent versturen,
    het is dringend,het is urgent""",
    "solved": """yes,ja,yes thanks,ja dank je,ja bedankt,that solved it,solved,fixed,
    that helped,it worked,works now,thanks that helped,opgelost,het werkt,gelukt,
    dat hielp,ja opgelost""",
    "person_new": """yes,yes please,start a ticket,ticket,new ticket,ok,sure,please,
    ja,ja graag,graag,start een ticket,maak een ticket,oke,prima""",
}
"""Ways to say each kept choice id, in English and Dutch (typed without punctuation)."""

_PHRASES = {
    choice_id: tuple(dict.fromkeys(p.strip() for p in phrases.split(",") if p.strip()))
    for choice_id, phrases in SYNONYMS.items()
}

# What an answer to each kind of option is about, as words: an answer made only of an
# option's words and common filler, with at least one of its signal words, names it ("its a
# different thing", "those dont help", "i didnt get an error", "laat maar zoals het is").
_GENERIC = """i we you it its this that these those them they one ones thing things ding dingen
a an the of for to in on at with about is are was were be do does did have has had got get
just really actually thanks thank please so me my mine ik we je jij het de een die dat deze
dit van voor naar over met aan is zijn was waren heb hebt heeft hebben ben mij mijn er nog
al wel even toch maar ook gewoon echt graag bedankt dank iets hier hiervan daar daarvan
twee both two beide""".split()
_NEGATIONS = """no not none nope nah never neither nothing dont doesnt didnt isnt wasnt cant
nee niet geen niks niets nergens""".split()
CONCEPTS: dict[str, tuple[str, str]] = {
    # choice id: (signal words, the other words an answer to it may use)
    "newp": (
        """new different other another else neither none nieuw nieuwe nieuws anders ander
        andere geen""",
        """problem problems issue issues question ticket request something gaat about
        probleem vraag melding verzoek iets compleet brand totally completely helemaal""",
    ),
    "continue": (
        " ".join(_NEGATIONS) + " continue verder doorgaan next volgende",
        """help helps helped helpful helpen helpt useful need want looking for zoek zoeken
        articles article artikelen artikel suggestions what wat dont doesnt didnt isnt
        ik ticket make maak go ga""",
    ),
    "skip": (
        " ".join(_NEGATIONS) + " skip overslaan",
        """error errors message messages melding meldingen foutmelding foutmeldingen fout
        appeared appear showed show shown saw see seen gezien kwam verscheen didnt dont
        there any no idea weet know""",
    ),
    "keep": (
        """leave keep unchanged back terug laat laten houden hoeft zo never mind needed""",
        """it as is was change changes changed changing needed need no not niet meer zoals
        wijzigen aanpassen staan veranderen nothing niks niets""",
    ),
}
_CONCEPTS = {
    choice_id: (frozenset(signals.split()), frozenset(signals.split() + other.split() + _GENERIC))
    for choice_id, (signals, other) in CONCEPTS.items()
}
_CONCEPTS["back"] = _CONCEPTS["keep"]

FUZZY_CUTOFF = 85.0
MAX_ANSWER_WORDS = 8  # a longer message is a sentence, not a choice


def _fold(text: str) -> str:
    """Normalised, with "didn't" as "didnt" and "it's" as "its" (as the phrases are)."""
    return normalise(text.replace("'", "").replace("’", "")).replace("?", " ").strip()


def strip_filler(text: str) -> str:
    """The answer without filler words; the text itself when it is only filler."""
    words = _fold(text).split()
    kept = [word for word in words if word not in FILLER]
    return " ".join(kept) if kept else " ".join(words)


ACTIONS = frozenset(
    """read open show see view pick choose select take want lees open toon bekijk kies neem
    wil article artikel""".split()
)
"""Verbs before a position that do not change it ("read the first", "kies de tweede")."""
INTERJECTIONS = frozenset("nah no nope nee oh ah well yeah yes ja hmm nou oke ok".split())


def _position(answer: str, count: int) -> int | None:
    """The 0-based option a number or ordinal names ("2", "#2", "the second", "laatste")."""
    words = [word for word in answer.split() if word not in ACTIONS] or answer.split()
    if len(words) != 1:
        return None
    word = words[0].lstrip("#")
    if word.isdigit():
        number = int(word)
    elif word in ORDINALS:
        number = ORDINALS[word]
    elif word in LAST:
        number = count
    else:
        return None
    return number - 1 if 1 <= number <= count else None


def phrases_of(choice_id: str, label: str) -> list[str]:
    """Every way of saying one option: its label, the label's parts around a colon ("Read:
    Export fails" is also "export fails"), its id, and the synonyms of its id."""
    found = [_fold(label), strip_filler(label), _fold(choice_id)]
    if ":" in label:
        head, _, tail = label.partition(":")
        found += [strip_filler(head), strip_filler(tail)]
    found += _PHRASES.get(choice_id, ())
    return [p for p in dict.fromkeys(found) if p]


_SEGMENTS = re.compile(r"[,;.!]+|\s+-\s+|\s+(?:but|maar)\s+", re.IGNORECASE)


def match(text: str, offered: Sequence[tuple[str, str]]) -> str | None:
    """The id of the offered option that ``text`` names, or None when it names none.

    Earlier options win a tie (the order on screen), so a phrase two options share goes to
    the first of them, as a customer reading top-down would mean it. An answer in parts
    ("none of them, it's new") names an option when every part names that same one.
    """
    if not offered or not text.strip():
        return None
    found = _match_whole(text, offered)
    if found is not None:
        return found
    parts = [part for part in _SEGMENTS.split(text) if part.strip()]
    if len(parts) < 2:
        return None
    named = {_match_whole(part, offered) for part in parts}
    return named.pop() if len(named) == 1 else None


def _match_whole(text: str, offered: Sequence[tuple[str, str]]) -> str | None:
    answer = strip_filler(text)
    if not answer:
        return None
    position = _position(answer, len(offered))
    if position is not None:
        return offered[position][0]
    bare = _fold(text)
    table = [(p, choice_id) for choice_id, label in offered for p in phrases_of(choice_id, label)]
    words = answer.split()
    # "nah none of them": the words after an interjection say which option, when they do
    rest = " ".join(words[1:]) if len(words) > 1 and words[0] in INTERJECTIONS else None
    for candidate in (answer, bare, rest):
        for phrase, choice_id in table:
            if candidate and phrase == candidate:
                return choice_id
    if len(words) > MAX_ANSWER_WORDS or len(answer) < 3:
        return None  # two letters ("no", "ok") only count when typed exactly
    candidates = [phrase for phrase, _ in table if len(phrase) >= 4]
    best = process.extractOne(answer, candidates, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
    if best is not None:
        return next(choice_id for phrase, choice_id in table if phrase == best[0])
    return _by_concept(bare, offered)


def _by_concept(answer: str, offered: Sequence[tuple[str, str]]) -> str | None:
    """The one offered option whose words make up the whole answer (see CONCEPTS)."""
    words = answer.split()
    if not words or len(words) > MAX_ANSWER_WORDS:
        return None
    named = []
    for choice_id, _ in offered:
        if choice_id not in _CONCEPTS:
            continue
        signals, vocabulary = _CONCEPTS[choice_id]
        known = [_closest(word, vocabulary) for word in words]
        if all(word in vocabulary for word in known) and signals & set(known):
            named.append(choice_id)
    return named[0] if len(named) == 1 else None


def _closest(word: str, vocabulary: frozenset[str]) -> str:
    """``word``, or the vocabulary word it is a typo of (words of five letters or more)."""
    if word in vocabulary or len(word) < 5:
        return word
    best = process.extractOne(word, vocabulary, scorer=fuzz.ratio, score_cutoff=80)
    return best[0] if best else word
