"""chatdesk: a chat front end for support intake."""

__version__ = "0.1.0"
