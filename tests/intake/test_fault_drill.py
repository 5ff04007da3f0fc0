"""Fault drill: DynamoDB Local killed (SIGKILL) and restarted twice while 8 clients send 500
renewal requests to the local server over HTTP. No 2xx without its whole lead, no half-written
lead, and a customer who tries again after a 503 ends up with exactly one lead.

One exception is DynamoDB Local's, not the app's, and is allowed here only where it is proven:
DynamoDB Local 3.3.0 answers TransactWriteItems a few milliseconds before the write is on disk
(PutItem and UpdateItem it answers after), so a SIGKILL right after its answer loses a write it
acknowledged; DynamoDB itself is durable once it answers. A lead missing after a 2xx passes only
if the app's own client saw DynamoDB Local acknowledge its transaction within ``ACK_LAG`` before
a SIGKILL; these are counted and printed.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import pytest

from renewdesk import devserver, localdb
from renewdesk.app import create_app
from renewdesk.store.dynamo import from_item
from renewdesk.wiring import Services

CUSTOMERS = 500
CLIENTS = 8
# SIGKILL DynamoDB Local once this many first attempts have been answered, and again later.
KILL_AFTER = (120, 320)
DOWN_SECONDS = 0.5
RETRY_PAUSE = 0.2
DRILL_SECONDS = 150  # a bound for the whole drill, never reached when it works
# Measured here: acknowledged transactions lost when killed 1-20 ms after the answer, once 125 ms
# on a loaded machine, never after 100 ms when idle. A generous bound: the check stays exact.
ACK_LAG = 1.0


def customer(i: int) -> dict:
    """The i-th car owner: their own phone and plate, so each one is a new lead."""
    return {
        "name": f"张{'伟芳娜强磊'[i % 5]}",
        "phone": f"139{i:08d}",
        "plate": f"粤B{i:05d}",
        "consent": True,
    }


@dataclass
class Answer:
    """One HTTP answer to one customer's request."""

    number: int
    attempt: int  # 1 is the customer's first try
    status: int
    body: dict
    at: float = field(default_factory=time.monotonic)


@dataclass
class Drill:
    """The answers of every client thread, and how many first attempts have been answered."""

    answers: list[Answer] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    first_answered: int = 0
    problems: list[str] = field(default_factory=list)

    def record(self, answer: Answer) -> None:
        with self.lock:
            self.answers.append(answer)
            self.first_answered += answer.attempt == 1


class Acks:
    """When DynamoDB Local answered each lead's transaction, on the app's own boto3 client (its
    ClientRequestToken is the lead id); only observed, nothing changed."""

    def __init__(self, client):
        self.at: dict[str, float] = {}
        client.meta.events.register(
            "provide-client-params.dynamodb.TransactWriteItems", self._sending
        )
        client.meta.events.register("after-call.dynamodb.TransactWriteItems", self._answered)

    def _sending(self, params, context, **_):
        context["lead_token"] = params.get("ClientRequestToken")

    def _answered(self, http_response, context, **_):
        if http_response.status_code == 200 and context.get("lead_token"):
            self.at[context["lead_token"]] = time.monotonic()


def serve(settings):
    """The local server `make run` uses, on a free port; (url, the app's acks, stop)."""
    app = create_app(settings)
    acks = Acks(app.extensions["renewdesk"].client)
    url, stop = devserver.serve_in_thread(settings, app=app)
    return url, acks, stop


class Client:
    """One phone after another on one keep-alive connection, like the site's script."""

    def __init__(self, url: str):
        host, port = url.removeprefix("http://").split(":")
        self.connection = http.client.HTTPConnection(host, int(port), timeout=60)

    def submit(self, body: dict) -> tuple[int, dict]:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.connection.request("POST", "/api/renewals", data, {"Content-Type": "application/json"})
        answer = self.connection.getresponse()
        return answer.status, json.loads(answer.read() or b"{}")


