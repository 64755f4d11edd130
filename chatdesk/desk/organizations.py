"""Organizations: who belongs to which customer organization, what members share, and the
contact persons who approve tickets.

The manuals the desk follows work with fixed contact persons per customer organization:
"meldingen van andere personen binnen je organisatie worden pas in behandeling genomen als
(één van) de vaste contactperso(o)n(en) hiervoor akkoord geeft". So a requester belongs to an
organization (found at every turn from CHATDESK_ORGANIZATIONS_FILE, by platform identity,
e-mail domain or Slack workspace); members may follow their organization's tickets when
sharing is on; and, with CHATDESK_ORGANIZATION_APPROVAL, a ticket from a member who is not a
contact person waits (``ticket.approval == "pending"``, no card for the agents) until a contact
person presses approve or decline in their private chat with the bot.

Without a file nothing changes: the organization is the Slack workspace the adapter reports,
and sharing follows CHATDESK_ORGANIZATION_SHARING. The file format is in docs/organizations.md.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from sqlalchemy import select

from chatdesk.core import statuses
from chatdesk.core.i18n import normalize_lang, t
from chatdesk.desk import notify
from chatdesk.events import Choice, InboundEvent, Message
from chatdesk.store import outbox, tickets
from chatdesk.store.models import Requester, Ticket

if TYPE_CHECKING:
    from chatdesk.config import Settings
    from chatdesk.dialogue.turn import Turn

log = logging.getLogger(__name__)

CHOICE_PREFIX = "org:"
APPROVE = "org:approve:"
DECLINE = "org:decline:"
"""Contact persons' button ids: ``org:approve:SD-1042`` (well inside Telegram's 64 bytes)."""

PENDING, APPROVED, DECLINED = "pending", "approved", "declined"
CONTACT_COMMENT = "contact"
"""``Comment.author_kind`` of the internal note that records a contact person's decision; the
newest one names who decided, for a second press ("already approved by ...")."""

CONTACT_PLATFORMS = ("telegram", "slack", "terminal")
NAME_LIMIT = 100  # Requester.organization and Ticket.organization are String(100)
_FIELDS = {
    "name",
    "share",
    "slack_workspaces",
    "email_domains",
    "telegram_users",
    "contacts",
}
_WORKSPACE = re.compile(r"[TE][A-Z0-9]{2,30}")
_DOMAIN = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
_EMAIL = re.compile(r"[^@\s]+@([^@\s]+)")


class OrganizationsError(ValueError):
    """The organizations file cannot be used; ``str()`` is one line naming file and problem."""

    def __init__(self, path: Path | str, problem: str) -> None:
        problem = " ".join(problem.split())
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


@dataclass(frozen=True)
class Organization:
    name: str
    share: bool | None = None  # None: CHATDESK_ORGANIZATION_SHARING decides
    workspaces: frozenset[str] = frozenset()
    domains: frozenset[str] = frozenset()
    telegram_users: frozenset[str] = frozenset()
    contacts: frozenset[tuple[str, str]] = frozenset()  # (platform, user id)
    contact_emails: frozenset[str] = frozenset()

    def is_contact(self, platform: str, user_id: str, email: str | None) -> bool:
        if (platform, user_id) in self.contacts:
            return True
        return bool(email) and email.strip().lower() in self.contact_emails  # type: ignore[union-attr]


@dataclass(frozen=True)
class Directory:
    """Every organization of the file, with look-ups by each membership key."""

    organizations: tuple[Organization, ...] = ()
    _by_name: dict[str, Organization] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_name.update({org.name: org for org in self.organizations})

    def get(self, name: str | None) -> Organization | None:
        return self._by_name.get(name) if name else None

    def member_of(
        self, platform: str, user_id: str, email: str | None, workspace: str | None
    ) -> Organization | None:
        """The organization of this person: platform identity first, then e-mail, then
        workspace (the most specific key wins; the file guarantees each key names one)."""
        for org in self.organizations:
            if (platform, user_id) in org.contacts or (
                platform == "telegram" and user_id in org.telegram_users
            ):
                return org
        domain = _email_domain(email)
        if domain:
            best: tuple[int, Organization] | None = None
            for org in self.organizations:
                if email.strip().lower() in org.contact_emails:  # type: ignore[union-attr]
                    return org
                for known in org.domains:
                    if (domain == known or domain.endswith("." + known)) and (
                        best is None or len(known) > best[0]
                    ):
                        best = (len(known), org)
            if best is not None:
                return best[1]
        if workspace:
            for org in self.organizations:
                if workspace in org.workspaces:
                    return org
        return None


def _email_domain(email: str | None) -> str | None:
    match = _EMAIL.fullmatch(email.strip().lower()) if email else None
    return match.group(1).rstrip(".") if match else None


# -- reading the file -------------------------------------------------------------------------
def load(path: Path) -> Directory:
    """Read and check the organizations file; :class:`OrganizationsError` says what is wrong."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise OrganizationsError(path, f"cannot be read ({exc.__class__.__name__})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or "cannot be parsed"
        raise OrganizationsError(path, f"not valid YAML ({where}{problem})") from None
    try:
        return parse(data)
    except ValueError as exc:
        raise OrganizationsError(path, str(exc)) from None


