"""The retention limit (LEAD_RETENTION_DAYS): the daily purge, and reads before it has run."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import pytest

from renewdesk.config import Settings
from renewdesk.services import clock
from renewdesk.services.staff import Actor
from tests.privacy.conftest import worked_lead
from tests.roster.conftest import TODAY as ROSTER_DAY_ZERO
from tests.roster.conftest import row
from tests.staff.conftest import START, add_lead, after, post, sign_in

MONTH = "2026-05"
RETENTION = 1095
SUPERVISOR = "wang.boss"


@dataclass(frozen=True)
class Person:
    name: str
    phone: str
    note: str

    def traces(self, *plates: str) -> tuple[str, ...]:
        return (self.name, self.phone, self.phone[3:], self.note, *plates)


OLD = Person("欧阳娜娜", "+8613812345678", "欧阳娜娜说让朋友13900139000代买")
RECENT = Person("司马强", "+8613798765432", "司马强嫌价格贵")
WAITING = Person("诸葛亮", "+8613611112222", "")


@dataclass(frozen=True)
class History:
    """Two leads of OLD closed at START, one of RECENT closed two days later, one of WAITING
    submitted then and never closed; roster policies that expired 1096 and 1094 days before the
    day the test looks from (START + 1096 days)."""

    old: tuple[str, str]
    recent: str
    waiting: str
    old_plates: tuple[str, ...]


def _policy_offset(expired: dt.date) -> int:
    """The roster row offset (days after the roster tests' day zero) of an expiry date."""
    return (expired - ROSTER_DAY_ZERO).days


@pytest.fixture
def history(app, backend, fake_clock, supervisor, import_rows) -> History:
    old = tuple(
        worked_lead(backend, supervisor, OLD.phone, OLD.name, OLD.note, outcome)
        for outcome in (
            {"outcome": "lost", "reason": "other"},
            {"outcome": "won", "premium": 4200, "insurer": "人保财险"},
        )
    )
    staff = after(app, fake_clock, SUPERVISOR, days=2)
    recent = worked_lead(
        backend,
        staff,
        RECENT.phone,
        RECENT.name,
        RECENT.note,
        {"outcome": "lost", "reason": "price"},
    )
    waiting = add_lead(backend, phone=WAITING.phone, name=WAITING.name)
    looked_from = clock.local_date(START) + dt.timedelta(days=1096)
    summary = import_rows(
        [
            row(
                "粤B0LD01",
                _policy_offset(looked_from - dt.timedelta(days=1096)),
                phone="13812345678",
                name=OLD.name,
            ),
            row(
                "粤C0K094",
                _policy_offset(looked_from - dt.timedelta(days=1094)),
                phone="13798765432",
                name=RECENT.name,
            ),
        ]
    )
    assert summary.added == 2
    plates = tuple(backend.stores.leads.get_lead(i).plate for i in old)
    fake_clock.moment = START + dt.timedelta(days=1096)
    return History(old, recent, waiting, (*plates, "粤B0LD01"))


def _traces_in(stored, *traces: str) -> list[dict]:
    return [
        item
        for items in stored().values()
        for item in items
        if any(trace in repr(item) for trace in traces)
    ]


def test_a_lead_closed_1096_days_ago_is_purged_but_not_one_closed_1094_days_ago_nor_an_open_one(
    backend, stored, history
):
    """The purge erases OLD's two leads, their notes and guards and the old policy only."""
    assert _traces_in(stored, *OLD.traces(*history.old_plates)), "the fixture stored OLD's data"
    report = backend.privacy.purge.run()
    assert report.counts == {"leads": 2, "event_notes": 6, "dedupe_guards": 2, "policies": 1}
    assert not report.incomplete
    assert _traces_in(stored, *OLD.traces(*history.old_plates)) == []
    for lead_id in history.old:
        lead = backend.stores.leads.get_lead(lead_id)
        assert lead.status == "erased" and lead.erased_at and lead.outcome
    recent = backend.stores.leads.get_lead(history.recent)
    assert (recent.status, recent.name, recent.close_note) == ("lost", RECENT.name, RECENT.note)
    waiting = backend.stores.leads.get_lead(history.waiting)
    assert (waiting.status, waiting.phone) == ("queued", WAITING.phone)
    assert backend.stores.roster.get_policies(["粤C0K094"])["粤C0K094"].name == RECENT.name


def test_purging_twice_changes_nothing_the_second_time(backend, stored, history):
    """A second run finds nothing and writes nothing."""
    backend.privacy.purge.run()
    before = stored()
    again = backend.privacy.purge.run()
    assert not any(again.counts.values())
    assert stored() == before


def test_the_recent_lead_goes_once_its_own_retention_ends(backend, fake_clock, history):
    """Two days later the next run erases the lead closed two days after the others."""
    backend.privacy.purge.run()
    fake_clock.advance(days=2)
    report = backend.privacy.purge.run()
    assert (report.counts["leads"], report.counts["policies"]) == (1, 1)
    assert backend.stores.leads.get_lead(history.recent).status == "erased"
    assert backend.stores.leads.get_lead(history.waiting).status == "queued"


def test_a_run_short_of_time_saves_its_place_and_the_next_run_goes_on(backend, history):
    """Stopped after one lead, the next run erases the other; none is missed or redone."""
    calls = iter([60.0, 1.0])
    first = backend.privacy.purge.run(seconds_left=lambda: next(calls, 1.0))
    assert first.incomplete and first.counts["leads"] == 1
    second = backend.privacy.purge.run()
    assert not second.incomplete and second.counts["leads"] == 1
    assert all(backend.stores.leads.get_lead(i).status == "erased" for i in history.old)


def test_a_dry_run_counts_what_would_go_and_writes_nothing(backend, stored, history):
    """Same counts as the real run; the table (cursor included) is unchanged."""
    before = stored()
    dry = backend.privacy.purge.run(dry_run=True)
    assert dry.counts == {"leads": 2, "event_notes": 6, "dedupe_guards": 2, "policies": 1}
    assert stored() == before
    assert backend.privacy.purge.run().counts == dry.counts


def test_the_purge_reads_by_query_never_by_scan(backend, history):
    """The Lambda role has no Scan: every read of the purge is a Query or a Get."""
    calls: list[str] = []
    backend.client.meta.events.register(
        "before-call.dynamodb", lambda model, **_: calls.append(model.name)
    )
    backend.privacy.purge.run()
    assert "Query" in calls and "TransactWriteItems" in calls
    assert "Scan" not in calls


def test_the_old_months_report_is_the_same_before_and_after_the_purge(
    app, backend, fake_clock, history
):
    """Figures unchanged; the expired close note is already hidden before the purge."""
    actor = Actor(SUPERVISOR, "supervisor")
    fake_clock.moment = START + dt.timedelta(days=3)
    while_kept = backend.staff.reports.monthly(actor, MONTH)
    fake_clock.moment = START + dt.timedelta(days=1096)
    expired = backend.staff.reports.monthly(actor, MONTH)
    backend.privacy.purge.run()
    purged = backend.staff.reports.monthly(actor, MONTH)
    assert purged == expired
    assert (purged["won"], purged["lost"], purged["premium_won"]) == (1, 2, 4200.0)
    assert purged["leads_in"] == while_kept["leads_in"] == 4
    notes = {r["reason"]: [n["note"] for n in r["notes"]] for r in purged["defeat_reasons"]}
    kept = {r["reason"]: [n["note"] for n in r["notes"]] for r in while_kept["defeat_reasons"]}
    assert kept == {"other": [OLD.note], "price": [RECENT.note]}
    assert notes == {"other": [], "price": [RECENT.note]}


def test_staff_see_a_lead_past_retention_as_erased_before_the_purge(app, backend, history):
    """API and console: no name, phone, plate or note of it; it cannot be reopened."""
    staff = sign_in(app, SUPERVISOR)
    lost = history.old[0]
    answer = staff.get(f"/api/staff/leads/{lost}")
    assert answer.status_code == 200
    page = answer.get_json()
    assert (
        page["lead"]["status"],
        page["lead"]["name"],
        page["lead"]["phone"],
        page["lead"]["plate"],
    ) == ("erased", None, None, None)
    assert page["lead"]["erased_at"] == (START + dt.timedelta(days=RETENTION)).strftime(
        "%Y-%m-%dT%H:%M:%S.000Z"
    )
    assert page["lead"]["outcome"] == "lost" and len(page["history"]) == 4
    assert not any(
        trace in answer.get_data(as_text=True) for trace in OLD.traces(*history.old_plates)
    )
    html = staff.get(f"/staff/leads/{lost}").get_data(as_text=True)
    assert "客户信息已删除" in html and "超过保存期限" in html
    listed = staff.get(f"/api/staff/leads?status=lost&month={MONTH}").get_data(as_text=True)
    assert RECENT.name in listed
    assert not any(trace in listed for trace in OLD.traces(*history.old_plates))
    recent = staff.get(f"/api/staff/leads/{history.recent}").get_json()["lead"]
    assert recent["name"] == RECENT.name
    reopen = post(staff, f"/api/staff/leads/{lost}/reopen")
    assert reopen.status_code == 409 and reopen.get_json()["error"] == "lead_expired"
    assert backend.stores.leads.get_lead(lost).name == OLD.name  # reads never write


def test_searching_the_phone_of_a_customer_past_retention_shows_no_personal_data(app, history):
    """Search by phone finds the expired leads, shown as erased like everywhere else."""
    found = sign_in(app, SUPERVISOR).get(f"/api/staff/leads?q={OLD.phone}")
    assert found.status_code == 200
    leads = found.get_json()["leads"]
    assert {lead["lead_id"] for lead in leads} == set(history.old)
    assert {lead["status"] for lead in leads} == {"erased"}
    assert not any(
        trace in found.get_data(as_text=True) for trace in OLD.traces(*history.old_plates)
    )


def test_no_log_line_names_a_purged_customer(backend, history, caplog):
    """The purge logs counts only."""
    caplog.set_level(logging.DEBUG, logger="renewdesk")
    caplog.set_level(logging.INFO)  # botocore's DEBUG dumps request bodies; it is never on
    backend.privacy.purge.run()
    assert any("retention purge" in r.getMessage() for r in caplog.records)
    for record in caplog.records:
        assert not any(trace in record.getMessage() for trace in OLD.traces(*history.old_plates))


@pytest.fixture
def purge_cli(cli):
    def invoke(*args: str):
        code, out, err = cli("customers", "purge", *args)
        return code, out + err

    return invoke


def test_the_cli_dry_run_prints_counts_by_kind_and_writes_nothing(purge_cli, stored, history):
    """`customers purge --as-of DAY --dry-run`: counts, no personal data, no write."""
    before = stored()
    day = (clock.local_date(START) + dt.timedelta(days=1097)).isoformat()
    code, output = purge_cli("--as-of", day, "--dry-run")
    assert code == 0, output
    assert f"按 {day} 将清除" in output and "试运行" in output
    assert "已结束超过保存期限的线索（清除个人信息，保留统计字段）: 2" in output
    assert "保单名单记录: 1" in output
    assert not any(trace in output for trace in OLD.traces(*history.old_plates))
    assert stored() == before


def test_the_cli_refuses_to_purge_as_of_a_later_day(purge_cli, stored, history):
    """Purging early is refused with a clear message; a dry run may look ahead."""
    before = stored()
    later = (clock.local_date(clock.now()) + dt.timedelta(days=1)).isoformat()
    code, output = purge_cli("--as-of", later)
    assert code == 1
    assert "--as-of 晚于今天时只能与 --dry-run 一起使用" in output
    assert stored() == before


def test_the_scheduled_handler_runs_the_purge(backend, fake_clock, import_rows, settings):
    """The daily event (real clock) deletes a policy expired longer ago than the retention."""
    from renewdesk import scheduled

    fake_clock.moment = clock.now()  # import as of today, so the rows are in the import's range
    today = clock.local_date(clock.now())
    rows = [
        row("粤B0LD77", _policy_offset(today - dt.timedelta(days=1100))),
        row("粤B0K077", _policy_offset(today - dt.timedelta(days=1090))),
    ]
    assert import_rows(rows).added == 2

    class Context:
        def get_remaining_time_in_millis(self):
            return 25000

    counts = scheduled.daily_purge({"source": "aws.events"}, Context(), settings=settings)
    assert (counts["policies"], counts["leads"], counts["incomplete"]) == (1, 0, False)
    assert list(backend.stores.roster.get_policies(["粤B0LD77", "粤B0K077"])) == ["粤B0K077"]


def test_the_scheduled_purge_is_a_daily_event_of_every_stage():
    """zappa_settings.json runs it daily at 03:00 in the store, apart from the reminders."""
    import json

    from renewdesk import scheduled
    from renewdesk.config import PROJECT_ROOT

    stages = json.loads((PROJECT_ROOT / "zappa_settings.json").read_text())
    [event] = [
        e for e in stages["dev"]["events"] if e["function"] == "renewdesk.scheduled.daily_purge"
    ]
    assert event["expression"] == "cron(0 19 * * ? *)" and callable(scheduled.daily_purge)
    assert "events" not in stages["prod"]  # prod extends dev


@pytest.mark.parametrize("raw, expected", [(None, 1095), ("365", 365)])
def test_lead_retention_days_comes_from_the_environment(raw, expected):
    env = {} if raw is None else {"LEAD_RETENTION_DAYS": raw}
    assert Settings.from_env(env).lead_retention_days == expected


@pytest.mark.parametrize("raw", ["three years", "0"])
def test_a_bad_lead_retention_days_is_refused_naming_it(raw):
    with pytest.raises(ValueError, match="LEAD_RETENTION_DAYS"):
        Settings.from_env({"LEAD_RETENTION_DAYS": raw})
