"""Engine turns per second for complete intakes on SQLite.

Each simulated customer runs one whole intake (subject, suggestions, description, steps,
error message, confirm) through ``Desk.handle`` on a real SQLite file with the bundled
knowledge base, so every turn pays for its transaction, its row locks and its search. The
customers do not all say the same thing: each takes one of the cases below (English and
Dutch, about the problems the knowledge base covers and some it does not), with a month, a
browser or a number that changes from customer to customer, so no cache of a text can make
a run look faster than the bot would be. Where suggestions are shown, two customers in three
press "continue" and the third answers the next question at once, as the prompt allows.

The baseline in the same run is the floor of the storage alone: the same number of
SQLAlchemy transactions that each insert one row, on the same kind of file.

Run by hand: ``.venv/bin/python benchmarks/engine_turns.py [--customers 200]``; by default it
runs with the search by words alone and then with the meaning model (``--model`` picks one).
It prints a table; compare the ratio, not the absolute figures (these machines are shared
and noisy).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from chatdesk.app import open_desk  # noqa: E402
from chatdesk.config import load_settings  # noqa: E402
from chatdesk.events import InboundEvent  # noqa: E402
from chatdesk.store.db import Database  # noqa: E402

MODELS = ("none", "use-multilingual-v3")

# One case a paragraph: "language | subject", the description, the steps, the error message
# ("-": the customer skips it). "{v}" takes a value of VARIANTS by customer, so the same case
# is seldom the same text.
CASES_TEXT = """
en | Export to Excel fails on the {v} report
The export spinner keeps turning and no file is ever downloaded to my computer.
Reports > Monthly > choose {v} > Export to Excel
-

en | I cannot log in since this morning
The login page says my password is wrong, but I typed it carefully in {v}.
Open the portal, type my e-mail and password, press Sign in
Invalid credentials

en | My account is locked
After a few tries the account was locked and I need it for the {v} planning.
Tried to log in three times with my old password
Account locked, try again later

en | Password reset mail never arrives
I asked for a new password twice but no reset e-mail came, not even in spam ({v}).
Login page > Forgot password > entered my work address > Send
-

en | Lost my phone with the authenticator app
My phone was stolen in {v} and now I cannot get the two-factor code to sign in.
Sign in with password, then the app asks for the six digit code
-

en | The application is very slow today
Every page takes twenty seconds or more to open, colleagues in {v} see it too.
Open the dashboard, click on any customer, wait for the page
-

en | Printing an invoice gives a blank PDF
When I print invoice {v} the PDF opens but every page is empty.
Invoices > select the invoice > Print > Save as PDF
PDF render error 500

en | Blank page in {v} after the update
Since yesterday's update the main screen stays white in my browser.
Open the app in the browser, log in, the page stays blank
-

en | Notification e-mails stopped coming
I no longer get e-mails when a ticket changes, the last one came in {v}.
Changed a ticket status and waited an hour for the e-mail
-

en | Import of the customer list fails
Importing our CSV file with {v} rows stops halfway without saying why.
Settings > Import > choose customers.csv > Start import
Import aborted at row 512

en | How do I add a screenshot to my ticket
I want to send a screenshot of the error in {v} but I cannot find where to attach it.
Opened my ticket and looked for an attach button
-

en | Share a ticket with my colleague
My colleague from {v} should follow this ticket too, how can I share it with him?
Opened the ticket and looked in the menu for sharing
-

en | Please delete my personal data
I left the company in {v} and want all my personal data removed from your system.
Looked in my profile settings for a delete option
-

en | Request: dark mode for the dashboard
Our team works late and would like a dark theme, we asked in {v} already.
Looked in Settings > Appearance, only light theme exists
-

en | Reopen my solved ticket about invoices
The ticket was marked solved in {v} but the invoice totals are still wrong.
Opened the invoice list and compared totals with last month
-

en | The calendar sync with Outlook duplicates events
Every meeting appears twice in Outlook since {v}, also old ones.
Connect calendar > Outlook > sync now, then open Outlook
Duplicate event id

en | Wrong VAT rate on my invoices
The invoices of {v} show 19 percent VAT but it should be 21 percent.
Invoices > open any invoice of this month > look at the VAT line
-

en | Mobile app crashes when opening a photo
The app closes immediately when I tap a photo in a report, phone updated in {v}.
Open the app, go to Reports, tap the first photo
App stopped unexpectedly

en | Can not upload attachment bigger than 5 MB
Uploading the log file of {v} fails at 80 percent every time.
Ticket > Add attachment > choose the zip file > Upload
413 Request Entity Too Large

en | Where can I see the status of my tickets
I sent three tickets in {v} and want to know which of them are still open.
Looked on the home page and in my profile
-

en | Dashboard charts show no data
The sales charts are empty for {v} although we entered orders every day.
Dashboard > Sales > choose the month > charts stay empty
-

