"""Issue 12 on Slack: what a customer types in the DM is read as what they mean (the open
question's option before any command word; a status question shows the status), through
the real slack-bolt, chatdesk's server and the stand-in Web API."""

from __future__ import annotations

import test_slack_channel as channel_tests
from test_slack_channel import ANN, Slack

from chatdesk.core.i18n import t

# the running Slack of test_slack_channel: its stand-in, settings and server
standin = channel_tests.standin
slack_settings = channel_tests.slack_settings
slack = channel_tests.slack


def test_new_problem_typed_at_the_open_question_keeps_the_first_message(slack: Slack) -> None:
    reference, _ = slack.open_ticket(ANN, "Export to Excel fails every time")
    slack.say(ANN, "close button does nothing", until=t("pick.which_comment", "en"))
    posts = slack.say(ANN, "its a new problem", until=t("intake.ask_description", "en"))
    shown = "\n".join(p.shown for p in posts)
    assert "choose one of the options" not in shown
    status = slack.say(ANN, "is there an update?", until=reference)
    assert any(p.shown.startswith(f"{reference}: ") for p in status)
