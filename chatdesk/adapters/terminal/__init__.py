"""The terminal chat (``chatdesk chat``): :mod:`.chat` runs it, :mod:`.catalogue` words it."""

from .chat import clean, render, run_chat

__all__ = ["clean", "render", "run_chat"]
