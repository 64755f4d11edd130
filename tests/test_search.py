"""The search package's parts on their own: the vocabulary's typo look-up, the passage
overlap, and the gate between :meth:`SearchIndex.ranked` and :meth:`SearchIndex.search`.
Whole-base behaviour (typos, Dutch, small talk) is in test_knowledge.py."""

from __future__ import annotations

import dataclasses
import math

from chatdesk.kb.articles import Article
from chatdesk.kb.search import DEFAULT_TUNING, SearchIndex
from chatdesk.kb.search.index import QueryWord, Question
from chatdesk.kb.search.passages import overlap
from chatdesk.kb.search.vocabulary import FILLER, Vocabulary


def make(ident: str, title: str, body: str, tags: tuple[str, ...] = ()) -> Article:
    return Article(id=ident, title=title, lang="en", tags=tags, summary="", body=body)


ARTICLES = [
    make(
        "password", "Reset your password", "Forgot your password? Use the reset link.", ("login",)
    ),
    make("printer", "Printer does not print", "Check the paper tray and the cable.", ("print",)),
    make("invoice", "Download an invoice", "Invoices are under Billing, as PDF.", ("billing",)),
]


def test_a_typo_finds_the_vocabulary_word_one_edit_away() -> None:
    vocabulary = Vocabulary()
    [password, printer] = vocabulary.ids(["password", "printer"], "en")
    vocabulary.seal(DEFAULT_TUNING.fuzzy_min_length)

    forms = vocabulary.typo_forms("pasword", DEFAULT_TUNING)

    assert password in forms and 0.75 <= forms[password] < 1.0
    assert printer not in forms


def test_chat_filler_gets_no_term_and_stop_words_are_weak() -> None:
    vocabulary = Vocabulary()
    hi, the, cable = vocabulary.ids(["hi", "the", "cable"], "en")
    assert hi == FILLER
    assert the in vocabulary.weak and cable not in vocabulary.weak


def test_short_typos_are_not_guessed() -> None:
    """'prt' is one letter from 'port' and 'part'; words shorter than fuzzy_min_length never
    match fuzzily, while a longer typo of the same word does."""
    index = SearchIndex(
        [*ARTICLES, make("router", "Open a port on the router", "Port forwarding.")]
    )
    assert index.ranked("prt")[0] == []
    assert index.ranked("routr")[0] != []


def test_a_short_passage_that_is_the_question_beats_a_long_one_that_contains_it() -> None:
    question = Question([QueryWord(2.0, {1: 1.0}, False), QueryWord(1.0, {2: 1.0}, False)])
    short = [(frozenset({1, 2}), 3.0)]
    long = [(frozenset({1, 2, 3, 4, 5}), 9.0)]

    short_cover, short_jaccard = overlap(question, short)
    long_cover, long_jaccard = overlap(question, long)

    assert short_cover == long_cover == 1.0  # both hold the whole question
    assert short_jaccard == 1.0 and long_jaccard < 0.5  # only one *is* it


def test_a_typo_in_the_question_counts_by_its_similarity() -> None:
    question = Question([QueryWord(2.0, {1: 0.8}, False), QueryWord(2.0, {2: 1.0}, False)])
    cover, _ = overlap(question, [(frozenset({1}), 2.0)])
    assert cover == 0.4  # half the weight, matched at 0.8


def test_ranked_shows_what_the_gate_hides() -> None:
    closed = SearchIndex(ARTICLES, dataclasses.replace(DEFAULT_TUNING, threshold=101.0))
    found, gate = closed.ranked("my printer does not print")

    assert [ARTICLES[position].id for position, _ in found][:1] == ["printer"]
    assert 0 < gate <= 100
    assert closed.search("my printer does not print") == []


def test_search_is_ranked_with_the_gate_applied() -> None:
    index = SearchIndex(ARTICLES)
    for question in ["reset my pasword", "where is the invoice pdf", "hello there", "the"]:
        found, gate = index.ranked(question)
        assert index.search(question) == (found if gate >= DEFAULT_TUNING.threshold else [])
    assert index.ranked("the") == ([], 0.0)  # stop words alone select nothing


DUTCH = [
    dataclasses.replace(article, lang="nl")
    for article in (
        make("locked", "Account geblokkeerd", "Na vijf pogingen volgt een blokkade.", ("account",)),
        make("form", "Het formulier opslaan", "Een aanmelding bewaar je met Opslaan.", ()),
        make("password", "Wachtwoord vergeten", "Vraag een herstellink aan.", ("wachtwoord",)),
    )
]


def ids_for(index: SearchIndex, articles: list[Article], query: str, lang: str | None) -> list[str]:
    return [articles[position].id for position, _ in index.ranked(query, lang)[0]]


def test_a_dutch_compound_is_read_as_the_two_words_it_is_glued_from() -> None:
    index = SearchIndex(DUTCH)
    assert ids_for(index, DUTCH, "accountblokkade", "nl")[:1] == ["locked"]
    # with a linking "s" between the parts
    assert ids_for(index, DUTCH, "aanmeldingsformulier", "nl")[:1] == ["form"]


def test_a_compound_with_an_unknown_tail_still_finds_its_head() -> None:
    """The base never says "herstel" on its own; "wachtwoord" is still evidence."""
    index = SearchIndex(DUTCH)
    assert ids_for(index, DUTCH, "wachtwoordherstel", "nl")[:1] == ["password"]


def test_compounds_are_only_split_in_a_language_that_writes_them() -> None:
    """English glued words are rarely compounds ("divide" is not "div" + "ide"), and a
    question with no language is not split either."""
    index = SearchIndex(DUTCH)
    assert ids_for(index, DUTCH, "accountblokkade", "en") == []
    assert ids_for(index, DUTCH, "accountblokkade", None) == []


