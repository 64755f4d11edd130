"""The web chat and customer portal: ``/chat``, ``/widget.js`` and their WebSocket."""

from .channel import WebChannel

__all__ = ["WebChannel"]
