"""What a periodic job of the desk needs: the settings and the database, nothing more.

Jobs (auto-close, service-target checks) run outside any conversation, in their own
transactions; the moment they run for comes as an argument, so a test drives them with any
clock. The engine's ``Desk`` offers both attributes, and so does anything else that holds a
configured database: the jobs never see the engine.
"""

from __future__ import annotations

from typing import Protocol

from chatdesk.config import Settings
from chatdesk.store.db import Database


class JobContext(Protocol):
    @property
    def settings(self) -> Settings: ...

    @property
    def database(self) -> Database: ...
