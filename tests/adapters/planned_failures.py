"""Failures a platform stand-in plans for one chat's calls of a method: the second part of a
long message failing while other chats are served as usual.

Shared by the Telegram and Slack stand-ins, which differ only in what a failure is (a status
and description, or a status, headers and body) and in how a call names its chat. The chat is
read only for a call whose method has a plan: reading it may fail for a call that names its
chat in a way the stand-in refuses later (Telegram's ``chat_id="notanumber"``), and a call
with no plan must reach the stand-in's own answer to that.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

F = TypeVar("F")


@dataclass
class _Plan(Generic[F]):
    method: str
    chat: Hashable
    passes: int  # calls still let through before the failures
    failures: list[F]


class PlannedFailures(Generic[F]):
    """The plans, in the order they were made; the caller holds the stand-in's lock."""

    def __init__(self) -> None:
        self._plans: list[_Plan[F]] = []

    def plan(self, method: str, chat: Hashable, failures: list[F], passes: int = 0) -> None:
        """Fail ``chat``'s calls of ``method`` with ``failures``, one per call, after ``passes``
        calls went through."""
        self._plans.append(_Plan(method, chat, passes, failures))

    def take(self, method: str, chat_of: Callable[[], Hashable]) -> F | None:
        """The failure planned for this call, if any; ``chat_of`` gives the call's chat and is
        called only when a plan for ``method`` exists."""
        chat: Hashable | None = None
        for plan in self._plans:
            if plan.method != method:
                continue
            if chat is None:
                chat = chat_of()
            if plan.chat != chat:
                continue
            if plan.passes > 0:
                plan.passes -= 1
                return None
            failure = plan.failures.pop(0)
            if not plan.failures:
                self._plans.remove(plan)
            return failure
        return None
