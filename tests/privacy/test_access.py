"""`renewdesk customers export PHONE`: everything held about a customer (PIPL access request)."""

from __future__ import annotations

import json


def test_export_lists_exactly_what_erase_then_removes(backend, customers):
    """Every kind of item: leads with events, policies, referral code, opt-out, spam."""
    erased, _ = customers
    records = backend.privacy.access.export(erased.phone)
    assert {lead["phone"] for lead in records.leads} == {erased.phone}
    assert {p["plate"] for p in records.policies} == {erased.plates[0]}
    assert records.referral["phone"] == erased.phone and records.referral["name"] == erased.name
    assert records.optout["phone"] == erased.phone
    assert [s["fields"]["phone"] for s in records.spam] == ["138 1234 5678"]
    notes = [e["note"] for lead in records.leads for e in lead["events"] if e.get("note")]
    assert erased.note in notes
    counts = backend.privacy.erasure.erase(erased.phone)
    assert counts == records.counts
    assert not any(backend.privacy.access.export(erased.phone).counts.values())


def test_export_names_no_staff_member_and_no_storage_key(backend, customers):
    erased, _ = customers
    text = json.dumps(backend.privacy.access.export(erased.phone).as_json(), ensure_ascii=False)
    for hidden in ("wang.boss", '"pk"', "ready_pk", "coll_pk", "roster_id", '"holder"'):
        assert hidden not in text


def test_the_cli_prints_a_chinese_summary_and_json_with_the_same_normaliser(
    cli, customers, tmp_path
):
    erased, _ = customers
    code, out, _ = cli("customers", "export", "＋８６ １３８-１２３４-５６７８")
    assert code == 0, out
    assert "客户 +86138****5678 的全部个人信息" in out
    assert f"姓名：{erased.name}" in out and erased.plates[0] in out
    assert "线索（3 条）" in out and "保单名单记录（1 条）" in out
    assert "状态：" in out and "战败原因：其他" in out
    target = tmp_path / "export.json"
    code, out, _ = cli("customers", "export", "13812345678", "--json", "--output", str(target))
    assert json.loads(out) == json.loads(target.read_text())
    assert (target.stat().st_mode & 0o777) == 0o600


def test_an_unknown_phone_has_nothing_and_a_bad_one_is_refused(cli, customers):
    code, out, _ = cli("customers", "export", "13700000000")
    assert code == 0 and "没有保存 +86137****0000 的任何个人信息" in out
    code, out, err = cli("customers", "export", "١٣٨١٢٣٤٥٦٧٨")
    assert code == 1 and "手机号码无效" in out + err