def send(url: str, numbers: range, drill: Drill, deadline: float) -> None:
    """Each customer once; every one answered 503 again (after a short pause) until stored."""
    client = Client(url)
    try:
        to_retry = []
        for number in numbers:
            status, body = client.submit(customer(number))
            drill.record(Answer(number, 1, status, body))
            if status == 503:
                to_retry.append(number)
        for number in to_retry:
            attempt, status = 1, 503
            while status == 503 and time.monotonic() < deadline:
                time.sleep(RETRY_PAUSE)
                attempt += 1
                status, body = client.submit(customer(number))
                drill.record(Answer(number, attempt, status, body))
    except Exception as error:  # reported by the test, not lost with the thread
        drill.problems.append(f"client failed: {error!r}")
    finally:
        client.connection.close()


@pytest.fixture
def drill_settings(settings, tmp_path):
    """A persistent DynamoDB Local of the drill's own, and settings with rate limits out of the
    way (all 500 customers come from one address) and a storage timeout short enough that an
    unanswered call fails fast."""
    data = tmp_path / "dynamodb"
    port = localdb.free_port()
    db = localdb.start(port=port, db_path=data)
    state = {"db": db, "kills": []}
    drill = settings.with_(
        dynamodb_endpoint=db.endpoint,
        storage_timeout_seconds=1.0,
        storage_backoff_seconds=0.05,
        rate_limit_per_address_per_hour=10**6,
        rate_limit_per_phone_per_day=10**6,
    )

    def kill_and_restart() -> None:
        # From the test's main thread: DynamoDB Local dies with the thread that started it.
        state["db"].process.kill()
        state["kills"].append(time.monotonic())
        state["db"].process.wait()
        time.sleep(DOWN_SECONDS)
        state["db"] = localdb.start(port=port, db_path=data)

    yield drill, kill_and_restart, state["kills"]
    state["db"].stop()


def stored_items(settings) -> list[dict]:
    """Every item of the drill's store, read by a patient client after the drill."""
    client = Services(settings.with_(storage_timeout_seconds=30)).client
    prefix = f"ST#{settings.store_id}#"
    kwargs = {"TableName": settings.table_name, "ConsistentRead": True}
    items = []
    while True:
        page = client.scan(**kwargs)
        items += [from_item(i) for i in page["Items"] if i["pk"]["S"].startswith(prefix)]
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def whole(lead: dict | None, guard: dict | None, number: int) -> bool:
    """The lead as intake writes it, on the ready queue, with its dedupe guard pointing at it."""
    wanted = customer(number)
    return (
        lead is not None
        and guard is not None
        and lead["name"] == wanted["name"]
        and lead["phone"] == "+86" + wanted["phone"]
        and lead["plate"] == wanted["plate"]
        and lead["status"] == "queued"
        and lead["type"] == "renewal"
        and bool(lead.get("consent_version"))
        and lead["ready_pk"].endswith("#READY")
        and lead["coll_pk"].endswith(lead["phone"])
        and guard["lead_id"] == lead["lead_id"]
        and guard["is_open"] is True
    )


