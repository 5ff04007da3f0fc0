"""Eight specialists claiming 500 leads at once on DynamoDB Local: each lead exactly once."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from renewdesk.services.staff import Actor
from renewdesk.services.staff_inputs import FollowUp
from tests.staff.conftest import add_lead

SPECIALISTS = 8
LEADS = 500


def test_eight_specialists_claim_500_leads_each_exactly_once_and_none_is_lost(backend):
    """Every lead is claimed once, by the one specialist whose claim succeeded, and none is left."""
    with ThreadPoolExecutor(4) as pool:
        lead_ids = set(
            pool.map(
                lambda i: add_lead(backend, grade="ABC"[i % 3], due=f"2026-05-{1 + i % 28:02d}"),
                range(LEADS),
            )
        )
    start = threading.Barrier(SPECIALISTS)
    claimed: dict[str, list[str]] = {}
    errors: list[BaseException] = []

    def work(actor: Actor):
        mine = claimed.setdefault(actor.username, [])
        start.wait()
        try:
            while (lead := backend.staff.claims.claim_next(actor)) is not None:
                mine.append(lead.lead_id)
                # Working the lead (a call logged) takes it off the queue, as in real use.
                backend.staff.followups.record(
                    actor, lead.lead_id, FollowUp(channel="phone", result="no_answer")
                )
        except BaseException as error:  # surfaced below: a thread's failure must fail the test
            errors.append(error)

    actors = [Actor(f"spec{n}", "specialist") for n in range(SPECIALISTS)]
    threads = [threading.Thread(target=work, args=(actor,)) for actor in actors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(240)
    assert not errors, errors
    every_claim = [lead_id for claims in claimed.values() for lead_id in claims]
    assert Counter(every_claim).most_common(1)[0][1] == 1
    assert set(every_claim) == lead_ids
    assert sum(1 for claims in claimed.values() if claims) > 1  # they really competed
    for username, claims in claimed.items():
        for lead_id in claims:
            stored = backend.stores.queue.get_lead(lead_id)
            assert (stored.holder, stored.claims) == (username, 1)
