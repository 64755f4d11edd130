"""The agents' chat: card buttons, replies in a ticket's thread and typed agent commands.

:meth:`chatdesk.engine.Desk.handle` sends every event said in the agents' channel or group
here (``event.agent_chat``). Three kinds of input:

- a card button (``ag:claim:REF``, ``ag:status:REF``, ``ag:set:REF:code``, ``ag:reply:REF``);
- a typed command: ``status REF``, ``open tickets`` / ``openstaande tickets``, ``unassigned`` /
  ``niet toegewezen``, ``help``; with or without a slash;
- a reply in a ticket's thread (found through :class:`chatdesk.models.TicketPost`), which
  becomes a comment: public or internal by CHATDESK_AGENT_REPLY_DEFAULT and the markers of
  :func:`chatdesk.agent_actions.parse_marker`.

Only agents act. A non-agent who presses a button, types a command or writes in a ticket's
thread is told so and nothing changes; other talk in the channel is the agents' own business
and gets no answer. Answers go to the person who acted, in the chat and thread they acted in,
in the agents' language.
"""

from __future__ import annotations

import re

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from chatdesk.core import statuses
from chatdesk.core.commands import REFERENCE
from chatdesk.core.i18n import t
from chatdesk.core.lexicon import normalise
from chatdesk.core.text import when
from chatdesk.desk import agent_actions, notify
from chatdesk.desk.agent_actions import Agent
from chatdesk.dialogue.turn import Turn
from chatdesk.events import Choice, InboundEvent
from chatdesk.store import tickets
from chatdesk.store.models import Ticket, TicketPost

LIST_LIMIT = 30
LAST_COMMENTS = 3

AGENT_COMMANDS: dict[str, tuple[str, ...]] = {
    "open": ("open tickets", "openstaande tickets", "alle tickets", "all tickets"),
    "unassigned": (
        "unassigned",
        "unassigned tickets",
        "niet toegewezen",
        "niet toegewezen tickets",
        "zonder behandelaar",
    ),
    "help": ("help", "hulp", "?"),
}
_SLASH = re.compile(r"^/(\w+)(@\w+)?")


# -- entry point --------------------------------------------------------------------------
def handle(turn: Turn) -> None:
    """One event from the agents' chat."""
    event = turn.event
    allowed = agent_actions.is_agent(turn.desk.settings, event)
    if event.choice is not None:
        if not allowed:
            _say(turn, "agent.refused")
            return
        _button(turn, Agent.from_event(event), event.choice)
        return
    text = event.text.strip()
    if not text and not event.attachments:
        return
    command = parse_command(text) if text else None
    if command is not None:
        if allowed:
            _command(turn, *command)
        else:
            _say(turn, "agent.refused")
        return
    ticket = thread_ticket(turn.session, event)
    if ticket is None:
        return  # agents talking among themselves
    if not allowed:
        _say(turn, "agent.refused")
        return
    if text:
        _thread_reply(turn, Agent.from_event(event), ticket, text)
    if event.attachments:
        # Files are not relayed across platforms: say so rather than drop them silently.
        _say(turn, "agent.files_stay", count=len(event.attachments))


def _say(
    turn: Turn, key: str, choices: list[Choice] | tuple[Choice, ...] = (), **values: object
) -> None:
    """A direct answer in the agents' language, in the chat and thread the agent used."""
    turn.say_text(t(key, turn.desk.settings.desk.agent_language, **values), choices)


