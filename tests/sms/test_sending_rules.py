"""The rules carriers apply: messages go out only from 08:00 to 21:00 China time and the rest wait
for the next window; a number gets at most one reminder a day, whatever the templates."""

from __future__ import annotations

import datetime as dt

from tests.roster.conftest import START, TODAY, row

CHINA = dt.timezone(dt.timedelta(hours=8))


def at_hour(hour: int, days: int = 0) -> dt.datetime:
    day = TODAY + dt.timedelta(days=days)
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=CHINA)


def test_outside_08_to_21_nothing_is_sent_and_the_next_window_sends_it(
    import_rows, backend, outbox, fake_clock
):
    import_rows([row("粤B33001", 60, phone="13800133001")])
    fake_clock.moment = at_hour(21, 0) + dt.timedelta(minutes=30)
    late = backend.roster.reminders.run(TODAY)
    assert (late.sms_queued, late.sms_sent, late.sms_deferred) == (1, 0, 1)
    assert len(late.messages) == 1 and outbox.sent == []  # in the day's file, not sent
    fake_clock.moment = at_hour(7, 1)
    early = backend.roster.reminders.run()
    assert (early.sms_sent, early.sms_deferred) == (0, 1)
    fake_clock.moment = at_hour(9, 1)
    morning = backend.roster.reminders.run()
    assert morning.sms_sent == 1 and [p for p, _ in outbox.sent] == ["+8613800133001"]
    assert backend.roster.reminders.run().sms_sent == 0  # sent once


def test_a_number_gets_one_reminder_a_day_the_other_policy_the_next_day(
    import_rows, backend, outbox, fake_clock, settings
):
    import_rows(
        [
            row("粤B33002", 60, grade="A", phone="13800133002"),
            row("粤B33003", 59, grade="B", phone="13800133002"),  # the same owner's second car
        ]
    )
    assert fake_clock.moment == START  # 09:00 in the store
    first = backend.roster.reminders.run()
    assert (first.sms_queued, first.sms_postponed, first.sms_sent) == (1, 1, 1)
    assert [m.plate for m in first.messages] == ["粤B33003"]  # the one that expires first
    again = backend.roster.reminders.run()
    assert (again.sms_queued, again.sms_sent, len(again.messages)) == (0, 0, 1)
    fake_clock.advance(days=1)
    second = backend.roster.reminders.run()
    assert (second.sms_queued, second.sms_sent) == (1, 1)
    assert [m.plate for m in second.messages] == ["粤B33002"]
    assert len(outbox.sent) == 2


def test_a_message_not_sent_today_does_not_make_a_second_one_tomorrow_for_the_number(
    import_rows, backend, outbox, fake_clock
):
    import_rows([row("粤B33004", 60, phone="13800133004")])
    fake_clock.moment = at_hour(22)
    backend.roster.reminders.run(TODAY)
    import_rows([row("粤B33005", 60, phone="13800133004")])
    fake_clock.moment = at_hour(9, 1)
    report = backend.roster.reminders.run()
    # Yesterday's reminder goes out this morning; today's for the other car waits a day more.
    assert report.sms_sent == 1 and [t for _, t in outbox.sent][0].count("/r/") == 1
    assert report.sms_deferred == 1
