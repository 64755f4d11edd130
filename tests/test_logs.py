"""Log lines an operator can use: one per turn with ids, outcome and duration and never the
customer's words; JSON lines with CHATDESK_LOG_FORMAT=json; the level from the settings."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from chatdesk.events import InboundEvent
from chatdesk.ops import logs

SECRET_WORDS = "my password is hunter2-zebra"


@pytest.fixture
def root_logging() -> Iterator[None]:
    """logs.setup replaces the root logger's handlers: put pytest's back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def turn_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if "turn" in line and "chatdesk.engine" in line]


def test_every_turn_logs_one_line_with_ids_outcome_and_duration_but_not_the_text(
    desk, make_settings, kb_dir, capsys, root_logging
) -> None:
    logs.setup(make_settings(knowledge_dir=kb_dir))
    event = InboundEvent("test", "ann", "ann", text=SECRET_WORDS, event_id="evt-41")
    desk.handle(event)
    desk.handle(event)  # redelivered
    lines = turn_lines(capsys.readouterr().err)
    assert len(lines) == 2, lines
    assert "platform=test event=evt-41 outcome=answered" in lines[0]
    assert "outcome=redelivered" in lines[1]
    assert all(" ms=" in line for line in lines)
    assert not any("hunter2" in line or "password" in line for line in lines)


def test_json_lines_carry_the_turn_fields(desk, make_settings, kb_dir, capsys, root_logging):
    logs.setup(make_settings(knowledge_dir=kb_dir, log_format="json"))
    desk.handle(InboundEvent("test", "ann", "ann", text=SECRET_WORDS, event_id="evt-42"))
    # uvicorn adds a copy of its lines with terminal colours: not for a log collector (a
    # logger of our own stands in for uvicorn's, which earlier tests may have configured)
    logging.getLogger("chatdesk.tests").info("started", extra={"color_message": "\x1b[36mstarted"})
    err = capsys.readouterr().err
    records = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    turns = [r for r in records if r.get("logger") == "chatdesk.engine"]
    assert len(turns) == 1, err
    turn = turns[0]
    assert turn["level"] == "INFO" and turn["time"]
    assert (turn["platform"], turn["event_id"], turn["outcome"]) == ("test", "evt-42", "answered")
    assert isinstance(turn["duration_ms"], float)
    assert "hunter2" not in err
    started = next(r for r in records if r.get("logger") == "chatdesk.tests")
    assert started["message"] == "started" and "color_message" not in started


def test_the_level_setting_silences_turn_lines(desk, make_settings, kb_dir, capsys, root_logging):
    logs.setup(make_settings(knowledge_dir=kb_dir, log_level="WARNING"))
    desk.handle(InboundEvent("test", "ann", "ann", text="help", event_id="evt-43"))
    assert turn_lines(capsys.readouterr().err) == []


def test_a_bad_log_format_stops_start_up_with_one_line(monkeypatch, capsys) -> None:
    from chatdesk.cli.main import main

    monkeypatch.setenv("CHATDESK_LOG_FORMAT", "xml")
    assert main(["stats"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "CHATDESK_LOG_FORMAT" in err
