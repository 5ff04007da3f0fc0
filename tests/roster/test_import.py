"""Roster import: CSV and XLSX, Chinese or English columns, idempotent, bad rows reported."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from renewdesk.roster_sample import HEADERS, sample_rows, write_roster
from renewdesk.services.roster import RowProblem, check_rows, parse_roster_date
from renewdesk.services.roster_files import read_roster
from tests.roster.conftest import TODAY, day, row


def policies(stored) -> dict[str, dict]:
    return {p["plate"]: p for p in stored().get("policy", [])}


def test_a_chinese_csv_is_imported_with_every_column_normalised(import_rows, stored):
    summary = import_rows(
        [
            row(
                "粤b 12345",
                40,
                grade="a级",
                phone="138-0013-8000",
                commercial="¥4,280.5",
                vin="lvgbe40k8gg123456",
            )
        ]
    )
    assert (summary.added, summary.updated, summary.unchanged, summary.rejections) == (1, 0, 0, [])
    policy = policies(stored)["粤B12345"]
    assert policy["phone"] == "+8613800138000"
    assert policy["expiry_date"] == day(40)
    assert policy["grade"] == "A"
    assert policy["commercial_premium"] == 4280.5 and policy["compulsory_premium"] == 950
    assert (policy["last_insurer"], policy["model"], policy["advisor"]) == (
        "人保财险",
        "凯美瑞",
        "陈顾问",
    )
    assert policy["vin"] == "LVGBE40K8GG123456"
    assert re.fullmatch(r"[A-Za-z0-9_-]{16}", policy["roster_id"])
    assert policy["month_pk"].endswith(f"#EXPIRY#{day(40)[:7]}")


def test_english_columns_in_an_xlsx_file_give_the_same_records_as_a_chinese_csv(
    import_rows, stored, tmp_path
):
    rows = sample_rows(30, TODAY)
    import_rows(rows, "roster.csv")
    from_csv = {
        plate: {k: v for k, v in p.items() if k not in ("roster_id", "coll_pk")}
        for plate, p in policies(stored).items()
    }
    sheet = read_roster(write_roster(tmp_path / "check.xlsx", rows, "en"))
    assert set(sheet.headers) == {
        "plate",
        "name",
        "phone",
        "expiry_date",
        "last_insurer",
        "commercial_premium",
        "compulsory_premium",
        "grade",
        "model",
        "vin",
        "advisor",
    }
    summary = import_rows(rows, "roster.xlsx", "en")
    assert summary.unchanged == 30 and summary.added == summary.updated == 0
    assert {
        plate: {k: v for k, v in p.items() if k not in ("roster_id", "coll_pk")}
        for plate, p in policies(stored).items()
    } == from_csv


def test_an_xlsx_with_date_cells_and_numbers_is_read(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(list(HEADERS["zh"]))
    sheet.append(
        [
            "粤B54321",
            "李娜",
            13900139000,
            dt.datetime(2026, 5, 1),
            "平安产险",
            3200,
            950.0,
            "C",
            None,
            None,
            None,
        ]
    )
    book.save(tmp_path / "dms.xlsx")
    checked = check_rows(read_roster(tmp_path / "dms.xlsx"), TODAY)
    records = checked.records
    assert checked.rejections == checked.warnings == []
    assert records[0]["phone"] == "+8613900139000"
    assert records[0]["expiry_date"] == "2026-05-01"
    assert records[0]["commercial_premium"] == Decimal("3200.00")
    assert records[0]["model"] is None


def test_a_gbk_csv_saved_by_chinese_excel_is_read(tmp_path):
    text = ",".join(HEADERS["zh"]) + "\n" + ",".join(row("粤B11111", 30)) + "\n"
    path = tmp_path / "gbk.csv"
    path.write_bytes(text.encode("gb18030"))
    sheet = read_roster(path)
    assert sheet.rows[0].values["name"] == "张伟"
    assert sheet.headers["commercial_premium"] == "商业险保费(元)"


def test_reimporting_the_same_file_changes_nothing(import_rows, stored, fake_clock):
    rows = sample_rows(120, TODAY)
    assert import_rows(rows).added == 120
    before = stored()
    fake_clock.advance(hours=3)
    summary = import_rows(rows)
    assert (summary.added, summary.updated, summary.unchanged) == (0, 0, 120)
    assert stored() == before


def test_a_newer_file_updates_only_the_records_it_changes(import_rows, stored, fake_clock):
    rows = [row("粤B10001", 50), row("粤B10002", 60), row("粤B10003", 70)]
    import_rows(rows)
    first = policies(stored)
    fake_clock.advance(days=1)
    newer = [
        row("粤B10001", 50),
        row("粤B10002", 425),  # renewed: next year's expiry
        row("粤B10003", 70, phone="13600136000", name="王芳"),
    ]  # sold to a new owner
    summary = import_rows(newer)
    assert (summary.added, summary.updated, summary.unchanged) == (0, 2, 1)
    now = policies(stored)
    assert now["粤B10001"] == first["粤B10001"]
    assert now["粤B10002"]["expiry_date"] == day(425)
    assert now["粤B10002"]["month_pk"].endswith(day(425)[:7])
    assert now["粤B10002"]["roster_id"] == first["粤B10002"]["roster_id"]
    # A new owner gets a new roster id: links sent to the previous owner stop working.
    assert now["粤B10003"]["phone"] == "+8613600136000"
    assert now["粤B10003"]["roster_id"] != first["粤B10003"]["roster_id"]


def test_bad_rows_are_reported_by_row_column_and_reason_and_good_rows_still_imported(
    cli, tmp_path, stored
):
    rows = [
        row("粤B20001", 30),
        row("粤B20002", 30, phone="12345"),
        row("粤B2", 30, expiry="2026-02-30"),
        row("粤B20004", 30, grade="D"),
        row("粤B20001", 45),
        row("粤B20006", 30, commercial="三千"),
        row("粤B20007", 30),
    ]
    path = write_roster(tmp_path / "dms.csv", rows)
    code, out, err = cli("roster", "import", str(path), "--rejects", str(tmp_path / "bad.csv"))
    assert code == 0
    assert "新增 4，更新 0，未变 0，拒绝 3 行；提醒 2 条" in out
    assert "第 3 行“手机号”列：不是11位中国大陆手机号" in err
    assert "第 4 行“车牌号”列：不是有效的车牌号" in err
    assert "第 4 行“保险到期日”列：日期无法识别" in err
    assert "第 6 行“车牌号”列：车牌号与第 2 行重复，本行未导入" in err
    # Optional columns: the row is imported without the bad value, and said so.
    assert "第 5 行“客户等级”列：客户等级只能是 A、B、C 或留空（该行已导入，此项未采用）" in err
    assert "第 7 行“商业险保费(元)”列：金额无法识别" in err
    assert set(policies(stored)) == {"粤B20001", "粤B20004", "粤B20006", "粤B20007"}
    assert policies(stored)["粤B20004"].get("grade") is None
    rejects = (tmp_path / "bad.csv").read_text(encoding="utf-8-sig").splitlines()
    assert rejects[0] == ",".join(HEADERS["zh"]) + ",拒绝原因,原文件行号"
    assert len(rejects) == 1 + 3


def test_a_file_without_a_required_column_is_refused_and_nothing_is_written(cli, tmp_path, stored):
    path = tmp_path / "partial.csv"
    path.write_text("车牌号,车主,保险到期日\n粤B30001,张伟,2026-05-01\n", encoding="utf-8")
    code, _, err = cli("roster", "import", str(path))
    assert code == 1
    assert "文件缺少必需的列：手机号" in err
    assert "policy" not in stored()


def test_unknown_columns_are_named_and_ignored(tmp_path):
    path = tmp_path / "extra.csv"
    path.write_text(
        "车牌号,车主姓名,手机号,到期日期,备注\n粤B30002,张伟,13800138000,2026-05-01,x\n",
        encoding="utf-8",
    )
    sheet = read_roster(path)
    assert sheet.ignored == ("备注",)
    assert "grade" in sheet.missing_optional


def test_of_two_columns_for_one_field_the_surer_name_is_used_and_said(tmp_path):
    path = tmp_path / "twice.csv"
    path.write_text(
        "车牌号,车主姓名,联系电话,手机号,到期日\n粤B30003,张伟,0755-1234567,13800138000,2026-05-01\n",
        encoding="utf-8",
    )
    sheet = read_roster(path)
    assert sheet.headers["phone"] == "手机号"
    assert sheet.duplicates == (("phone", "手机号", "联系电话"),)


@pytest.mark.parametrize(
    "written",
    [
        "2026-12-20",
        "2026/12/20",
        "2026.12.20",
        "20261220",
        "2026年12月20日",
        "2026-12-20 00:00:00",
        "2026/12/20",
        dt.date(2026, 12, 20),
        dt.datetime(2026, 12, 20, 0, 0),
        46376,
    ],
)
def test_dates_as_dms_exports_write_them_are_understood(written):
    assert parse_roster_date(written, TODAY) == "2026-12-20"


@pytest.mark.parametrize(
    "written, code",
    [
        ("2026-13-01", "invalid_date"),
        ("", "required"),
        ("明年", "invalid_date"),
        ("2062-01-01", "out_of_range"),
    ],
)
def test_impossible_dates_are_rejected_with_a_reason(written, code):
    with pytest.raises(RowProblem) as problem:
        parse_roster_date(written, TODAY)
    assert problem.value.code == code


def test_a_large_file_shows_a_progress_bar(cli, tmp_path):
    path = write_roster(tmp_path / "big.csv", sample_rows(1000, TODAY))
    code, out, err = cli("roster", "import", str(path))
    assert code == 0 and "新增 1000" in out
    assert "导入花名册" in err


def test_check_only_reports_and_writes_nothing(cli, tmp_path, stored):
    path = write_roster(tmp_path / "dms.csv", [row("粤B40001", 30), row("粤B40002", 30, phone="1")])
    code, out, _ = cli("roster", "import", str(path), "--check")
    assert code == 0 and "可导入 1 行，拒绝 1 行" in out
    assert "policy" not in stored()


def test_a_record_changed_between_the_imports_read_and_write_is_read_again(backend, stored):
    from renewdesk.services.roster import ImportSummary, RosterImport

    def record(insurer: str) -> dict:
        return {
            "plate": "粤B90001",
            "name": "张伟",
            "phone": "+8613800139001",
            "expiry_date": day(30),
            "grade": "B",
            "last_insurer": insurer,
            "commercial_premium": None,
            "compulsory_premium": None,
            "model": None,
            "vin": None,
            "advisor": None,
        }

    importer = RosterImport(backend.stores.roster, backend.now)
    importer.import_records([record("人保财险")], ImportSummary())

    def meanwhile(_):  # another import lands after this one read the record
        importer.import_records([record("平安产险")], ImportSummary())

    summary = importer.import_records([record("太平洋产险")], ImportSummary(), meanwhile)
    assert (summary.added, summary.updated, summary.unchanged) == (0, 1, 0)
    assert policies(stored)["粤B90001"]["last_insurer"] == "太平洋产险"


def test_the_accepted_column_names_are_listed_for_staff(cli):
    code, out, _ = cli("roster", "columns")
    lines = out.splitlines()
    from renewdesk.services.roster_files import COLUMNS

    assert code == 0 and len(lines) == len(COLUMNS)
    assert lines[0].startswith("车牌号\t必填\t车牌号 / 车牌")
    assert "客户等级\t\t客户等级 / 客户级别 / 等级 / grade / customer grade" in lines