# -- buttons ------------------------------------------------------------------------------
def _button(turn: Turn, agent: Agent, choice: str) -> None:
    action, _, rest = choice.partition(":")[2].partition(":")
    if action not in ("claim", "status", "set", "reply"):
        _say(turn, "agent.unknown_action")
        return
    reference, _, target = rest.partition(":")
    ticket = tickets.by_reference(turn.session, reference, lock=True) if reference else None
    if ticket is None:
        _say(turn, "agent.unknown_ticket", reference=reference or "?")
        return
    settings = turn.desk.settings
    lang = settings.desk.agent_language
    current = statuses.get(ticket.status)
    if action in ("claim", "status", "set") and current.final:
        _say(turn, "agent.ticket_final", reference=ticket.reference, status=current.name(lang))
        return
    if action == "claim":
        if ticket.assignee_id == agent.key:
            _say(turn, "agent.already_yours", reference=ticket.reference)
            return
        agent_actions.claim(turn.session, ticket, agent, settings, turn.now)
        _say(turn, "agent.claimed", reference=ticket.reference)
    elif action == "status":
        _status_menu(turn, ticket)
    elif action == "set":
        _set_status(turn, agent, ticket, target)
    else:
        default = "public" if settings.desk.agent_reply_default == "public" else "internal"
        _say(
            turn,
            "agent.reply_how",
            reference=ticket.reference,
            default=t(f"agent.reply_default.{default}", lang),
        )


def _status_menu(turn: Turn, ticket: Ticket) -> None:
    lang = turn.desk.settings.desk.agent_language
    reference = ticket.reference or ""
    choices = [
        Choice(f"{notify.SET_STATUS}{reference}:{code}", statuses.get(code).name(lang))
        for code in agent_actions.allowed_targets(ticket)
    ]
    _say(
        turn,
        "agent.status_menu",
        choices,
        reference=reference,
        status=statuses.get(ticket.status).name(lang),
    )


def _set_status(turn: Turn, agent: Agent, ticket: Ticket, target: str) -> None:
    lang = turn.desk.settings.desk.agent_language
    if target not in statuses.CATALOGUE:
        _say(turn, "agent.unknown_action")
        return
    try:
        agent_actions.change_status(
            turn.session, ticket, target, agent, turn.desk.settings, turn.now
        )
    except statuses.TransitionError:
        _say(
            turn,
            "agent.status_not_allowed",
            reference=ticket.reference,
            current=statuses.get(ticket.status).name(lang),
            target=statuses.get(target).name(lang),
        )
        return
    _say(
        turn, "agent.status_set", reference=ticket.reference, status=statuses.get(target).name(lang)
    )


# -- thread replies ----------------------------------------------------------------------
def thread_ticket(session: Session, event: InboundEvent) -> Ticket | None:
    """The ticket whose thread (or posted message) this agent message answers, if any.

    A Slack thread's id is its parent's ``ts`` (the card's message id); a Telegram forum
    topic is the post's ``thread_id``; a Telegram reply names the message in ``reply_to``.
    """
    conditions = []
    if event.thread_id:
        conditions += [
            TicketPost.thread_id == event.thread_id,
            TicketPost.message_id == event.thread_id,
        ]
    if event.reply_to:
        conditions.append(TicketPost.message_id == event.reply_to)
    if not conditions:
        return None
    post = session.scalar(
        select(TicketPost)
        .where(
            TicketPost.platform == event.platform,
            TicketPost.chat_id == event.chat_id,
            or_(*conditions),
        )
        .order_by(TicketPost.card.desc(), TicketPost.id)
        .limit(1)
    )
    return session.get(Ticket, post.ticket_id) if post is not None else None


def _thread_reply(turn: Turn, agent: Agent, ticket: Ticket, text: str) -> None:
    settings = turn.desk.settings
    public, body = agent_actions.parse_marker(text, settings.desk.agent_reply_default == "public")
    if not body:
        _say(turn, "agent.marker_only")
        return
    agent_actions.reply(turn.session, ticket, body, agent, settings, turn.now, public=public)


# -- typed commands -------------------------------------------------------------------------
def parse_command(text: str) -> tuple[str, str] | None:
    """``(name, reference)`` for an agent command that is the whole message; else None."""
    raw = _SLASH.sub(r"\1", text.strip())
    if REFERENCE.fullmatch(raw):
        return "status", raw.upper()
    words = raw.split()
    if len(words) == 2 and normalise(words[0]) == "status" and REFERENCE.fullmatch(words[1]):
        return "status", words[1].upper()
    typed = normalise(raw)
    for name, phrases in AGENT_COMMANDS.items():
        if typed in phrases:
            return name, ""
    return None


