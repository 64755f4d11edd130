"""Every case of the labelled understanding set (tests/understanding_set.py) through the
engine, as a regression test: the customer's message after the conversation so far must
lead to the expected action, in English and Dutch."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from conftest import PG_URL
from understanding_set import CASES, HELD_OUT, Case, run, write_knowledge

from chatdesk.app import open_desk
from chatdesk.config import load_settings


@pytest.fixture(scope="module")
def shared_desk(tmp_path_factory):  # type: ignore[no-untyped-def]
    """One desk for the whole set (each case is a customer of its own): building a desk
    per case would run the migrations a few hundred times."""
    folder = tmp_path_factory.mktemp("understanding")
    url, admin, name = f"sqlite:///{folder / 'chatdesk.db'}", None, ""
    if PG_URL:
        name = f"t_{uuid.uuid4().hex[:16]}"
        admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = sa.engine.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    settings = load_settings(database_url=url, knowledge_dir=write_knowledge(folder / "kb"))
    desk = open_desk(settings)
    yield desk
    desk.database.dispose()
    if admin is not None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_the_set_is_large_and_bilingual():
    assert len(CASES) >= 150
    assert {case.lang for case in CASES} == {"en", "nl"}
    assert len({(c.setup, c.lang, c.message) for c in CASES}) == len(CASES)  # no duplicates


@pytest.mark.parametrize("case", CASES + HELD_OUT, ids=[c.name for c in CASES + HELD_OUT])
def test_case(shared_desk, case: Case):
    right, said = run(shared_desk, case, f"u-{uuid.uuid4().hex[:12]}")
    assert right, f"{case.expect} expected for {case.message!r}; the bot said:\n{said}"