def parse(data: object) -> Directory:
    """Organizations from parsed YAML: a list of mappings with ``name``, or a mapping of
    names to their fields, optionally under a top-level ``organizations`` key."""
    if isinstance(data, Mapping) and set(data) == {"organizations"}:
        data = data["organizations"]
    if data is None:
        return Directory()
    if isinstance(data, Mapping):
        entries = []
        for name, fields in data.items():
            if fields is not None and not isinstance(fields, Mapping):
                raise ValueError(f"organization {name!r}: expected its fields as a mapping")
            entries.append({**(fields or {}), "name": name})
    elif isinstance(data, list):
        entries = list(data)
    else:
        raise ValueError("expected a list of organizations (each with a name) or a mapping")
    organizations = [_organization(entry, number) for number, entry in enumerate(entries, 1)]
    _check_unique(organizations)
    return Directory(tuple(organizations))


def _organization(entry: object, number: int) -> Organization:
    if not isinstance(entry, Mapping):
        raise ValueError(f"organization #{number}: expected a mapping with at least a name")
    name = entry.get("name")
    if not isinstance(name, str | int) or not str(name).strip():
        raise ValueError(f"organization #{number}: needs a name")
    name = str(name).strip()
    where = f"organization {name!r}"
    if len(name) > NAME_LIMIT:
        raise ValueError(f"{where}: the name is longer than {NAME_LIMIT} characters")
    unknown = sorted(str(key) for key in entry if key not in _FIELDS)
    if unknown:
        raise ValueError(
            f"{where}: unknown field {unknown[0]!r} (known: {', '.join(sorted(_FIELDS))})"
        )
    share = entry.get("share")
    if share is not None and not isinstance(share, bool):
        raise ValueError(f"{where}: share must be true or false")
    workspaces = _items(entry, "slack_workspaces", where)
    for workspace in workspaces:
        if not _WORKSPACE.fullmatch(workspace):
            raise ValueError(f"{where}: {workspace!r} is not a Slack workspace id (like T0123ABC)")
    domains = {
        item.lower().removeprefix("@").rstrip(".") for item in _items(entry, "email_domains", where)
    }
    for domain in domains:
        if not _DOMAIN.fullmatch(domain):
            raise ValueError(f"{where}: {domain!r} is not an e-mail domain (like example.com)")
    users = _items(entry, "telegram_users", where)
    for user in users:
        if not user.isdigit():
            raise ValueError(f"{where}: {user!r} is not a Telegram user id (digits only)")
    contacts: set[tuple[str, str]] = set()
    emails: set[str] = set()
    for contact in _items(entry, "contacts", where):
        if _EMAIL.fullmatch(contact) and _DOMAIN.fullmatch(_email_domain(contact) or ""):
            emails.add(contact.lower())
            continue
        platform, _, user = contact.partition(":")
        if platform not in CONTACT_PLATFORMS or not user or " " in user:
            raise ValueError(
                f"{where}: contact {contact!r} must be telegram:<user id>, slack:<user id> "
                "or an e-mail address"
            )
        if platform == "telegram" and not user.isdigit():
            raise ValueError(f"{where}: contact {contact!r}: a Telegram user id is digits only")
        contacts.add((platform, user))
    return Organization(
        name=name,
        share=share,
        workspaces=frozenset(workspaces),
        domains=frozenset(domains),
        telegram_users=frozenset(users),
        contacts=frozenset(contacts),
        contact_emails=frozenset(emails),
    )


def _items(entry: Mapping[str, Any], key: str, where: str) -> list[str]:
    value = entry.get(key)
    if value is None:
        return []
    if isinstance(value, str | int) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, list) or any(
        isinstance(item, bool) or not isinstance(item, str | int) for item in value
    ):
        raise ValueError(f"{where}: {key} must be a list of texts")
    return [str(item).strip() for item in value if str(item).strip()]


