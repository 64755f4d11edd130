"""Splitting a report pasted at once into the intake's fields.

Some customers paste everything in their first message: a first line that reads like a
title, a paragraph, numbered steps, an error text or a stack trace, sometimes with labels
("Steps:", "Foutmelding:"). Asking for each field again would waste their time, so the
message is split and the intake asks only for what is missing.

Labelled sections win; otherwise the first line is the subject (when it is short and more
follows), list items are the steps, lines that look like an error text (an exception name,
a traceback, an HTTP status, quoted text) are the error message, and the rest describes.
"""

from __future__ import annotations

import re

from chatdesk.core import validation
from chatdesk.core.lexicon import normalise

LABELS: dict[str, tuple[str, ...]] = {
    "subject": ("subject", "title", "summary", "onderwerp", "titel"),
    "description": (
        "description",
        "what happens",
        "what happened",
        "problem",
        "issue",
        "details",
        "beschrijving",
        "omschrijving",
        "probleem",
        "wat er gebeurt",
        "wat gebeurt er",
    ),
    "steps": (
        "steps",
        "steps to reproduce",
        "to reproduce",
        "how to reproduce",
        "reproduce",
        "what i did",
        "stappen",
        "stappen om te reproduceren",
        "reproduceren",
        "wat ik deed",
    ),
    "error_message": (
        "error",
        "error message",
        "error text",
        "exception",
        "message",
        "fout",
        "foutmelding",
        "melding",
        "fouttekst",
    ),
}
_LABEL = {phrase: field for field, phrases in LABELS.items() for phrase in phrases}
_LABELLED = re.compile(r"^\s*([A-Za-z][A-Za-z ]{1,30}?)\s*[:：]\s*(.*)$")
_LIST_ITEM = re.compile(r"^\s*(?:\d{1,2}[.)]|[-*•]|step \d+:?|stap \d+:?)\s+", re.IGNORECASE)
_ERROR_LINE = re.compile(
    r"Traceback \(most recent call last\)|\b\w*(?:Error|Exception)\b\s*[:(]|^\s+at \S+\(|"
    r"^\s*File \"|\bHTTP (?:status )?[45]\d\d\b|\b[45]\d\d (?:Internal|Not Found|Bad |Forbidden|"
    r"Service|Gateway)|\bERR_[A-Z_]+|^\s*[\"“'].{3,}[\"”']\s*$|\berror code\b|\bfoutcode\b",
    re.IGNORECASE,
)


def _label(line: str) -> tuple[str, str] | None:
    match = _LABELLED.match(line)
    if match is None:
        return None
    field = _LABEL.get(normalise(match.group(1)))
    return (field, match.group(2)) if field else None


def _sections(lines: list[str]) -> dict[str, list[str]]:
    """Lines per field: labelled sections, then the unlabelled lines by their look."""
    found: dict[str, list[str]] = {}
    current: str | None = None
    loose: list[str] = []
    for line in lines:
        labelled = _label(line)
        if labelled is not None:
            current, rest = labelled
            found.setdefault(current, [])
            if rest.strip():
                found[current].append(rest)
        elif current is not None:
            found[current].append(line)
        else:
            loose.append(line)
    content = [line for line in loose if line.strip()]
    if content and "subject" not in found and len(content[0].strip()) <= 150 and len(lines) > 1:
        found["subject"] = [content[0]]
        content = content[1:]
    for line in content:
        if _LIST_ITEM.match(line):
            field = "steps"
        elif _ERROR_LINE.search(line):
            field = "error_message"
        else:
            field = "description"
        found.setdefault(field, []).append(line)
    return found


def split(text: str, max_text_length: int) -> dict[str, str] | None:
    """The fields of a full report in ``text``, or None when it is not one.

    A full report has a subject, a description and steps or an error text, each a good
    answer for its field; a field that fails its check is left out (the intake asks for
    it).
    """
    lines = text.strip().splitlines()
    if len(lines) < 3:
        return None
    sections = _sections(lines)
    fields = {
        field: "\n".join(part.rstrip() for part in parts).strip()
        for field, parts in sections.items()
    }
    fields = {
        field: value
        for field, value in fields.items()
        if value and validation.problem(field, value, max_text_length) is None
    }
    if "subject" not in fields or "description" not in fields:
        return None
    if "steps" not in fields and "error_message" not in fields:
        return None
    return fields