def _command(turn: Turn, name: str, reference: str) -> None:
    if name == "status":
        _view(turn, reference)
    elif name == "open":
        _list(turn, unassigned=False)
    elif name == "unassigned":
        _list(turn, unassigned=True)
    else:
        _say(turn, "agent.help")


def _requester(ticket: Ticket) -> str:
    requester = ticket.requester
    if requester is None:
        return ""
    name = requester.display_name or requester.platform_user_id
    return f"{name} ({requester.organization})" if requester.organization else name


def _view(turn: Turn, reference: str) -> None:
    """The whole ticket as agents see it: agents may look at every ticket."""
    ticket = tickets.by_reference(turn.session, reference)
    if ticket is None or ticket.approval == "pending":  # not the agents' until approved
        _say(turn, "agent.unknown_ticket", reference=reference)
        return
    lang = turn.desk.settings.desk.agent_language
    lines = [
        t(
            "agent.view",
            lang,
            reference=ticket.reference,
            subject=ticket.subject,
            status=statuses.get(ticket.status).name(lang),
            changed=when(ticket.status_changed_at, turn.desk.settings.hours.zone),
            assignee=ticket.assignee or t("agent.nobody", lang),
            priority=ticket.priority,
            requester=_requester(ticket),
            created=when(ticket.created_at, turn.desk.settings.hours.zone),
        )
    ]
    if ticket.follows_up is not None:
        lines.append(t("agent.view.follows_up", lang, reference=ticket.follows_up.reference))
    if ticket.rating is not None:
        lines.append(
            t("agent.view.rating", lang, rating=ticket.rating, remark=ticket.rating_remark or "")
        )
    comments = ticket.comments[-LAST_COMMENTS:]
    if comments:
        lines.append(t("agent.view.comments", lang))
        for comment in comments:
            if comment.author_kind == "customer":
                kind = "customer"
            else:
                kind = "public" if comment.public else "internal"
            lines.append(
                t(
                    "agent.view.comment",
                    lang,
                    when=when(comment.created_at, turn.desk.settings.hours.zone),
                    author=comment.author_name,
                    kind=t(f"agent.kind.{kind}", lang),
                    body=comment.body,
                )
            )
    else:
        lines.append(t("agent.view.no_comments", lang))
    turn.say_text("\n".join(line.rstrip() for line in lines))


def _not_pending():  # type: ignore[no-untyped-def]
    """Tickets the agents may see: not waiting for an organization's approval."""
    return or_(Ticket.approval.is_(None), Ticket.approval != "pending")


def _list(turn: Turn, *, unassigned: bool) -> None:
    lang = turn.desk.settings.desk.agent_language
    query = select(Ticket).where(Ticket.status.in_(statuses.OPEN_CODES), _not_pending())
    if unassigned:
        query = query.where(Ticket.assignee_id.is_(None))
    found = list(
        turn.session.scalars(query.order_by(Ticket.created_at, Ticket.id).limit(LIST_LIMIT + 1))
    )
    if not found:
        _say(turn, "agent.list.none_unassigned" if unassigned else "agent.list.none_open")
        return
    total = len(found) if len(found) <= LIST_LIMIT else _count(turn.session, query)
    header = "agent.list.unassigned" if unassigned else "agent.list.open"
    lines = [t(header, lang, count=total)]
    for ticket in found[:LIST_LIMIT]:
        lines.append(
            t(
                "agent.list.line",
                lang,
                reference=ticket.reference,
                subject=ticket.subject,
                status=statuses.get(ticket.status).name(lang),
                priority=ticket.priority,
                assignee=ticket.assignee or t("agent.nobody", lang),
            )
        )
    if total > LIST_LIMIT:
        lines.append(t("agent.list.more", lang, count=total - LIST_LIMIT))
    turn.say_text("\n".join(lines))


def _count(session: Session, query) -> int:  # type: ignore[no-untyped-def]
    return int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