def test_killing_dynamodb_during_500_submissions_loses_or_half_writes_nothing(
    drill_settings, capsys
):
    settings, kill_and_restart, kills = drill_settings
    url, acks, stop_server = serve(settings)
    drill = Drill()
    deadline = time.monotonic() + DRILL_SECONDS
    share = CUSTOMERS // CLIENTS
    clients = [
        threading.Thread(
            target=send,
            args=(
                url,
                range(i * share, (i + 1) * share if i < CLIENTS - 1 else CUSTOMERS),
                drill,
                deadline,
            ),
        )
        for i in range(CLIENTS)
    ]
    started = time.monotonic()
    try:
        for thread in clients:
            thread.start()
        for threshold in KILL_AFTER:
            while (
                drill.first_answered < threshold
                and time.monotonic() < deadline
                and any(thread.is_alive() for thread in clients)
            ):
                time.sleep(0.005)
            kill_and_restart()
        for thread in clients:
            thread.join(max(0.0, deadline - time.monotonic()))
    finally:
        stop_server()
    seconds = time.monotonic() - started
    assert not drill.problems, drill.problems
    assert not any(thread.is_alive() for thread in clients), "the drill ran past its bound"

    items = stored_items(settings)
    leads = {i["lead_id"]: i for i in items if i["sk"] == "LEAD"}
    guards = {i["pk"].split("#")[-1]: i for i in items if i["sk"] == "DEDUPE"}  # by plate
    counters = [i for i in items if i["sk"] == "RATE"]
    by_customer: dict[int, list[Answer]] = {}
    for answer in drill.answers:
        by_customer.setdefault(answer.number, []).append(answer)
    first = Counter(a.status for a in drill.answers if a.attempt == 1)
    retries = [a for a in drill.answers if a.attempt > 1]
    lost_answers = sum(1 for a in retries if a.status == 200)
    final = {number: answers[-1] for number, answers in by_customer.items()}
    # Leads DynamoDB Local acknowledged and then lost to a SIGKILL just after (see the top).
    unsaved = {
        a.body["lead_id"]: min(
            kill - acks.at[a.body["lead_id"]]
            for kill in kills
            if kill >= acks.at[a.body["lead_id"]]
        )
        for a in final.values()
        if a.status in (200, 201)
        and a.body["lead_id"] not in leads
        and any(0 <= kill - acks.at.get(a.body["lead_id"], -1e9) <= ACK_LAG for kill in kills)
    }

    with capsys.disabled():
        print(
            f"\nfault drill: {CUSTOMERS} customers, {CLIENTS} clients, {len(kills)} SIGKILLs, "
            f"{seconds:.1f} s; first attempts {first[201]} x 201, {first[200]} x 200, "
            f"{first[503]} x 503; {sum(len(a) > 1 for a in by_customer.values())} customers "
            f"retried ({len(retries)} retries, {lost_answers} answered 200 duplicate: written, "
            f"answer lost); stored leads {len(leads)}; acknowledged by DynamoDB Local and lost "
            f"to its SIGKILL {len(unsaved)}"
            + (
                f" ({', '.join(f'{gap * 1000:.0f}' for gap in sorted(unsaved.values()))} ms "
                "before it)"
                if unsaved
                else ""
            )
        )

    # The kills took effect: requests failed with 503, and the server recovered after them.
    assert len(kills) == len(KILL_AFTER) and first[503] > 0
    assert set(first) <= {201, 200, 503} and {a.status for a in retries} <= {201, 200, 503}
    assert all(a.body["error"] == "unavailable" for a in drill.answers if a.status == 503)
    assert len(by_customer) == CUSTOMERS
    for number, answers in by_customer.items():
        statuses = [a.status for a in answers]
        # Everyone got through in the end, with one 2xx: the last answer.
        assert statuses[-1] in (200, 201) and set(statuses[:-1]) <= {503}, (number, statuses)
        last = answers[-1]
        assert last.body["duplicate"] == (last.status == 200)
        # Never a 201 before DynamoDB acknowledged the lead's transaction.
        if last.status == 201:
            assert acks.at[last.body["lead_id"]] <= last.at
        # A 200 duplicate for a new customer: an earlier try was written and its answer lost.
        if last.body["lead_id"] not in unsaved:
            lead = leads.get(last.body["lead_id"])
            assert whole(lead, guards.get(customer(number)["plate"]), number), (number, lead)
    assert len(unsaved) <= len(kills) * CLIENTS  # at most the transactions then in flight
    # No other lead, no guard or counter of a lead that is not there: nothing half-written.
    assert set(leads) == {a.body["lead_id"] for a in final.values()} - set(unsaved)
    assert set(guards) == {lead["plate"] for lead in leads.values()}
    phone_counts = Counter(c["pk"].split("#")[4] for c in counters if "#RATE#phone#" in c["pk"])
    assert phone_counts == Counter(lead["phone"] for lead in leads.values())
    assert all(c["n"] == 1 for c in counters if "#RATE#phone#" in c["pk"])
    assert sum(c["n"] for c in counters if "#RATE#address#" in c["pk"]) == len(leads)
