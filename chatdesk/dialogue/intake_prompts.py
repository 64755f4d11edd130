"""The intake's questions: what each state of the draft asks, with its choices.

:func:`ask` moves the conversation to a state and puts its question; the answers are read in
:mod:`chatdesk.dialogue.intake`. A state's question is asked again, as it was, after an
answer is refused or another question was answered in between (:func:`reprompt`).
"""

from __future__ import annotations

from collections.abc import Callable

from chatdesk.core import choices as ids
from chatdesk.core import validation
from chatdesk.dialogue import answers
from chatdesk.dialogue.turn import Turn

EXCERPT_CHARS = 900


def short(text: str, limit: int = 40) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis: a label on a button."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def ask(turn: Turn, state: str) -> None:
    """Move to ``state`` and put its question (with its choices)."""
    turn.goto(state)
    PROMPTS[state](turn)


def _prompt_subject(turn: Turn) -> None:
    turn.say("intake.ask_subject")


def _prompt_description(turn: Turn) -> None:
    turn.say("intake.ask_description")


def _prompt_steps(turn: Turn) -> None:
    turn.say("intake.ask_steps")


def _prompt_error(turn: Turn) -> None:
    turn.say("intake.ask_error", choices=[turn.choice("skip", "choice.skip")])


def _prompt_suggest(turn: Turn) -> None:
    """The articles, shown with the next question: pick one, or simply answer it."""
    articles = [turn.knowledge.get(i) for i in turn.data.get("offer", [])]
    lines = [turn.text("intake.suggest_intro")]
    choices = []
    for n, article in enumerate(a for a in articles if a is not None):
        lines.append(
            turn.text(
                "intake.suggest_line", number=n + 1, title=article.title, summary=article.summary
            )
            + (f"\n   {article.url}" if article.url else "")
        )
        choices.append(turn.choice(ids.article(n + 1), "choice.read", title=short(article.title)))
    after = turn.data.get("after_suggest", "description")
    if after in ("description", "steps"):
        lines.append(turn.text("intake.suggest_or_answer"))
        lines.append(turn.text(f"intake.ask_{after}"))
    else:
        lines.append(turn.text("intake.suggest_outro"))
    choices.append(turn.choice("continue", "choice.continue"))
    turn.say_text("\n".join(lines), choices)


def _prompt_article(turn: Turn) -> None:
    article = turn.knowledge.get(turn.data.get("article", ""))
    if article is None:
        next_after_suggest(turn)
        return
    body = article.body.strip()
    if len(body) > EXCERPT_CHARS:
        body = body[:EXCERPT_CHARS].rsplit(" ", 1)[0] + " …"
    text = turn.text("intake.article", title=article.title, body=body)
    if article.url:
        text += "\n" + turn.text("intake.article_link", url=article.url)
    turn.say_text(
        text,
        [turn.choice("solved", "choice.solved"), turn.choice("continue", "choice.not_solved")],
    )


def _prompt_confirm(turn: Turn) -> None:
    draft = answers.draft(turn)
    if draft.get("urgent") and not draft.get("edited"):
        turn.say(
            "intake.urgent_summary",
            choices=[
                turn.choice("confirm", "choice.send_urgent"),
                turn.choice("edit", "choice.edit"),
                turn.choice("cancel", "choice.cancel"),
            ],
            subject=draft.get("subject", ""),
            description=draft.get("description", ""),
        )
        return
    none = turn.text("intake.none")
    text = turn.text(
        "intake.summary",
        subject=draft.get("subject", ""),
        description=draft.get("description", ""),
        steps=draft.get("steps", ""),
        error_message=draft.get("error_message") or none,
        attachments=", ".join(a["name"] for a in draft.get("attachments", [])) or none,
    )
    turn.say_text(
        text,
        [
            turn.choice("confirm", "choice.confirm"),
            turn.choice("edit", "choice.edit"),
            turn.choice("cancel", "choice.cancel"),
            turn.choice("urgent", "service.choice.site_down"),  # last: typed numbers stay
        ],
    )


def _prompt_edit(turn: Turn) -> None:
    choices = [turn.choice(ids.field(field), f"field.{field}") for field in validation.FIELDS]
    choices.append(turn.choice("back", "choice.back"))
    turn.say("intake.ask_edit", choices=choices)


def _prompt_edit_value(turn: Turn) -> None:
    field = turn.data.get("editing", "subject")
    current = answers.draft(turn).get(field) or turn.text("intake.none")
    choices = [turn.choice("skip", "choice.no_error")] if field == "error_message" else []
    choices.append(turn.choice("keep", "choice.keep"))
    turn.say(
        "intake.ask_new_value", choices=choices, current=current, **answers.field_names(turn, field)
    )


PROMPTS: dict[str, Callable[[Turn], None]] = {
    "subject": _prompt_subject,
    "suggest": _prompt_suggest,
    "article": _prompt_article,
    "description": _prompt_description,
    "steps": _prompt_steps,
    "error": _prompt_error,
    "confirm": _prompt_confirm,
    "edit": _prompt_edit,
    "edit_value": _prompt_edit_value,
}


def reprompt(turn: Turn) -> None:
    PROMPTS[turn.state](turn)


def next_after_suggest(turn: Turn) -> None:
    """Leave the articles for the question they were shown with."""
    ask(turn, turn.data.get("after_suggest", "description"))
