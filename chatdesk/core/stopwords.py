"""Words that carry no meaning for finding an article, per language, plus chat filler.

Kept as data so the search module stays about ranking. The lists are deliberately short:
a word that is a stop word in one language but meaningful in the other (Dutch "door" is the
English "door") is only dropped when the text is known to be in the language where it is
filler. Chat filler ("hi", "thanks", "ok") is dropped in every language, because small talk
must never produce a suggestion.
"""

from __future__ import annotations


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


ENGLISH = _word_set(
    """
    a about above after again against all also am an and any are aren as at be because been
    before being below between both but by can cannot could couldn did didn do does doesn
    doing don down during each else even ever every few for from further get gets getting
    got had hadn has hasn have haven having he her here hers herself him himself his how i
    if in into is isn it its itself just let ll me might more most much must mustn my myself
    need no nor not now of off on once one only or other ought our ours ourselves out over
    own re same shall shan she should shouldn so some still such than that the their theirs
    them themselves then there these they this those through to too under until up upon us
    ve very via was wasn we were weren what when where whether which while who whom whose why will
    with won would wouldn yet you your yours yourself yourselves s t d m o y
    """
)

DUTCH = _word_set(
    """
    aan af al alle alles als altijd andere ben bij daar dan dat de der deze die dit doch
    doen door dus een eens en er ge geen geweest haar had heb hebben heeft hem het hier hij
    hoe hun iemand iets ik in is ja je jij jou jouw jullie kan kon kunnen maar me meer men
    met mij mijn moet na naar niet niets nog nu of om omdat onder ons ook op over reeds te
    tegen toch toen tot u uit uw van veel voor want waren was wat we wel werd wezen wie wij
    wil worden wordt zal ze zelf zich zij zijn zo zonder zou zouden graag even
    """
)

CHAT_FILLER = _word_set(
    """
    hi hello hey hiya howdy yo thanks thank thx ty cheers bye goodbye ok okay okey yes yeah
    yep nope please pls plz lol sorry dear sir madam morning afternoon evening hallo hoi
    dag dank bedankt doei groetjes goedemorgen goedemiddag goedenavond alstublieft alsjeblieft
    aub oke nee
    """
)

BY_LANG: dict[str, frozenset[str]] = {
    "en": ENGLISH | CHAT_FILLER,
    "nl": DUTCH | CHAT_FILLER,
}
ANY_LANG: frozenset[str] = ENGLISH | DUTCH | CHAT_FILLER


def stop_words(lang: str | None) -> frozenset[str]:
    """The stop words for text in ``lang``; for text of unknown language, both lists."""
    return BY_LANG.get(lang or "", ANY_LANG)
