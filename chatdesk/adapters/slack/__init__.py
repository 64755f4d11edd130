"""The Slack adapter: slack-bolt checks and delivers requests, slack_sdk sends; the desk decides.

Modules, one job each: :mod:`.inbound` turns a payload into an InboundEvent, :mod:`.render`
turns replies into Block Kit posts (ticket cards, thread notes, choices), :mod:`.outbound`
sends the outbox's items, :mod:`.turns` runs one turn and posts its answers, :mod:`.durable`
keeps a delivery in the inbox until its turn ran, :mod:`.directory` caches people and DMs,
:mod:`.http` refuses malformed requests before bolt sees them, :mod:`.client` builds the Web
API clients, :mod:`.check` checks the agents' channel at start, and :mod:`.channel` wires
them to ``chatdesk serve`` in HTTP or Socket Mode.
"""

from .channel import SlackChannel

__all__ = ["SlackChannel"]
