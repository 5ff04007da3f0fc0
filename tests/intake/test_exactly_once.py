"""A double-clicked or retried submit makes one lead, however the requests interleave."""

from __future__ import annotations

import threading

BODY = {"name": "张伟", "phone": "13800138000", "plate": "粤B12345", "consent": True}


def submit_at_once(app, path: str, body: dict, count: int) -> list[tuple[int, dict]]:
    """Send ``count`` identical requests released by one barrier, each on its own client."""
    barrier = threading.Barrier(count)
    answers: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def send():
        client = app.test_client()
        barrier.wait()
        answer = client.post(path, json=body)
        with lock:
            answers.append((answer.status_code, answer.get_json()))

    threads = [threading.Thread(target=send) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return answers


def test_ten_simultaneous_identical_submissions_make_one_lead(app, stored):
    answers = submit_at_once(app, "/api/renewals", BODY, 10)
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] * 9 + [201]
    lead_ids = {body["lead_id"] for _, body in answers}
    assert len(lead_ids) == 1
    assert [body["duplicate"] for status, body in answers if status == 201] == [False]
    items = stored()
    assert [lead["lead_id"] for lead in items["lead"]] == list(lead_ids)
    assert [guard["lead_id"] for guard in items["dedupe"]] == list(lead_ids)
    # Duplicates are not counted against the customer's daily limit.
    assert sorted(counter["n"] for counter in items["rate"]) == [1, 1]


def test_a_retried_submit_after_success_returns_the_same_lead(client, stored):
    first = client.post("/api/renewals", json=BODY).get_json()
    for _ in range(3):
        again = client.post("/api/renewals", json={**BODY, "note": "重复提交"})
        assert again.status_code == 200
        assert again.get_json() == {"lead_id": first["lead_id"], "duplicate": True}
    assert len(stored()["lead"]) == 1


def test_different_vehicles_of_one_owner_are_different_leads(client, stored):
    plates = ["粤B12345", "粤B54321", "粤BD12345"]
    ids = {
        client.post("/api/renewals", json={**BODY, "plate": p}).get_json()["lead_id"]
        for p in plates
    }
    assert len(ids) == 3
    assert len(stored()["lead"]) == 3