en | Two-factor code is always rejected
The code from my authenticator is refused, the clock on my phone is right ({v}).
Sign in, type the six digits from the app, press Verify
Invalid verification code

nl | Exporteren naar Excel mislukt bij het rapport van {v}
De export blijft laden en er wordt nooit een bestand gedownload naar mijn computer.
Rapporten > Maandelijks > kies {v} > Exporteren naar Excel
-

nl | Ik kan niet inloggen sinds vanochtend
De inlogpagina zegt dat mijn wachtwoord fout is, maar ik typte het goed in {v}.
Portaal openen, e-mail en wachtwoord invullen, op Inloggen drukken
Ongeldige inloggegevens

nl | Mijn account is geblokkeerd
Na een paar pogingen is mijn account geblokkeerd en ik heb het nodig voor {v}.
Drie keer geprobeerd in te loggen met mijn oude wachtwoord
-

nl | Wachtwoord vergeten en geen mail ontvangen
Ik heb twee keer een nieuw wachtwoord aangevraagd maar kreeg geen e-mail ({v}).
Inlogpagina > Wachtwoord vergeten > werkadres ingevuld > Versturen
-

nl | De applicatie is erg traag
Elke pagina doet er meer dan twintig seconden over, collega's in {v} merken het ook.
Dashboard openen, op een klant klikken, wachten op de pagina
-

nl | Factuur afdrukken geeft een lege pdf
Als ik factuur {v} afdruk opent de pdf maar elke pagina is leeg.
Facturen > factuur kiezen > Afdrukken > Opslaan als pdf
Fout 500 bij het maken

nl | Lege pagina in {v} na de update
Sinds de update van gisteren blijft het hoofdscherm wit in mijn browser.
De app in de browser openen, inloggen, de pagina blijft leeg
-

nl | Ik krijg geen e-mails meer bij wijzigingen
Ik krijg geen bericht meer als een ticket verandert, de laatste kwam in {v}.
Status van een ticket gewijzigd en een uur gewacht op de mail
-

nl | Importeren van de klantenlijst mislukt
Het importeren van ons csv-bestand met {v} regels stopt halverwege zonder melding.
Instellingen > Importeren > klanten.csv kiezen > Import starten
Import afgebroken

nl | Schermafbeelding toevoegen aan mijn ticket
Ik wil een schermafbeelding van de fout in {v} sturen maar vind de knop niet.
Mijn ticket geopend en gezocht naar een knop om te bijvoegen
-

nl | Verzoek om mijn gegevens te verwijderen
Ik ben in {v} vertrokken bij het bedrijf en wil dat al mijn gegevens weg zijn.
In mijn profiel gezocht naar een optie om te verwijderen
-

nl | Verkeerd btw-tarief op mijn facturen
De facturen van {v} tonen 9 procent btw maar het moet 21 procent zijn.
Facturen > een factuur van deze maand openen > naar de btw-regel kijken
-

nl | Telefoon kwijt met de authenticator app
Mijn telefoon is in {v} gestolen en nu krijg ik de code voor tweestapsverificatie niet.
Inloggen met wachtwoord, dan vraagt de app om de zescijferige code
-

nl | Agenda synchronisatie met Outlook maakt dubbele afspraken
Elke afspraak staat sinds {v} twee keer in Outlook, ook de oude.
Agenda koppelen > Outlook > nu synchroniseren, dan Outlook openen
-
"""


def _cases(text: str) -> list[tuple[str, str, str, str, str]]:
    """CASES_TEXT as (language, subject, description, steps, error or "")."""
    found = []
    for paragraph in text.strip().split("\n\n"):
        head, description, steps, error = paragraph.splitlines()
        lang, subject = (part.strip() for part in head.split("|", 1))
        found.append((lang, subject, description, steps, "" if error == "-" else error))
    return found


CASES = _cases(CASES_TEXT)
VARIANTS = {
    "en": ["January", "March", "June", "October", "Chrome", "Firefox", "Berlin", "4711"],
    "nl": ["januari", "maart", "juni", "oktober", "Chrome", "Edge", "Utrecht", "2024-118"],
}


@dataclass(frozen=True)
class Customer:
    user: str
    lang: str
    answers: tuple[str, ...]  # subject, description, steps, then the error (or "" to skip)
    presses_continue: bool  # False: answers the next question over shown suggestions


def customer(n: int) -> Customer:
    """The n-th customer: a case and a variant, deterministic."""
    lang, *lines = CASES[n % len(CASES)]
    variants = VARIANTS[lang]
    value = variants[(n // len(CASES) + n) % len(variants)]
    subject, description, steps, error = (line.format(v=value) if line else "" for line in lines)
    return Customer(f"user{n}", lang, (subject, description, steps, error), n % 3 != 2)


@dataclass
class Run:
    turns: int
    elapsed: float  # seconds inside Desk.handle
    cpu: float  # process CPU seconds inside Desk.handle
    latencies: list[float]
    tickets: int


class Conversations:
    """Reads a customer's state between turns (outside the timing), to answer like one."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path)

    def state(self, user: str) -> str:
        row = self.db.execute(
            "SELECT state FROM conversations WHERE platform='bench' AND user_id=?", (user,)
        ).fetchone()
        return row[0] if row else "idle"


