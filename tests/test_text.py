"""chatdesk.core.text: the one copy of each small text helper, and why its modes differ."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from chatdesk.core.text import clean, clip, display_name, one_line, printable, when

MOMENT = datetime(2026, 11, 24, 7, 30, tzinfo=UTC)  # a Tuesday; 08:30 in Amsterdam


def test_when_is_a_sortable_stamp_in_the_desks_time_zone() -> None:
    assert when(MOMENT, "Europe/Amsterdam") == "2026-11-24 08:30"
    assert when(MOMENT, ZoneInfo("America/New_York")) == "2026-11-24 02:30"


def test_when_with_a_language_speaks_it_from_the_catalogue() -> None:
    assert when(MOMENT, "Europe/Amsterdam", "en") == "Tuesday 24 November from 08:30"
    assert when(MOMENT, "Europe/Amsterdam", "nl") == "dinsdag 24 november vanaf 08:30"


def test_display_name_adds_the_username_when_there_is_one() -> None:
    assert display_name("Ann Customer", "ann") == "Ann Customer (@ann)"
    assert display_name("Ann Customer", None) == "Ann Customer"
    assert display_name("Ann Customer", "") == "Ann Customer"


def test_clip_marks_the_cut_and_keeps_short_text() -> None:
    assert clip("short", 10) == "short"
    assert clip("exactly10!", 10) == "exactly10!"
    assert clip("Export to Excel fails", 10) == "Export to…"
    assert len(clip("x" * 50, 10)) == 10


def test_clip_at_a_word_drops_the_broken_word_and_trailing_punctuation() -> None:
    cut = clip("Reset your password, then log in again", 24, at_word=True)
    assert cut == "Reset your password…"


def test_clip_keeping_the_end_keeps_a_file_names_extension() -> None:
    clipped = clip("a" * 40 + ".xlsx", 20, keep_end=6)
    assert clipped == "a" * 13 + "…" + "a.xlsx"
    assert len(clipped) == 20


def test_clean_drops_controls_but_keeps_line_breaks_by_default() -> None:
    assert clean("a\x00b\x1bc\td\ne\rf\x7f") == "abc\td\ne\rf"
    assert clean("no controls") == "no controls"
    assert clean("\u202eevil") == "\u202eevil"  # not a C0 control: a chat line may hold it


def test_clean_for_one_line_drops_tabs_and_line_breaks_too() -> None:
    assert clean("report\n.pdf\t\r", lines=False) == "report.pdf"


def test_clean_for_a_terminal_drops_every_other_character() -> None:
    # ESC, BEL, CR, a direction override and a zero-width space go; newline and tab stay
    assert clean("a\x1b[2Jb\x07c\nd\r\u202ee\u200bf\tg", terminal=True) == "a[2Jbc\ndef\tg"


def test_printable_shows_controls_and_direction_overrides_escaped() -> None:
    assert printable("a\x1b[31mred\nnext\tcol\u202eevil") == "a\\x1b[31mred\nnext\tcol\\u202eevil"
    assert printable(None) == "" and printable("") == ""


def test_one_line_flattens_and_clips() -> None:
    assert one_line("first\n  second\tthird") == "first second third"
    assert one_line("one two three four", 10) == "one two t…"
    assert one_line(None) == ""
