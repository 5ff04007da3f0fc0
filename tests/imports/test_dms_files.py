"""Files as dealer management systems write them: the header is found under title rows and
merged cells, totals and notes are skipped, dates are read in every spelling in CSV and XLSX
alike, an optional column's bad cell keeps the policy, and the rejects file round-trips."""

from __future__ import annotations

import csv
import io

import pytest

from renewdesk.services.roster import check_rows
from renewdesk.services.roster_files import RosterFileError, read_roster, read_table
from renewdesk.services.roster_report import SheetReading, dropped_columns, notices
from tests.imports import dms
from tests.roster.conftest import TODAY


@pytest.fixture(params=["xlsx", "gbk.csv", "bom.csv"])
def export(request, tmp_path):
    """The same DMS export as XLSX, GBK CSV and UTF-8-with-BOM CSV."""
    kind = request.param
    path = tmp_path / f"花名册.{kind}"
    writer = {"xlsx": dms.xlsx, "gbk.csv": dms.gbk_csv, "bom.csv": dms.bom_csv}[kind]
    return writer(path)


def test_the_header_is_found_under_the_title_rows_and_read_as_one_with_its_merged_group(export):
    sheet = read_roster(export)
    assert sheet.header_rows == dms.HEADER_ROWS
    assert sheet.headers["commercial_premium"] == "商业险"
    assert sheet.headers["compulsory_premium"] == "交强险"
    assert sheet.headers["expiry_date"] == "保险到期日"
    # 手机 is surer than 联系电话 (often a landline): it is used, and the notice says so.
    assert sheet.headers["phone"] == "手机"
    assert sheet.duplicates == (("phone", "手机", "联系电话"),)
    assert sheet.ignored == ("序号", "联系电话", "备注")
    assert len(sheet.rows) == dms.ROWS and sheet.rows[0].number == dms.FIRST_DATA_ROW


def test_the_first_sheet_with_a_header_is_read_and_a_named_sheet_on_request(tmp_path):
    path = dms.xlsx(tmp_path / "花名册.xlsx")
    sheet = read_roster(path)
    assert (sheet.sheet, sheet.sheets) == ("花名册", ("使用说明", "花名册"))
    with pytest.raises(RosterFileError) as refused:
        read_roster(path, sheet="使用说明")
    assert refused.value.code == "no_header"
    with pytest.raises(RosterFileError) as unknown:
        read_roster(path, sheet="Sheet9")
    assert unknown.value.code == "unknown_sheet"


def test_totals_and_note_rows_are_skipped_with_one_notice(export):
    sheet = read_roster(export)
    assert [(s.number, s.kind) for s in sheet.skipped] == [
        (dms.TOTALS_ROW, "total"),
        (dms.NOTE_ROW, "note"),
    ]
    lines = notices(SheetReading.of(sheet), "zh")
    assert lines[0] == "表头在第 4–5 行" + ("（工作表“花名册”）" if sheet.sheet else "")
    skipped = [line for line in lines if line.startswith("已跳过")]
    assert skipped == [
        f"已跳过 2 行非客户数据：第 {dms.TOTALS_ROW} 行（合计行）、第 {dms.NOTE_ROW} 行（说明行）"
    ]


def test_serial_dates_text_dates_and_full_width_digits_read_the_same_in_csv_and_xlsx(export):
    checked = check_rows(read_roster(export), TODAY)
    by_plate = {r["plate"]: r for r in checked.records}
    assert set(by_plate) == dms.GOOD_PLATES
    assert by_plate["粤B10001"]["expiry_date"] == dms.day(40)  # a serial number
    assert by_plate["粤B10003"]["expiry_date"] == "2026-05-05"  # 2026年5月5日
    assert by_plate["粤B10004"]["expiry_date"] == "2026-04-20"  # 2026/4/20
    assert by_plate["粤B10002"]["phone"] == "+8613900139002"  # full-width digits
    assert str(by_plate["粤B10002"]["commercial_premium"]) == "3200.00"
    assert (by_plate["粤B10002"]["grade"], by_plate["粤B10003"]["grade"]) == ("B", "A")


def test_a_bad_optional_cell_keeps_the_policy_and_only_a_required_one_rejects_the_row(export):
    checked = check_rows(read_roster(export), TODAY)
    [warning] = checked.warnings
    assert (warning.row, warning.field, warning.code) == (dms.BAD_VIN_ROW, "vin", "invalid")
    vinless = next(r for r in checked.records if r["plate"] == "粤B10004")
    assert vinless["vin"] is None and vinless["unread"] == ("vin",)
    [rejection] = checked.rejections
    assert (rejection.row, rejection.field, rejection.column) == (
        dms.BAD_PHONE_ROW,
        "phone",
        "手机",
    )
    assert list(checked.rejected) == [dms.BAD_PHONE_ROW]


def test_the_same_export_gives_the_same_records_whatever_the_file_type(tmp_path):
    def records(path):
        return check_rows(read_roster(path), TODAY).records

    xlsx = records(dms.xlsx(tmp_path / "a.xlsx"))
    assert records(dms.gbk_csv(tmp_path / "b.csv")) == xlsx
    assert records(dms.bom_csv(tmp_path / "c.csv")) == xlsx