def run_intakes(customers: int, folder: Path, model: str, through_outbox: bool) -> Run:
    os.environ["CHATDESK_SEARCH_MODEL"] = model
    path = folder / "engine.db"
    settings = load_settings(database_url=f"sqlite:///{path}")
    desk = open_desk(settings)
    if through_outbox:  # as under `chatdesk serve`: the answers become outbox rows of the turn
        desk.outbox_platforms.add("bench")
    states = Conversations(path)
    run = Run(0, 0.0, 0.0, [], 0)

    def say(who: Customer, line: str = "", choice: str | None = None) -> None:
        event = InboundEvent(
            "bench",
            who.user,
            who.user,
            text=line,
            choice=choice,
            event_id=f"{who.user}-{run.turns}",
            locale=who.lang,
        )
        t0, c0 = time.perf_counter(), time.process_time()
        desk.handle(event)
        run.latencies.append(time.perf_counter() - t0)
        run.cpu += time.process_time() - c0
        run.turns += 1

    for n in range(customers):
        who = customer(n)
        say(who, "new")
        subject, description, steps, error = who.answers
        for line in (subject, description, steps):
            if states.state(who.user) == "suggest" and who.presses_continue:
                say(who, choice="continue")
            say(who, line)
        if states.state(who.user) == "suggest":
            say(who, choice="continue")
        say(who, error) if error else say(who, choice="skip")
        say(who, choice="confirm")
    run.elapsed = sum(run.latencies)
    run.tickets = states.db.execute("SELECT count(*) FROM tickets").fetchone()[0]
    states.db.close()
    desk.database.dispose()
    return run


def run_baseline(transactions: int, folder: Path) -> float:
    database = Database(f"sqlite:///{folder / 'baseline.db'}")
    with database.session() as session:
        session.execute(text("CREATE TABLE rows (id INTEGER PRIMARY KEY, body TEXT)"))
    started = time.perf_counter()
    for n in range(transactions):
        with database.session() as session:
            session.execute(text("INSERT INTO rows (body) VALUES (:b)"), {"b": f"turn {n}"})
    elapsed = time.perf_counter() - started
    database.dispose()
    return elapsed


def measure(args: argparse.Namespace, model: str) -> None:
    runs: list[tuple[Run, float]] = []
    for _ in range(args.rounds):  # best of N: the machine is shared, noise only slows
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            run = run_intakes(args.customers, folder, model, args.outbox)
            runs.append((run, run_baseline(run.turns, folder)))
    best = min((run for run, _ in runs), key=lambda run: run.elapsed)
    baseline = min(floor for _, floor in runs)
    turns = best.turns
    ours, floor = turns / best.elapsed, turns / baseline
    latencies = sorted(best.latencies)
    p95 = latencies[int(len(latencies) * 0.95)]
    cpu = min(run.cpu for run, _ in runs)
    print(
        f"engine turns on SQLite, search model {model}: {args.customers} complete intakes "
        f"({best.tickets} tickets), {turns} turns, best of {args.rounds} rounds"
        + (", answers written to the outbox" if args.outbox else "")
    )
    print()
    print(f"{'measure':<34}{'chatdesk':>12}{'baseline':>12}{'ratio':>8}")
    print(f"{'turns (transactions) per second':<34}{ours:>12.0f}{floor:>12.0f}{ours / floor:>8.2f}")
    print(
        f"{'median turn latency (ms)':<34}{statistics.median(latencies) * 1000:>12.2f}"
        f"{baseline / turns * 1000:>12.2f}"
    )
    print(f"{'p95 turn latency (ms)':<34}{p95 * 1000:>12.2f}{'':>12}")
    print(f"{'CPU per turn (ms, this process)':<34}{cpu / turns * 1000:>12.2f}{'':>12}")
    print()
    print("baseline: one SQLAlchemy transaction inserting one row per turn (storage floor).")
    print(f"target: at least 1000 turns per second -> {'met' if ours >= 1000 else 'NOT met'}")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3, help="best of this many rounds")
    parser.add_argument(
        "--model",
        choices=("both", *MODELS),
        default="both",
        help="the search model (CHATDESK_SEARCH_MODEL); both: words alone, then with meaning",
    )
    parser.add_argument(
        "--outbox",
        action="store_true",
        help="write each turn's answers to the outbox, as `chatdesk serve` does",
    )
    args = parser.parse_args()
    for model in MODELS if args.model == "both" else (args.model,):
        measure(args, model)


if __name__ == "__main__":
    main()
