"""Who is an agent: the members of the agents' channel, read page by page and kept a while.

A clock the test moves stands in for ``time.monotonic``; the Web API is the stand-in's.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient

from slack_standin import AGENT_CHANNEL, BOT_TOKEN, SlackStandin  # isort: skip

from chatdesk.adapters.slack.directory import (
    MEMBERS_RECHECK_SECONDS,
    MEMBERS_TTL_SECONDS,
    SlackDirectory,
)


class Ticks:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def standin() -> Iterator[SlackStandin]:
    with SlackStandin() as running:
        running.add_member(AGENT_CHANNEL, "U01", "U02", "U03", "U0SAM", "U05")
        running.add_user("U0SAM", "sam", email="sam@example.com")
        yield running


@pytest.fixture
def ticks() -> Ticks:
    return Ticks()


@pytest.fixture
def directory(standin: SlackStandin, ticks: Ticks) -> SlackDirectory:
    return SlackDirectory(WebClient(token=BOT_TOKEN, base_url=standin.base_url), monotonic=ticks)


def test_members_are_read_across_pages_and_kept(
    directory: SlackDirectory, standin: SlackStandin
) -> None:
    assert directory.is_member(AGENT_CHANNEL, "U05")  # on the third page of two
    assert len(standin.calls_to("conversations.members")) == 3
    assert directory.is_member(AGENT_CHANNEL, "U0SAM")
    assert len(standin.calls_to("conversations.members")) == 3, "kept, not asked again"


def test_a_newcomer_is_recognised_after_a_short_while_and_a_leaver_after_the_ttl(
    directory: SlackDirectory, standin: SlackStandin, ticks: Ticks
) -> None:
    assert not directory.is_member(AGENT_CHANNEL, "U0NEW")
    calls = len(standin.calls_to("conversations.members"))
    standin.add_member(AGENT_CHANNEL, "U0NEW")
    assert not directory.is_member(AGENT_CHANNEL, "U0NEW"), "within the recheck interval"
    assert len(standin.calls_to("conversations.members")) == calls
    ticks.now += MEMBERS_RECHECK_SECONDS + 1
    assert directory.is_member(AGENT_CHANNEL, "U0NEW")

    standin.remove_member(AGENT_CHANNEL, "U0SAM")
    assert directory.is_member(AGENT_CHANNEL, "U0SAM"), "a member stays one for the ttl"
    ticks.now += MEMBERS_TTL_SECONDS + 1
    assert not directory.is_member(AGENT_CHANNEL, "U0SAM")


def test_when_slack_cannot_say_the_last_known_list_counts(
    directory: SlackDirectory, standin: SlackStandin, ticks: Ticks
) -> None:
    assert directory.is_member(AGENT_CHANNEL, "U0SAM")
    ticks.now += MEMBERS_TTL_SECONDS + 1
    standin.fail_next("conversations.members", status=200, error="internal_error")
    assert directory.is_member(AGENT_CHANNEL, "U0SAM")
    standin.fail_next("conversations.members", status=200, error="channel_not_found")
    assert not directory.is_member("C0UNKNOWN", "U0SAM"), "never known: nobody is a member"


def test_the_speaker_carries_the_profiles_email(directory: SlackDirectory) -> None:
    assert directory.speaker("U0SAM").email == "sam@example.com"
