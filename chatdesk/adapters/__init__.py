"""Platform adapters, installed as ``chatdesk.adapters``.

Each adapter turns platform events into :class:`chatdesk.events.InboundEvent`, calls
:meth:`chatdesk.engine.Desk.handle`, and renders the neutral replies back. None of them holds
dialogue rules: those live in the engine.
"""
