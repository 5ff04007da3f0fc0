"""The daily reminder run: one lead per policy at N-90 with its plan, SMS at N-60, once."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from renewdesk.services import clock, queue
from renewdesk.services.sms import ContentError, load_templates
from renewdesk.services.staff import Actor
from renewdesk.services.staff_inputs import Close
from tests.roster.conftest import TODAY, day, row

SUPERVISOR = Actor("zhuguan", "supervisor")


def leads(stored) -> list[dict]:
    return [item for item in stored().get("lead", []) if item["sk"] == "LEAD"]


def policy(stored, plate: str) -> dict:
    return next(p for p in stored()["policy"] if p["plate"] == plate)


def sms_file(settings, on=TODAY) -> list[dict]:
    path = Path(settings.sms_outbox_dir) / f"{on.isoformat()}.csv"
    with path.open(encoding="utf-8-sig", newline="") as rows:
        return list(csv.DictReader(rows))


def test_a_policy_at_n90_gets_one_queued_lead_with_its_follow_up_plan(import_rows, backend, stored):
    import_rows([row("粤B50001", 90, grade="A", commercial="5600.00")])
    report = backend.roster.reminders.run()
    assert report.leads_created == 1
    [lead] = leads(stored)
    assert (lead["type"], lead["status"], lead["source"]) == ("renewal", "queued", "roster")
    assert lead["customer_requested"] is False
    assert (lead["plate"], lead["phone"], lead["grade"]) == (
        "粤B50001",
        policy(stored, "粤B50001")["phone"],
        "A",
    )
    assert lead["plan"] == {"N-30": day(60), "N-20": day(70), "N-15": day(75), "N-7": day(83)}
    assert lead["rank"] == queue.rank("A", customer_requested=False)
    assert lead["due"] == day(60)
    assert lead["ready_sk"] == f"{lead['rank']}#{day(60)}#{lead['lead_id']}"
    assert lead["policy"]["last_insurer"] == "人保财险"
    assert lead["policy"]["commercial_premium"] == 5600
    guard = stored()["dedupe"][0]
    assert (guard["lead_id"], guard["is_open"]) == (lead["lead_id"], True)
    assert policy(stored, "粤B50001")["lead_id"] == lead["lead_id"]


def test_running_twice_on_the_same_day_creates_nothing_new(import_rows, backend, stored):
    import_rows([row("粤B50002", 80), row("粤B50003", 50), row("粤B50004", 20)])
    first = backend.roster.reminders.run()
    assert first.leads_created == 3
    before = stored()
    again = backend.roster.reminders.run()
    assert (again.leads_created, again.leads_adopted, again.sms_queued) == (0, 0, 0)
    assert stored() == before


def test_c_grade_customers_get_the_lowest_priority_never_no_lead(import_rows, backend, stored):
    import_rows(
        [
            row("粤B50005", 85, grade="C"),
            row("粤B50006", 85, grade="A"),
            row("粤B50007", 85, grade="B"),
            row("粤B50008", 85, grade=""),
        ]
    )
    backend.roster.reminders.run()
    ranks = {lead["plate"]: lead["rank"] for lead in leads(stored)}
    assert ranks["粤B50005"] == max(ranks.values()) == queue.rank("C", False)
    assert ranks["粤B50006"] < ranks["粤B50007"] == ranks["粤B50008"] < ranks["粤B50005"]
    ordered = sorted(leads(stored), key=lambda lead: lead["ready_sk"])
    assert [lead["plate"] for lead in ordered][0] == "粤B50006"
    assert ordered[-1]["plate"] == "粤B50005"


def test_policies_beyond_n90_or_already_expired_get_no_lead(import_rows, backend, stored):
    import_rows([row("粤B50009", 91), row("粤B50010", 0), row("粤B50011", -3)])
    report = backend.roster.reminders.run()
    assert report.leads_created == 0 and leads(stored) == []


def test_the_lead_comes_on_the_day_the_policy_reaches_n90(import_rows, backend, stored, fake_clock):
    import_rows([row("粤B50012", 92)])
    backend.roster.reminders.run()
    fake_clock.advance(days=1)
    assert backend.roster.reminders.run().leads_created == 0
    fake_clock.advance(days=1)
    assert backend.roster.reminders.run().leads_created == 1


def test_an_open_customer_request_becomes_the_policys_lead_not_a_second_one(
    import_rows, backend, stored, client
):
    asked = client.post(
        "/api/renewals",
        json={"name": "张伟", "phone": "13700000001", "plate": "粤B50013", "consent": True},
    )
    assert asked.status_code == 201
    import_rows([row("粤B50013", 70, grade="A")])
    report = backend.roster.reminders.run()
    assert (report.leads_created, report.leads_adopted) == (0, 1)
    [lead] = leads(stored)
    assert lead["lead_id"] == asked.get_json()["lead_id"]
    assert lead["customer_requested"] is True and lead["source"] == "renewal_request"
    assert lead["plan"]["N-30"] == day(40) and lead["grade"] == "A"
    assert lead["version"] == 1  # staff changes read before this one must read again
    assert policy(stored, "粤B50013")["lead_id"] == lead["lead_id"]


def test_a_policy_already_renewed_this_season_is_left_alone(import_rows, backend, stored, client):
    asked = client.post(
        "/api/renewals",
        json={"name": "张伟", "phone": "13700000002", "plate": "粤B50014", "consent": True},
    )
    lead_id = asked.get_json()["lead_id"]
    backend.staff.closing.close(
        SUPERVISOR, lead_id, Close(outcome="won", premium="4300", insurer="人保财险")
    )
    import_rows([row("粤B50014", 55)])
    report = backend.roster.reminders.run()
    assert (report.leads_created, report.already_renewed) == (0, 1)
    assert [lead["lead_id"] for lead in leads(stored)] == [lead_id]
    # Nor does a renewed customer get a reminder to renew.
    assert report.messages == [] and policy(stored, "粤B50014")["sms_step"] == "lead_closed"


def test_last_seasons_closed_lead_does_not_stop_this_seasons(
    import_rows, backend, stored, client, fake_clock
):
    asked = client.post(
        "/api/renewals",
        json={"name": "张伟", "phone": "13700000003", "plate": "粤B50015", "consent": True},
    )
    backend.staff.closing.close(
        SUPERVISOR,
        asked.get_json()["lead_id"],
        Close(outcome="won", premium="4100", insurer="人保财险"),
    )
    fake_clock.advance(days=300)
    import_rows([row("粤B50015", 300 + 80)])
    report = backend.roster.reminders.run()
    assert report.leads_created == 1
    assert {lead["source"] for lead in leads(stored)} == {"renewal_request", "roster"}


def test_at_n60_the_days_sms_file_has_the_message_with_a_personal_link_and_the_opt_out(
    import_rows, backend, stored, settings
):
    import_rows(
        [
            row("粤B50016", 60, grade="A", phone="13800138016"),
            row("粤B50017", 60, grade="C", phone="13800138017"),
            row("粤B50018", 61, phone="13800138018"),
        ]
    )
    report = backend.roster.reminders.run()
    assert report.sms_queued == 2
    messages = {m["mobile"]: m["message"] for m in sms_file(settings)}
    assert set(messages) == {"13800138016", "13800138017"}
    expiry = TODAY.replace(month=5, day=1)
    assert expiry.isoformat() == day(60)
    assert "尊贵的车主您好，您的车险将于5月1日到期" in messages["13800138016"]
    assert "0755-2345 6780" in messages["13800138016"]
    assert messages["13800138017"].startswith("【德瑞汽车4S店】车险5月1日到期，续保https://")
    for text in messages.values():
        assert text.startswith("【德瑞汽车4S店】") and text.endswith(" 回复TD退订")
    code = re.search(
        rf"{re.escape(settings.site_origin)}/r/([0-9A-Za-z]{{12}}) ", messages["13800138016"]
    ).group(1)
    roster_id, _ = backend.roster.short_links.read(code)
    assert roster_id == policy(stored, "粤B50016")["roster_id"]
    assert (report.counts()["sms_today"], report.counts()["sms_segments"]) == (2, 3)
    assert policy(stored, "粤B50016")["sms_step"] == "queued"
    sms_path = Path(settings.sms_outbox_dir) / f"{TODAY.isoformat()}.csv"
    assert sms_path.stat().st_mode & 0o777 == 0o600  # phones and personal links


def test_opted_out_customers_get_no_sms(import_rows, backend, stored, settings, cli):
    import_rows([row("粤B50019", 45, phone="13800138019"), row("粤B50020", 45)])
    code, out, _ = cli("roster", "optout", "138 0013 8019")
    assert code == 0 and "+8613800138019 已退订续保提醒短信" in out
    report = backend.roster.reminders.run()
    assert (report.sms_queued, report.sms_opted_out) == (1, 1)
    assert "13800138019" not in {m["mobile"] for m in sms_file(settings)}
    assert policy(stored, "粤B50019")["sms_step"] == "opted_out"


def test_a_customer_who_opts_out_after_the_run_drops_out_of_the_days_file(
    import_rows, backend, settings
):
    import_rows([row("粤B50021", 45, phone="13800138021")])
    backend.roster.reminders.run()
    assert len(sms_file(settings)) == 1
    backend.stores.roster.put_optout("+8613800138021", "sms_reply", "2026-03-02T02:00:00.000Z")
    backend.roster.reminders.run()
    assert sms_file(settings) == []


def test_a_late_import_gets_the_lead_and_the_sms_in_one_run(import_rows, backend, stored, settings):
    import_rows([row("粤B50022", 12)])
    report = backend.roster.reminders.run()
    assert (report.leads_created, report.sms_queued) == (1, 1)
    [lead] = leads(stored)
    # N-30, N-20 and N-15 have passed: the lead is due at the first follow-up still ahead.
    assert lead["due"] == day(5)
    assert len(sms_file(settings)) == 1


def test_the_days_file_is_the_same_on_every_run_of_the_day_and_new_the_next_day(
    import_rows, backend, settings, fake_clock
):
    import_rows([row("粤B50023", 60), row("粤B50024", 61)])
    backend.roster.reminders.run()
    first = [m["mobile"] for m in sms_file(settings)]
    backend.roster.reminders.run()
    assert [m["mobile"] for m in sms_file(settings)] == first
    fake_clock.advance(days=1)
    backend.roster.reminders.run()
    assert len(sms_file(settings, clock.local_date(fake_clock()))) == 1
    assert sms_file(settings, clock.local_date(fake_clock()))[0]["mobile"] not in first


def test_the_scheduled_handler_takes_todays_steps_and_reports_counts(import_rows, settings, stored):
    from renewdesk import scheduled

    # The handler runs on the real clock: a policy 30 days from the real today.
    real_offset = (clock.local_date(clock.now()) - TODAY).days
    import_rows([row("粤B50025", real_offset + 30)])

    class Context:
        def get_remaining_time_in_millis(self):
            return 25000

    counts = scheduled.daily_reminders({"source": "aws.events"}, Context(), settings=settings)
    assert counts["as_of"] == clock.local_date(clock.now()).isoformat()
    assert (counts["leads_created"], counts["sms_queued"], counts["incomplete"]) == (1, 1, False)
    assert len(leads(stored)) == 1
    # On Lambda there is no disk for the file: `renewdesk reminders run` writes it.
    assert not Path(settings.sms_outbox_dir).exists()


def test_a_run_short_of_time_stops_and_the_next_one_goes_on(import_rows, backend, stored):
    import_rows([row(f"粤B6{n:04d}", 80) for n in range(5)])
    report = backend.roster.reminders.run(seconds_left=lambda: 1)
    assert report.incomplete and report.leads_created == 0
    assert backend.roster.reminders.run().leads_created == 5


def test_the_due_list_says_where_each_policy_stands(import_rows, backend, cli):
    import_rows([row("粤B50026", 40, phone="13800138026"), row("粤B50027", 100)])
    backend.roster.reminders.run()
    code, out, _ = cli("reminders", "due", "--as-of", TODAY.isoformat(), "--days", "120")
    lines = out.splitlines()
    assert code == 0 and lines[0].startswith("到期日")
    assert f"{day(40)}\t粤B50026\t张伟\t+86138****8026\tB\t已建线索\t已排入" in lines
    assert f"{day(100)}\t粤B50027\t张伟" in out and "未开始\t未开始" in lines[-1]


def test_reminders_run_from_the_command_line_writes_the_days_file(import_rows, cli, settings):
    import_rows([row("粤B50028", 60)])
    code, out, _ = cli("reminders", "run", "--as-of", TODAY.isoformat())
    assert code == 0
    assert "新建续保线索 1 条" in out and "今天共 1 条" in out
    assert len(sms_file(settings)) == 1


@pytest.mark.parametrize(
    "broken, reason",
    [
        ("亲爱的车主，请回店续保。回复TD退订", "must contain {link}"),
        ("【德瑞汽车4S店】亲爱的车主，续保请点 {link}", "the signature 【…】 is added first"),
        ("{customer}您好 {link} 回复TD退订", "unknown placeholder {customer}"),
    ],
)
def test_sms_templates_must_carry_the_link_and_the_opt_out_text(tmp_path, settings, broken, reason):
    content = Path(settings.content_dir)
    (tmp_path / "store.yml").write_text(
        (content / "store.yml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (tmp_path / "sms.yml").write_text(
        f'opt_out: 回复TD退订\ntemplates:\n  - grades: [A, B, C, none]\n    text: "{broken}"\n',
        encoding="utf-8",
    )
    with pytest.raises(ContentError) as refused:
        load_templates(tmp_path)
    assert "sms.yml: templates[1].text" in str(refused.value) and reason in str(refused.value)


def test_every_grade_needs_exactly_one_template(tmp_path, settings):
    content = Path(settings.content_dir)
    (tmp_path / "store.yml").write_text(
        (content / "store.yml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (tmp_path / "sms.yml").write_text(
        'opt_out: 回复TD退订\ntemplates:\n  - grades: [A, B]\n    text: "{link} 回复TD退订"\n',
        encoding="utf-8",
    )
    with pytest.raises(ContentError, match="no template for grade C, none"):
        load_templates(tmp_path)


def test_every_stage_runs_the_reminders_daily_at_nine_in_the_store():
    import importlib
    import json

    from renewdesk.config import PROJECT_ROOT

    stages = json.loads((PROJECT_ROOT / "zappa_settings.json").read_text())
    events = stages["dev"]["events"]
    [event] = [e for e in events if e["function"] == "renewdesk.scheduled.daily_reminders"]
    assert event["expression"] == "cron(0 1 * * ? *)"  # 01:00 UTC is 09:00 China time
    module, _, name = event["function"].rpartition(".")
    assert callable(getattr(importlib.import_module(module), name))
    assert all("events" not in stage or stage["events"] == events for stage in stages.values())


def test_a_lead_left_open_since_last_season_is_carried_into_this_one(
    import_rows, backend, stored, fake_clock
):
    import_rows([row("粤B50029", 80)])
    backend.roster.reminders.run()
    [lead] = leads(stored)
    fake_clock.advance(days=365)
    import_rows([row("粤B50029", 365 + 80)])  # renewed elsewhere; nobody closed the lead
    report = backend.roster.reminders.run()
    assert (report.leads_created, report.leads_adopted) == (0, 1)
    [carried] = leads(stored)
    assert carried["lead_id"] == lead["lead_id"]
    assert carried["expiry_date"] == day(365 + 80)
    assert carried["plan"]["N-7"] == day(365 + 73)


def test_a_customer_who_has_asked_already_gets_no_reminder_to_ask(
    import_rows, backend, stored, client
):
    client.post(
        "/api/renewals",
        json={"name": "张伟", "phone": "13700000004", "plate": "粤B50030", "consent": True},
    )
    import_rows([row("粤B50030", 50)])
    report = backend.roster.reminders.run()
    assert (report.leads_adopted, report.sms_requested, report.messages) == (1, 1, [])
    assert policy(stored, "粤B50030")["sms_step"] == "requested"
