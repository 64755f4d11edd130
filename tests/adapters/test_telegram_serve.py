"""`chatdesk serve` as a real process: the entry point starts the Telegram bot, answers on
the stand-in Bot API, serves /healthz (and the webhook), and stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from chatdesk.core.i18n import t

from telegram_harness import WEBHOOK_SECRET  # isort: skip
from telegram_standin import BotApiStandIn, TgUser, Updates  # isort: skip

ANN = TgUser(4201, "Ann")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def api() -> Iterator[BotApiStandIn]:
    with BotApiStandIn() as api:
        yield api


def serve(env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("CHATDESK_")}
    full.update(env)
    return subprocess.Popen(
        [sys.executable, "-m", "chatdesk", "serve"],
        env=full,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_healthy(url: str, process: subprocess.Popen[str], timeout: float = 90) -> dict:
    # Start-up loads the search model (seconds of CPU): on a busy machine that took 30 s.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"chatdesk serve exited: {process.stdout.read()}")  # type: ignore[union-attr]
        try:
            return httpx.get(url + "/healthz", timeout=2).json()
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("chatdesk serve did not answer /healthz")


def stop(process: subprocess.Popen[str]) -> str:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.stdout.read() if process.stdout else ""  # type: ignore[union-attr]


@pytest.mark.parametrize("mode", ["polling", "webhook"])
def test_chatdesk_serve_runs_the_telegram_bot(
    mode: str, api: BotApiStandIn, database_url: str, kb_dir: Path, tmp_path: Path
) -> None:
    port = free_port()
    env = {
        "CHATDESK_DATABASE_URL": database_url,
        "CHATDESK_KNOWLEDGE_DIR": str(kb_dir),
        "CHATDESK_HTTP_HOST": "127.0.0.1",
        "CHATDESK_HTTP_PORT": str(port),
        "CHATDESK_TELEGRAM_TOKEN": api.token,
        "CHATDESK_TELEGRAM_API_URL": api.base_url,
    }
    if mode == "webhook":
        env["CHATDESK_TELEGRAM_WEBHOOK_URL"] = "https://desk.example.org/telegram/webhook"
        env["CHATDESK_TELEGRAM_WEBHOOK_SECRET"] = WEBHOOK_SECRET
    url = f"http://127.0.0.1:{port}"
    update = Updates().message(ANN, "/new")
    process = serve(env, tmp_path)
    try:
        assert wait_healthy(url, process)["channels"] == ["telegram"]
        if mode == "polling":
            api.wait_for("getUpdates", ok_only=False)
            api.push_update(update)
        else:
            api.wait_for("setWebhook")
            headers = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
            post = httpx.post(url + "/telegram/webhook", json=update, headers=headers)
            assert post.status_code == 200
        [sent] = api.wait_for("sendMessage")
        assert sent.shown_text == t("intake.ask_subject", "en")
    finally:
        output = stop(process)
    assert process.returncode == 0, output
    assert api.token not in output
    if mode == "polling":  # on SIGTERM the poller confirmed the offset: no redelivery later
        last = api.calls_to("getUpdates")[-1]
        assert int(last.params["offset"]) == update["update_id"] + 1
        assert api.pending_updates() == []


def test_a_webhook_without_a_secret_stops_start_up_with_one_line(
    api: BotApiStandIn, database_url: str, kb_dir: Path, tmp_path: Path
) -> None:
    env = {
        "CHATDESK_DATABASE_URL": database_url,
        "CHATDESK_KNOWLEDGE_DIR": str(kb_dir),
        "CHATDESK_HTTP_PORT": str(free_port()),
        "CHATDESK_TELEGRAM_TOKEN": api.token,
        "CHATDESK_TELEGRAM_API_URL": api.base_url,
        "CHATDESK_TELEGRAM_WEBHOOK_URL": "https://desk.example.org/telegram/webhook",
    }
    process = serve(env, tmp_path)
    try:
        process.wait(timeout=60)
    finally:
        output = stop(process)
    assert process.returncode == 2
    assert (
        output.strip()
        .splitlines()[-1]
        .startswith("chatdesk: CHATDESK_TELEGRAM_WEBHOOK_SECRET: must be set")
    )
    assert api.calls == []  # nothing was sent to Telegram


def test_a_token_the_bot_api_rejects_stops_start_up_with_one_line_without_the_token(
    api: BotApiStandIn, database_url: str, kb_dir: Path, tmp_path: Path
) -> None:
    wrong = "987654321:AAHwrongWRONGwrongWRONGwrongWRONG42"  # the stand-in answers 401 to it
    env = {
        "CHATDESK_DATABASE_URL": database_url,
        "CHATDESK_KNOWLEDGE_DIR": str(kb_dir),
        "CHATDESK_HTTP_HOST": "127.0.0.1",
        "CHATDESK_HTTP_PORT": str(free_port()),
        "CHATDESK_TELEGRAM_TOKEN": wrong,
        "CHATDESK_TELEGRAM_API_URL": api.base_url,
    }
    process = serve(env, tmp_path)
    try:
        process.wait(timeout=60)
    finally:
        output = stop(process)
    assert process.returncode == 2, output
    last = output.strip().splitlines()[-1]
    assert last.startswith("chatdesk: CHATDESK_TELEGRAM_TOKEN: rejected by the Bot API at "), output
    assert "CHATDESK_TELEGRAM_API_URL" in last
    assert wrong not in output
    assert wrong.split(":")[1] not in output
    assert "Traceback" not in output


def _start_up_error(env: dict[str, str], cwd: Path) -> tuple[int, str]:
    process = serve(env, cwd)
    try:
        process.wait(timeout=90)
    finally:
        output = stop(process)
    return process.returncode, output


def test_a_port_in_use_stops_start_up_with_one_line_before_any_channel_starts(
    api: BotApiStandIn, database_url: str, kb_dir: Path, tmp_path: Path
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        env = {
            "CHATDESK_DATABASE_URL": database_url,
            "CHATDESK_KNOWLEDGE_DIR": str(kb_dir),
            "CHATDESK_HTTP_PORT": str(taken.getsockname()[1]),
            "CHATDESK_TELEGRAM_TOKEN": api.token,
            "CHATDESK_TELEGRAM_API_URL": api.base_url,
        }
        code, output = _start_up_error(env, tmp_path)
    assert code == 2
    assert output.strip().splitlines()[-1].startswith("chatdesk: CHATDESK_HTTP_PORT: cannot listen")
    assert "Traceback" not in output
    assert api.calls == []  # Telegram was never asked anything


def test_an_unreachable_bot_api_stops_start_up_with_one_line_naming_its_setting(
    database_url: str, kb_dir: Path, tmp_path: Path
) -> None:
    env = {
        "CHATDESK_DATABASE_URL": database_url,
        "CHATDESK_KNOWLEDGE_DIR": str(kb_dir),
        "CHATDESK_HTTP_PORT": str(free_port()),
        "CHATDESK_TELEGRAM_TOKEN": "123456:stand-in-token",
        "CHATDESK_TELEGRAM_API_URL": f"http://127.0.0.1:{free_port()}/bot",  # nobody there
    }
    code, output = _start_up_error(env, tmp_path)
    assert code == 2
    last = output.strip().splitlines()[-1]
    assert last.startswith("chatdesk: CHATDESK_TELEGRAM_API_URL: telegram could not start")
    assert "Traceback" not in output and "stand-in-token" not in output


@pytest.mark.parametrize(
    ("given", "missing"),
    [
        ("CHATDESK_SLACK_BOT_TOKEN", "CHATDESK_SLACK_SIGNING_SECRET"),
        ("CHATDESK_SLACK_SIGNING_SECRET", "CHATDESK_SLACK_BOT_TOKEN"),
        ("CHATDESK_SLACK_APP_TOKEN", "CHATDESK_SLACK_BOT_TOKEN"),
    ],
)
def test_half_a_slack_configuration_stops_start_up_with_one_line(
    database_url: str, kb_dir: Path, tmp_path: Path, given: str, missing: str
) -> None:
    env = {
        "CHATDESK_DATABASE_URL": database_url,
        "CHATDESK_KNOWLEDGE_DIR": str(kb_dir),
        "CHATDESK_HTTP_PORT": str(free_port()),
        given: "xoxb-or-secret-stand-in",
    }
    code, output = _start_up_error(env, tmp_path)
    assert code == 2
    assert output.strip().splitlines()[-1].startswith(f"chatdesk: {missing}: must be set")
    assert "xoxb-or-secret-stand-in" not in output


def test_an_agents_chat_that_does_not_exist_stops_start_up_with_one_line(
    api: BotApiStandIn, database_url: str, kb_dir: Path, tmp_path: Path
) -> None:
    env = {
        "CHATDESK_DATABASE_URL": database_url,
        "CHATDESK_KNOWLEDGE_DIR": str(kb_dir),
        "CHATDESK_HTTP_PORT": str(free_port()),
        "CHATDESK_TELEGRAM_TOKEN": api.token,
        "CHATDESK_TELEGRAM_API_URL": api.base_url,
        "CHATDESK_TELEGRAM_AGENT_CHAT": "notanumber",
    }
    code, output = _start_up_error(env, tmp_path)
    assert code == 2, output
    last = output.strip().splitlines()[-1]
    assert last.startswith(
        "chatdesk: CHATDESK_TELEGRAM_AGENT_CHAT: the bot cannot reach the chat 'notanumber' "
        "(Telegram: Chat not found)"
    ), output
    assert "Traceback" not in output
    assert not api.calls_to("sendMessage") and not api.calls_to("getUpdates")  # nothing posted


AGENT_CHATS = [
    # (chat id, how the stand-in knows it, the reason in the one line)
    ("-100404", "missing", "cannot reach the chat '-100404' (Telegram: Chat not found)"),
    ("-100405", "left", "cannot post in '-100405': it is not a member (left)"),
    ("-100406", "kicked", "cannot post in '-100406': it is not a member (kicked)"),
    ("-100407", "channel member", "in a channel the bot must be an administrator"),
    ("-100408", "member", None),
    ("-100409", "channel administrator", None),
]


@pytest.mark.parametrize(("chat", "state", "reason"), AGENT_CHATS, ids=[c[1] for c in AGENT_CHATS])
def test_the_agents_chat_is_checked_with_getchat_and_the_bots_own_membership(
    api: BotApiStandIn, chat: str, state: str, reason: str | None
) -> None:
    import asyncio

    from telegram import Bot

    from chatdesk.adapters.telegram.agentcheck import check_agent_chat
    from chatdesk.config import SettingsError
    from telegram_standin import BOT_ID  # isort: skip

    if state == "missing":
        api.missing_chats.add(int(chat))
    elif state.startswith("channel"):
        api.channels.add(int(chat))
    status = state.removeprefix("channel ")
    if status != "missing":
        api.set_member(int(chat), BOT_ID, status)

    async def check() -> None:
        async with Bot(api.token, base_url=api.base_url) as bot:
            await check_agent_chat(bot, chat)

    if reason is None:
        asyncio.run(check())
        return
    with pytest.raises(SettingsError) as raised:
        asyncio.run(check())
    assert str(raised.value).startswith("CHATDESK_TELEGRAM_AGENT_CHAT: ")
    assert reason in str(raised.value)
    assert "\n" not in str(raised.value)
    assert not api.calls_to("sendMessage")