def test_a_word_longer_than_any_real_one_is_neither_typo_matched_nor_split() -> None:
    """Both cost time in proportion to the length; a pasted run of letters is no word."""
    index = SearchIndex(DUTCH)
    assert ids_for(index, DUTCH, "accountblokkade" * 3, "nl") == []
    assert ids_for(index, DUTCH, "accountblokkade" * 2, "nl")[:1] == ["locked"]


def test_the_vocabulary_prefers_two_known_parts_and_the_longest_head() -> None:
    vocabulary = Vocabulary()
    vocabulary.ids(["wacht", "wachtwoord", "woord", "herstel", "account", "status"], "nl")
    vocabulary.seal(DEFAULT_TUNING.fuzzy_min_length)
    langs = ("nl",)
    stops: frozenset[str] = frozenset()

    assert vocabulary.compound_parts("wachtwoordherstel", stops, langs, 3) == (
        "wachtwoord",
        "herstel",
    )
    assert vocabulary.compound_parts("accountstatus", stops, langs, 3) == ("account", "status")
    assert vocabulary.compound_parts("wachtwoordkwijt", stops, langs, 3) == (
        "wachtwoord",
        "kwijt",
    )
    assert vocabulary.compound_parts("pizzabezorger", stops, langs, 3) is None


def test_an_article_under_half_the_best_score_is_not_suggested_beside_it() -> None:
    """The invoice article shares one word with the question; the printer article is the
    answer. Without the relative cut-off the weak one would be listed second."""
    query = "my printer does not print the invoice"
    everything = SearchIndex(ARTICLES, dataclasses.replace(DEFAULT_TUNING, relative_cutoff=0.0))
    assert [ARTICLES[p].id for p, _ in everything.ranked(query)[0]] == ["printer", "invoice"]

    found, _ = SearchIndex(ARTICLES).ranked(query)
    assert [ARTICLES[p].id for p, _ in found] == ["printer"]


GATE_QUESTIONS = [
    "my printer does not print",
    "printr paper stuck in the tray",
    "forgot my pasword, where is the reset link",
    "download the invoice as pdf from billing",
    "the cable of the printer and the invoice",
    "hello there",
]


def test_the_gate_of_each_candidate_is_decided_as_its_value_is_even_at_the_threshold() -> None:
    """``each_gated`` computes the gate's character signals only as far as passing needs
    (bounds, and rapidfuzz's score cutoffs, which can miss a score a hair above them): with
    the threshold set exactly at a candidate's gate value, or a float step either side, it
    must still keep exactly the candidates whose value reaches it."""
    index = SearchIndex(ARTICLES)
    for question in GATE_QUESTIONS:
        values = {c.position: index.gate_score(c, question) for c in index.candidates(question)}
        for value in values.values():
            for threshold in (value, math.nextafter(value, 0.0), math.nextafter(value, 100.0)):
                tuning = dataclasses.replace(DEFAULT_TUNING, second_round_threshold=threshold)
                gated = SearchIndex(ARTICLES, tuning).each_gated(question, None, len(values))
                expected = {p for p, v in values.items() if v >= threshold}
                assert {p for p, _ in gated} == expected, (question, threshold)


def test_search_decides_as_ranked_even_with_the_threshold_at_the_gate_value() -> None:
    """``search`` is ``ranked`` with its gate applied, also at the edge where the gate value
    is exactly the threshold (the cheaper decision must not round it away)."""
    for question in GATE_QUESTIONS:
        found, gate = SearchIndex(ARTICLES).ranked(question)
        for threshold in (gate, math.nextafter(gate, 0.0), math.nextafter(gate, 100.0)):
            index = SearchIndex(ARTICLES, dataclasses.replace(DEFAULT_TUNING, threshold=threshold))
            assert index.search(question) == (found if gate >= threshold else []), question


def test_a_question_scores_passages_alike_however_many_articles_it_met_before() -> None:
    """The weight a passage holds is worked out once per set of the question's terms and
    reused for the next passages and articles (``Question.held``): a passage that holds more
    of the question than one seen before gets its own weight, not the earlier one's."""
    question = Question([QueryWord(2.0, {1: 1.0}, False), QueryWord(1.0, {2: 0.5, 3: 1.0}, False)])
    one = [(frozenset({1, 7}), 4.0)]
    both = [(frozenset({1, 2}), 3.0), (frozenset({1, 3}), 3.0)]

    assert overlap(question, one) == (2 / 3, 2 / (3 + 4 - 2))
    assert overlap(question, both) == (1.0, 1.0)  # the second passage: both words in full
    assert overlap(question, one) == overlap(Question(question.words), one)


def test_the_gate_decides_as_its_value_does_when_a_character_signal_weighs_nothing() -> None:
    """The benchmark varies the gate's weights (``--set gate_passage_wratio=0``): with either
    character signal weighing nothing, the cheaper decision still agrees with the value."""
    for weights in ({"gate_passage_wratio": 0.0}, {"gate_passage_set": 0.0}):
        for threshold in (20.0, 30.0, 40.0, 50.0):
            tuning = dataclasses.replace(
                DEFAULT_TUNING, **weights, threshold=threshold, second_round_threshold=threshold
            )
            index = SearchIndex(ARTICLES, tuning)
            for question in GATE_QUESTIONS:
                found, gate = index.ranked(question)
                assert index.search(question) == (found if gate >= threshold else [])
                candidates = index.candidates(question)
                values = {c.position: index.gate_score(c, question) for c in candidates}
                gated = index.each_gated(question, None, len(values))
                assert {p for p, _ in gated} == {p for p, v in values.items() if v >= threshold}
