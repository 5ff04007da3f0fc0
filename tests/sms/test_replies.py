"""`renewdesk sms replies FILE`: the SMS platform's export of replies. TD, R, 退订 and the like opt
the number out; any other reply becomes a follow-up task on the customer's open lead for its
holder; importing the same export again changes nothing."""

from __future__ import annotations

import datetime as dt

from renewdesk.services.sms_replies import is_opt_out
from renewdesk.services.staff import Actor
from tests.roster.conftest import row

KEYWORDS = frozenset({"TD", "T", "R", "N", "退订", "拒收", "取消"})


def test_opt_out_replies_are_recognised_and_others_are_not():
    for reply in ("TD", "td", "Ｔ Ｄ", "R", "回复TD", "退订", "退订！", "我要退订", "拒收", "取消"):
        assert is_opt_out(reply, KEYWORDS), reply
    for reply in (
        "好的",
        "下周三上午来店续保",
        "多少钱？",
        "TDK保险怎么样",
        "我不想退订，想问问价格",
    ):
        assert not is_opt_out(reply, KEYWORDS), reply


def export(tmp_path, lines: list[str]):
    path = tmp_path / "上行短信.csv"
    path.write_text("手机号码,上行内容,接收时间\n" + "\n".join(lines) + "\n", encoding="gb18030")
    return path


def test_replies_opt_out_or_become_a_task_on_the_open_lead_for_its_holder(
    import_rows, backend, cli, stored, tmp_path, fake_clock
):
    import_rows(
        [
            row("粤B34001", 80, phone="13800134001"),
            row("粤B34002", 85, phone="13800134002"),
        ]
    )
    backend.roster.reminders.run()
    holder = Actor("li.na", "specialist")
    held = backend.staff.claims.claim_next(holder)
    assert held is not None
    fake_clock.advance(hours=1)
    path = export(
        tmp_path,
        [
            "13800134001,TD,2026-03-02 10:05:00",
            f"{held.phone[3:]},好的，下周三上午来店续保,2026-03-02 10:20:00",
            "13900139999,请问是哪家店,2026-03-02 10:30:00",
            "12345,R,2026-03-02 10:31:00",
        ],
    )
    code, out, err = cli("sms", "replies", str(path))
    assert code == 0
    assert (
        "退订 1 个号码；转为跟进任务 1 条；已导入过 0 条；找不到未结线索 1 条；无法读取 1 行" in out
    )
    assert "+86139****9999 回复了短信，但没有未结的续保线索" in err and "第 5 行" in err
    assert backend.stores.roster.opted_out(["+8613800134001"]) == {"+8613800134001"}

    lead, history = backend.stores.queue.lead_with_history(held.lead_id)
    [reply] = [e for e in history if e.kind == "sms_reply"]
    assert reply.note == "客户回复短信：好的，下周三上午来店续保"
    assert reply.at == "2026-03-02T02:20:00.000Z"
    assert lead.next_contact_at == "2026-03-02T02:20:00.000Z"
    assert lead.holder == "li.na"
    item = next(i for i in stored()["lead"] if i["sk"] == "LEAD" and i["lead_id"] == held.lead_id)
    assert item["desk_due_at"] <= "2026-03-02T02:20:00.000Z"  # due now on her desk

    again = cli("sms", "replies", str(path))[1]
    assert "退订 1 个号码；转为跟进任务 0 条；已导入过 1 条" in again
    _, history = backend.stores.queue.lead_with_history(held.lead_id)
    assert len([e for e in history if e.kind == "sms_reply"]) == 1


def test_a_reply_to_a_queued_lead_brings_it_forward_in_the_queue(
    import_rows, backend, stored, tmp_path
):
    from renewdesk.services.roster_files import read_table
    from renewdesk.services.sms_replies import REPLY_COLUMNS

    import_rows([row("粤B34003", 85, phone="13800134003")])
    backend.roster.reminders.run()
    [before] = [i for i in stored()["lead"] if i["sk"] == "LEAD"]
    assert before["due"] > dt.date(2026, 3, 2).isoformat()
    path = export(tmp_path, ["13800134003,什么时候可以报价,2026-03-02 09:10"])
    table = read_table(path.read_bytes(), path.name, REPLY_COLUMNS)
    assert backend.roster.replies.import_replies(table).tasks == 1
    [after] = [i for i in stored()["lead"] if i["sk"] == "LEAD"]
    assert after["due"] == "2026-03-02"
    assert after["ready_sk"] == f"{after['rank']}#2026-03-02#{after['lead_id']}"


def test_the_opt_out_keyword_of_the_platforms_wording_is_understood(
    import_rows, backend, tmp_path, settings
):
    import shutil

    from renewdesk.services.roster_files import read_table
    from renewdesk.services.sms_replies import REPLY_COLUMNS

    content = tmp_path / "content"
    shutil.copytree(settings.content_dir, content)
    sms = content / "sms.yml"
    sms.write_text(sms.read_text("utf-8").replace("回复TD退订", "回复QXDY退订"), "utf-8")
    backend.settings = settings.with_(content_dir=content)
    replies = backend.roster.replies
    replies.keywords = lambda: frozenset({"QXDY"})
    data = "手机号码,回复内容\n13800134009,qxdy\n".encode()
    report = replies.import_replies(read_table(data, "r.csv", REPLY_COLUMNS))
    assert report.opted_out == 1
