"""The search behind article suggestions: typo-tolerant, field-weighted, fast at scale.

Why not just rapidfuzz over titles: one WRatio pass over 100k titles takes ~0.3 s, and it
ties almost every article that shares a word with the query. Why not just BM25: it has no
typo tolerance. So the index combines them, built once when the knowledge base loads:

- :mod:`~chatdesk.kb.search.vocabulary`: folded, stemmed words (stop words as weak terms, chat
  filler dropped) and typo look-up through a symmetric-deletion table;
- :mod:`~chatdesk.kb.search.index`: BM25F postings and a forward index, built in one pass, and
  the lexical pass of a query (select by postings, score a pool exactly);
- :mod:`~chatdesk.kb.search.passages`: how closely one passage of an article resembles the
  whole question, by characters and by IDF-weighted words;
- :mod:`~chatdesk.kb.search.ranking`: :class:`SearchIndex`, which ranks the candidates and
  gates the answer ("suggest nothing" for small talk and out-of-scope questions);
- :mod:`~chatdesk.kb.search.tuning`: every knob, so the benchmark can report and vary them.

And by meaning, where words fail ("display remains dark" for "screen stays black"), behind a
setting (``CHATDESK_SEARCH_MODEL``; ``none`` leaves the lexical search exactly as it is):

- :mod:`~chatdesk.kb.search.embedding`: the sentence-embedding models by name, loaded once per
  process from the files their package installed;
- :mod:`~chatdesk.kb.search.vectors`: every article's vectors (its label and lines), cached in a
  SQLite file of their own by text hash and model name;
- :mod:`~chatdesk.kb.search.meaning`: the cosines the ranking and the gate fuse with the words.
"""

from chatdesk.kb.search.ranking import Candidate, SearchIndex
from chatdesk.kb.search.tuning import DEFAULT_TUNING, Tuning

__all__ = ["DEFAULT_TUNING", "Candidate", "SearchIndex", "Tuning"]
