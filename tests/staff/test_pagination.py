"""Paged lists: the queue, the attention list and the month's leads, with opaque cursors."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re

import pytest

from renewdesk.services import clock
from renewdesk.services.worklist import LeadChange, Placement
from tests.staff.conftest import START, add_lead, add_staff, post, sign_in

LEAD_LINK = re.compile(r'href="/staff/leads/([0-9A-Z]{26})"')


def walk(client, limit: int, **query) -> list[list[str]]:
    """Every page of a list through the API, following next_cursor; the lead ids per page."""
    pages, cursor = [], None
    while True:
        answer = client.get(
            "/api/staff/leads",
            query_string={**query, "limit": limit, **({"cursor": cursor} if cursor else {})},
        )
        assert answer.status_code == 200, answer.get_json()
        body = answer.get_json()
        pages.append([lead["lead_id"] for lead in body["leads"]])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 20, "the cursor does not move on"


def flat(pages: list[list[str]]) -> list[str]:
    return [lead_id for page in pages for lead_id in page]


def cursor_of(position: dict) -> str:
    text = json.dumps(position, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decoded(cursor: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))


@pytest.fixture
def sixty(backend):
    """60 leads in the queue, submitted an hour apart in May (claim order = oldest first)."""
    return [add_lead(backend, created=START - dt.timedelta(hours=60 - n)) for n in range(60)]


def test_the_queue_walks_in_pages_without_duplicates_or_gaps(supervisor, sixty):
    """Pages of 25 in claim order; the last page has no cursor."""
    pages = walk(supervisor, 25, status="queued")
    assert [len(page) for page in pages] == [25, 25, 10]
    assert flat(pages) == sixty


def test_the_months_leads_walk_in_pages_across_both_utc_partitions(supervisor, backend):
    """A China month starts in the previous UTC month: the pages cross from one to the other,
    newest first."""
    first_morning = dt.datetime(2026, 4, 30, 17, 0, tzinfo=dt.timezone.utc)  # 1 May, 01:00
    early = [add_lead(backend, created=first_morning + dt.timedelta(minutes=n)) for n in range(6)]
    later = [add_lead(backend, created=START - dt.timedelta(hours=54 - n)) for n in range(54)]
    add_lead(backend, created=first_morning - dt.timedelta(hours=2))  # 30 April: not in May
    pages = walk(supervisor, 25, month="2026-05")
    assert [len(page) for page in pages] == [25, 25, 10]
    assert flat(pages) == list(reversed(early + later))


def test_a_filtered_list_resumes_after_the_last_lead_it_showed(app, backend, specialist, sixty):
    """A specialist's month list keeps only their own leads, so a page stops in the middle of
    a read: the next page starts after the last lead shown, not after the last one read."""
    colleague = sign_in(app, add_staff(backend, "zhao.min"))
    mine = []
    for turn in range(30):  # alternate claims: every other lead is the specialist's
        lead = post(specialist if turn % 2 == 0 else colleague, "/api/staff/leads/claim")
        if turn % 2 == 0:
            mine.append(lead.get_json()["lead_id"])
    pages = walk(specialist, 4, month="2026-05")
    assert [len(page) for page in pages] == [4, 4, 4, 3]
    assert flat(pages) == list(reversed(mine))


def test_the_attention_list_walks_in_pages(supervisor, backend):
    """Leads that bounced too often, oldest first, five at a time."""
    bounced = []
    for n in range(12):
        lead_id = add_lead(backend)
        at = clock.iso(START + dt.timedelta(minutes=n))
        backend.stores.queue.write(
            LeadChange(
                lead_id,
                0,
                {"status": "attention", "attention_at": at, "bounces": 5},
                placement=Placement(attention_since=at),
                change_id=clock.new_id(START),
            )
        )
        bounced.append(lead_id)
    pages = walk(supervisor, 5, status="attention")
    assert [len(page) for page in pages] == [5, 5, 2]
    assert flat(pages) == bounced


def test_the_console_pages_the_queue_with_a_next_link(supervisor, sixty):
    """50 a page; "下一页" leads to the other 10 and back to the first page."""
    first = supervisor.get("/staff/queue").get_data(as_text=True)
    more = re.search(r'<a class="btn" rel="next" href="([^"]+)">下一页', first)
    assert more, "no next-page link"
    second = supervisor.get(more.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert "下一页" not in second and "没有更多了" in second and "回到第一页" in second
    shown = LEAD_LINK.findall(first) + LEAD_LINK.findall(second)
    assert shown == sixty


def test_the_console_pages_the_months_leads(specialist, supervisor, sixty):
    """The leads page: 50, then the rest, newest first."""
    first = supervisor.get("/staff/leads?month=2026-05").get_data(as_text=True)
    more = re.search(r'rel="next" href="([^"]+)"', first)
    second = supervisor.get(more.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert LEAD_LINK.findall(first) + LEAD_LINK.findall(second) == list(reversed(sixty))


def _tampered(good: str, other_store_pk: str) -> dict[str, str]:
    position = decoded(good)
    return {
        "not base64": "%%%not-a-cursor%%%",
        "not json": base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        "a list": cursor_of([1, 2]),
        "a missing key": cursor_of({k: v for k, v in position.items() if k != "ready_sk"}),
        "an extra key": cursor_of({**position, "x": "1"}),
        "a number": cursor_of({**position, "ready_sk": 5}),
        "another store": cursor_of({**position, "pk": other_store_pk}),
        "another list": cursor_of(
            {**position, "ready_pk": position["ready_pk"].replace("#READY", "#ATTENTION")}
        ),
        "a cut cursor": good[:-6],
    }


def test_a_tampered_cursor_is_a_400_with_a_clear_message(supervisor, sixty, settings):
    """Whatever was done to it, a cursor that is not one the list gave out is refused with the
    field named, never passed to DynamoDB to fail as a 500."""
    good = supervisor.get("/api/staff/leads?status=queued&limit=10").get_json()["next_cursor"]
    for how, cursor in _tampered(good, f"ST#elsewhere#LEAD#{sixty[0]}").items():
        answer = supervisor.get(
            "/api/staff/leads", query_string={"status": "queued", "limit": 10, "cursor": cursor}
        )
        assert answer.status_code == 400, how
        problem = answer.get_json()["fields"]["cursor"]
        assert problem["code"] == "invalid_cursor", how
        assert "翻页链接无效" in problem["message"], how
    # The queue's cursor is no cursor of the month list, nor of another month.
    month = supervisor.get("/api/staff/leads?month=2026-05&limit=10").get_json()["next_cursor"]
    for query in (
        {"month": "2026-05", "cursor": good},
        {"month": "2026-04", "cursor": month},
        {"status": "attention", "cursor": good},
        {"mine": "1", "cursor": good},
    ):
        assert supervisor.get("/api/staff/leads", query_string=query).status_code == 400, query


def test_a_month_cursor_outside_the_month_is_refused(supervisor, sixty):
    """A sort key moved outside the month's range would make DynamoDB fail the Query."""
    good = supervisor.get("/api/staff/leads?month=2026-05&limit=10").get_json()["next_cursor"]
    position = decoded(good)
    moved = cursor_of({**position, "month_sk": "2026-06-02T00:00:00.000Z#X"})
    answer = supervisor.get("/api/staff/leads", query_string={"month": "2026-05", "cursor": moved})
    assert answer.status_code == 400


def test_a_tampered_cursor_in_the_console_shows_the_first_page_and_a_message(supervisor, sixty):
    """The console says what happened and shows the first page instead of an error page."""
    for path in (
        "/staff/queue?cursor=broken",
        "/staff/queue?attention_cursor=broken",
        "/staff/leads?month=2026-05&cursor=broken",
    ):
        page = supervisor.get(path)
        html = page.get_data(as_text=True)
        assert page.status_code == 400, path
        assert "翻页链接无效或已过期" in html and len(LEAD_LINK.findall(html)) == 50, path


@pytest.mark.parametrize("limit", ["0", "101", "ten", "-5"])
def test_a_bad_page_size_is_a_400(supervisor, limit):
    """limit is a whole number from 1 to 100."""
    answer = supervisor.get("/api/staff/leads", query_string={"status": "queued", "limit": limit})
    assert answer.status_code == 400
    assert answer.get_json()["fields"]["limit"]["code"] == "invalid_limit"
