"""No file the product writes can run a formula in Excel (OWASP CSV injection)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from renewdesk.services import exports
from renewdesk.services.staff import Actor
from renewdesk.services.staff_inputs import Close, FollowUp
from tests.roster.conftest import cli  # noqa: F401  (a fixture)
from tests.staff.conftest import add_lead, add_staff, sign_in

HYPERLINK = '=HYPERLINK("http://x","y")'


@pytest.mark.parametrize("text", [HYPERLINK, "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"])
def test_text_that_excel_would_read_as_a_formula_gets_an_apostrophe(text):
    assert exports.csv_cell(text) == "'" + text
    assert exports.unneutralised(exports.csv_cell(text)) == text


def test_numbers_stay_numbers_negative_ones_included():
    assert [exports.csv_cell(v) for v in (-12.5, -3, Decimal("-4280.00"), 0, None)] == [
        "-12.5",
        "-3",
        "-4280.00",
        "0",
        "",
    ]
    assert exports.csv_cell("张伟") == "张伟"


def test_an_xlsx_stores_formula_text_as_text_and_numbers_as_numbers():
    data = exports.xlsx_bytes({"表": [["备注", "金额"], [HYPERLINK, -12.5]]})
    sheet = load_workbook(io.BytesIO(data)).active
    note, amount = sheet["A2"], sheet["B2"]
    assert note.data_type == "s" and note.value == HYPERLINK
    assert amount.data_type == "n" and amount.value == -12.5


def test_a_close_note_with_a_formula_opens_as_text_in_the_monthly_csv(app, backend):
    add_staff(backend, "li.na")
    add_staff(backend, "wang.boss", "supervisor")
    li = Actor("li.na", "specialist")
    lead_id = add_lead(backend)
    assert backend.staff.claims.claim_next(li).lead_id == lead_id
    backend.staff.followups.record(li, lead_id, FollowUp(channel="phone", result="refused"))
    backend.staff.closing.close(li, lead_id, Close(outcome="lost", reason="other", note=HYPERLINK))
    month = backend.now().strftime("%Y-%m")
    answer = sign_in(app, "wang.boss").get(f"/api/staff/reports/monthly?month={month}&format=csv")
    cells = [
        cell for row in csv.reader(io.StringIO(answer.data.decode("utf-8-sig"))) for cell in row
    ]
    assert "'" + HYPERLINK in cells
    assert HYPERLINK not in cells


def test_the_rejects_file_neutralises_a_column_name_taken_from_the_file(cli, tmp_path):  # noqa: F811
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "车牌号,车主姓名,手机号,保险到期日\n=1+1,张伟,13800138000,2026-12-20\n", encoding="utf-8"
    )
    rejects = tmp_path / "rejects.csv"
    cli("roster", "import", str(roster), "--rejects", str(rejects))
    cells = [c for row in csv.reader(io.StringIO(rejects.read_text("utf-8-sig"))) for c in row]
    assert all(not c.startswith(exports.FORMULA_STARTS) for c in cells), cells