def test_digits_of_another_script_are_a_cell_problem_not_a_number(tmp_path):
    path = tmp_path / "arabic.csv"
    path.write_text(
        "车牌号,车主,手机号,到期日,车架号\n"
        "粤B20001,张伟,١٣٨٠٠١٣٨٠٠٠,2026-05-01,\n"
        "粤B20002,李娜,13800138002,2026-05-01,LVGBE40K8GG①23456\n",
        encoding="utf-8",
    )
    checked = check_rows(read_roster(path), TODAY)
    assert [(r.row, r.code) for r in checked.rejections] == [(2, "foreign_digits")]
    assert [(w.row, w.field, w.code) for w in checked.warnings] == [(3, "vin", "foreign_digits")]


def test_a_phone_excel_turned_into_scientific_notation_is_named_as_such(tmp_path):
    path = tmp_path / "sci.csv"
    path.write_text("车牌号,车主,手机号,到期日\n粤B20003,张伟,1.38001E+10,2026-05-01\n", "utf-8")
    [rejection] = check_rows(read_roster(path), TODAY).rejections
    assert rejection.code == "scientific_notation"


@pytest.mark.parametrize(
    "data, name, code",
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, "roster.xls", "old_excel"),
        (b"not a zip", "roster.xlsx", "unreadable_xlsx"),
        (b"%PDF-1.4", "roster.pdf", "unsupported_file"),
        ("标题\n\n说明,,\n".encode(), "roster.csv", "no_header"),
        ("车牌号,车主姓名,到期日\n粤B1,张,2026-01-01\n".encode(), "roster.csv", "missing_columns"),
        (b"   ", "roster.csv", "empty_file"),
    ],
)
def test_a_file_that_cannot_be_a_roster_is_refused_with_its_reason(data, name, code):
    with pytest.raises(RosterFileError) as refused:
        read_table(data, name)
    assert refused.value.code == code


def test_the_rejects_file_keeps_the_header_and_every_cell_and_imports_again_once_corrected(
    cli, tmp_path, stored
):
    source = dms.xlsx(tmp_path / "花名册.xlsx")
    rejects = tmp_path / "被拒绝的行.csv"
    code, out, err = cli("roster", "import", str(source), "--rejects", str(rejects))
    assert code == 0, err
    assert "新增 5，更新 0，未变 0，拒绝 1 行；提醒 1 条" in out
    assert f"第 {dms.BAD_VIN_ROW} 行“车架号”列：车架号应为17位" in err
    text = rejects.read_text(encoding="utf-8-sig")
    [header, bad] = list(csv.reader(io.StringIO(text)))
    assert header == [
        "序号",
        "车牌号",
        "车主",
        "联系电话",
        "手机",
        "保险到期日",
        "商业险",
        "交强险",
        "客户等级",
        "车型",
        "车架号",
        "服务顾问",
        "备注",
        "拒绝原因",
        "原文件行号",
    ]
    original = dms.records()[4]
    assert bad[:12] == [
        *("" if c is None else str(c) for c in original[:5]),
        dms.day(70),
        "3900",
        "950",
        "B",
        "RAV4荣放",
        "LVGBE40K8GG100005",
        "陈顾问",
    ]
    assert bad[-2:] == ["“手机”列：不是11位中国大陆手机号", str(dms.BAD_PHONE_ROW)]
    # Corrected in Excel and saved as it is: it imports, the reason columns unmentioned.
    bad[4] = "13500135005"
    fixed = tmp_path / "改好的.csv"
    with fixed.open("w", encoding="utf-8-sig", newline="") as out_file:
        csv.writer(out_file).writerows([header, bad])
    code, out, err = cli("roster", "import", str(fixed))
    assert code == 0, err
    assert "新增 1，更新 0，未变 0，拒绝 0 行" in out
    assert "拒绝原因" not in err and "原文件行号" not in err
    assert len(stored()["policy"]) == 6


def test_reason_columns_of_a_rejects_file_are_known_in_every_language():
    assert {
        "拒绝原因",
        "原文件行号",
        "rejectionreason",
        "rowintheoriginalfile",
    } <= dropped_columns()


@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_roster_column_has_a_name_people_read_in_every_language(language):
    from renewdesk import i18n
    from renewdesk.services.roster_files import COLUMNS

    assert {f"imports.field.{field}" for field in COLUMNS} <= set(i18n.catalog(language))


def test_a_file_without_the_optional_columns_names_them_in_chinese():
    from renewdesk import i18n
    from renewdesk.services.roster_report import field_label

    names = "、".join(field_label(f, "zh") for f in ("start_date", "status"))
    notice = i18n.message("zh", "roster.missing_optional", columns=names)
    assert notice == "文件中没有这些列（可选）：保险起期、保单状态"


def test_a_second_import_of_the_same_export_changes_nothing(cli, tmp_path, stored):
    source = dms.gbk_csv(tmp_path / "花名册.csv")
    assert cli("roster", "import", str(source))[0] == 0
    before = stored()
    code, out, _ = cli("roster", "import", str(source))
    assert code == 0 and "新增 0，更新 0，未变 5，拒绝 1 行" in out
    assert stored() == before


def test_a_bad_optional_cell_keeps_what_was_stored_for_it(cli, tmp_path, stored):
    good = tmp_path / "good.csv"
    good.write_text(
        "车牌号,车主,手机号,到期日,车架号\n粤B20009,张伟,13800138009,2026-05-01,LVGBE40K8GG123456\n",
        "utf-8",
    )
    typo = tmp_path / "typo.csv"
    typo.write_text(
        good.read_text("utf-8").replace("LVGBE40K8GG123456", "LVGBE40K8GG12345"), "utf-8"
    )
    cli("roster", "import", str(good))
    code, out, _ = cli("roster", "import", str(typo))
    assert "未变 1" in out
    [policy] = stored()["policy"]
    assert policy["vin"] == "LVGBE40K8GG123456"
