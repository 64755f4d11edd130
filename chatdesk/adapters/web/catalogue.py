"""The web chat's own wording, in ``messages/<lang>.yaml`` beside this module.

The engine's catalogue is its fallback, so the shared keys (status names, the apology after an
error) are looked up there and written once.
"""

from __future__ import annotations

from pathlib import Path

from chatdesk.core.i18n import ENGINE, Catalogue

CATALOGUE = Catalogue(Path(__file__).resolve().parent / "messages", fallback=ENGINE)
t = CATALOGUE.t