def _check_unique(organizations: Iterable[Organization]) -> None:
    """Each name, workspace, domain, Telegram user and contact belongs to one organization,
    so membership never depends on the order of the file."""
    owners: dict[tuple[str, str], str] = {}
    for org in organizations:
        keys = {("name", org.name.casefold())}
        keys |= {("Slack workspace", w) for w in org.workspaces}
        keys |= {("e-mail domain", d) for d in org.domains}
        keys |= {("Telegram user", u) for u in org.telegram_users}
        keys |= {("contact", f"{p}:{u}") for p, u in org.contacts}
        keys |= {("contact", e) for e in org.contact_emails}
        for kind, value in sorted(keys):
            if (kind, value) in owners:
                other = owners[(kind, value)]
                if kind == "name":
                    raise ValueError(f"organization {org.name!r} is listed twice")
                raise ValueError(f"{kind} {value!r} is listed for both {other!r} and {org.name!r}")
            owners[(kind, value)] = org.name


_cache: dict[Path, tuple[tuple[int, int], Directory]] = {}
_cache_lock = threading.Lock()


def directory(settings: Settings) -> Directory:
    """The organizations of CHATDESK_ORGANIZATIONS_FILE, read again when the file changes.

    Start-up (chatdesk.app) already refused a broken file; a file broken later is logged and the
    last good version stays in use, so a typo while editing does not stop the desk.
    """
    path = settings.organizations.file
    if path is None:
        return Directory()
    try:
        info = path.stat()
        stamp = (info.st_mtime_ns, info.st_size)
    except OSError:
        stamp = (0, 0)
    with _cache_lock:
        cached = _cache.get(path)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    try:
        found = load(path)
    except OrganizationsError as exc:
        if cached is None:
            raise
        log.error("%s; keeping the organizations read before", exc)
        found = cached[1]
    with _cache_lock:
        _cache[path] = (stamp, found)
    return found


# -- membership and sharing ------------------------------------------------------------------
def organization_of(settings: Settings, event: InboundEvent, stored: str | None) -> str | None:
    """The organization to record for the person behind ``event``, found anew at each turn.

    With a file: the organization that lists their platform identity, e-mail domain or Slack
    workspace, else the workspace id the adapter reported (colleagues in one workspace). Without
    a file: the workspace id, or what was stored before (today's behaviour).
    """
    if settings.organizations.file is None:
        return event.organization or stored
    org = directory(settings).member_of(
        event.platform, event.user_id, event.email, event.organization
    )
    return org.name if org is not None else event.organization


def shares(settings: Settings, organization: str | None) -> bool:
    """Whether members of ``organization`` see each other's tickets: its ``share`` in the
    file when given, else CHATDESK_ORGANIZATION_SHARING."""
    if not organization:
        return False
    org = directory(settings).get(organization)
    if org is not None and org.share is not None:
        return org.share
    return settings.organizations.sharing


def organization_tickets(turn: Turn) -> None:
    """``organization tickets``: the open tickets of the requester's organization."""
    name = turn.requester.organization
    if not name:
        turn.say("org.none")
        return
    if not shares(turn.desk.settings, name):
        turn.say("org.not_shared", organization=name)
        return
    query = (
        select(Ticket)
        .where(Ticket.organization == name, Ticket.status.in_(statuses.OPEN_CODES))
        .order_by(Ticket.created_at.desc(), Ticket.id.desc())
        .limit(50)
    )
    found = list(turn.session.scalars(query))
    if not found:
        turn.say("org.empty", organization=name)
        return
    lines = [turn.text("org.header", organization=name, count=len(found))]
    for ticket in found:
        key = "org.line_pending" if ticket.approval == PENDING else "org.line"
        lines.append(
            turn.text(
                key,
                reference=ticket.reference,
                subject=ticket.subject,
                status=statuses.get(ticket.status).name(turn.lang),
                requester=_requester_name(ticket),
            )
        )
    choices = [
        turn.choice(f"st:{ticket.reference}", "choice.status_of", reference=ticket.reference)
        for ticket in found[:10]
    ]
    turn.say_text("\n".join(lines), choices)


def _requester_name(ticket: Ticket) -> str:
    requester = ticket.requester
    if requester is None:
        return ""
    return requester.display_name or requester.platform_user_id


# -- approval by a contact person ----------------------------------------------------------
def hold_for_approval(turn: Turn, ticket: Ticket) -> bool:
    """Keep a new ticket from the agents until a contact person approves it.

    True when the ticket now waits: approval is "pending", every contact person reachable by
    platform id has approve/decline buttons in their private chat, and the requester was told.
    False when no approval is needed (the caller posts the card as usual).
    """
    settings = turn.desk.settings
    if not settings.organizations.approval:
        return False
    org = directory(settings).get(ticket.organization)
    if org is None or not (org.contacts or org.contact_emails):
        return False
    event = turn.event
    if org.is_contact(event.platform, event.user_id, event.email):
        return False
    if not org.contacts:
        log.warning(
            "organization %r has only e-mail contact persons, who cannot be sent approval "
            "requests; %s goes to the agents without approval",
            org.name,
            ticket.reference,
        )
        return False
    ticket.approval = PENDING
    turn.session.flush()
    for platform, user_id in sorted(org.contacts):
        lang = _language_of(turn, platform, user_id, ticket.lang)
        text = t(
            "org.ask_approval",
            lang,
            requester=turn.author,
            organization=org.name,
            reference=ticket.reference,
            subject=ticket.subject,
        )
        choices = (
            Choice(APPROVE + (ticket.reference or ""), t("org.choice.approve", lang)),
            Choice(DECLINE + (ticket.reference or ""), t("org.choice.decline", lang)),
        )
        # The private chat: on Telegram its id is the user id; on Slack chat.postMessage to a
        # user id opens the DM. A contact person who never talked to the Telegram bot cannot be
        # reached: the adapter reports that as a permanent failure (docs/organizations.md).
        outbox.enqueue(
            turn.session, Message(platform, user_id, text, choices), turn.now, ticket_id=ticket.id
        )
    turn.say("org.pending", reference=ticket.reference, organization=org.name)
    return True


def _language_of(turn: Turn, platform: str, user_id: str, fallback: str) -> str:
    """A contact person's language: their own choice if they ever talked to the bot."""
    known = turn.session.scalar(
        select(Requester).where(
            Requester.platform == platform, Requester.platform_user_id == user_id
        )
    )
    if known is not None and (known.lang or known.locale):
        return known.lang or normalize_lang(known.locale, fallback)
    return fallback


def on_choice(turn: Turn, choice: str) -> None:
    """A contact person pressed approve or decline (buttons sent through the outbox)."""
    approve = choice.startswith(APPROVE)
    reference = choice.removeprefix(APPROVE if approve else DECLINE).upper()
    if not choice.startswith((APPROVE, DECLINE)) or not reference:
        turn.say("choice.expired")
        return
    ticket = turn.session.scalar(
        select(Ticket).where(Ticket.reference == reference).with_for_update()
    )
    settings = turn.desk.settings
    org = directory(settings).get(ticket.organization) if ticket is not None else None
    event = turn.event
    if (
        ticket is None
        or ticket.approval is None
        or org is None
        or not org.is_contact(event.platform, event.user_id, event.email)
    ):
        # A missing ticket and somebody else's get the same answer: nothing is revealed.
        turn.say("org.not_contact", reference=reference)
        return
    if ticket.approval != PENDING:
        key = "org.already_approved" if ticket.approval == APPROVED else "org.already_declined"
        turn.say(key, reference=reference, name=_decided_by(ticket))
        return
    if statuses.get(ticket.status).final:
        turn.say("org.gone", reference=reference)
        return
    name = turn.author
    agent_lang = settings.desk.agent_language
    values = {"reference": reference, "organization": org.name, "name": name}
    if approve:
        ticket.approval = APPROVED
        ticket.approved_at = turn.now  # its service-target clocks start now
        note = t("org.log.approved", agent_lang, **values)
        tickets.add_comment(turn.session, ticket, note, CONTACT_COMMENT, name, turn.now, False)
        notify.card(turn.session, ticket, settings, turn.now)
        notify.thread(turn.session, ticket, note, turn.now)
        _thread_what_waited(turn, ticket, agent_lang)
        notify.customer_key(turn.session, ticket, "org.approved_customer", turn.now, **values)
        turn.say("org.approved", **values)
    else:
        ticket.approval = DECLINED
        note = t("org.log.declined", agent_lang, **values)
        tickets.add_comment(turn.session, ticket, note, CONTACT_COMMENT, name, turn.now, False)
        tickets.set_status(ticket, statuses.CANCELLED, name, turn.now)
        notify.customer_key(turn.session, ticket, "org.declined_customer", turn.now, **values)
        turn.say("org.declined", requester=_requester_name(ticket), **values)


def _thread_what_waited(turn: Turn, ticket: Ticket, agent_lang: str) -> None:
    """What the requester added while the ticket waited for approval goes to the agents'
    thread with it: the whole conversation lives there."""
    for comment in sorted(ticket.comments, key=lambda c: (c.created_at, c.id or 0)):
        if comment.author_kind == "customer":
            line = t(
                "lifecycle.note.customer",
                agent_lang,
                customer=comment.author_name,
                body=comment.body,
            )
            notify.thread(turn.session, ticket, line, turn.now, kind="customer")


def _decided_by(ticket: Ticket) -> str:
    decisions = [c for c in ticket.comments if c.author_kind == CONTACT_COMMENT]
    return max(decisions, key=lambda c: (c.created_at, c.id)).author_name if decisions else "?"
