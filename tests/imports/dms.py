"""A roster written the way dealer management systems export it: a merged title row and an
export line above a two-row header (a merged group label over the premiums), serial dates,
full-width digits, a totals row and a note row below the records, one bad VIN, one bad phone.
The same export as XLSX (with an instructions sheet first), GBK CSV and UTF-8-with-BOM CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from tests.roster.conftest import TODAY

TITLE = "德瑞汽车 续保客户名单（2026年3月导出）"
EXPORTED = "导出时间：2026-03-02 09:30　操作员：王主管"
HEADER = [
    "序号",
    "车牌号",
    "车主",
    "联系电话",
    "手机",
    "保险到期日",
    "上年保费(元)",
    None,
    "客户等级",
    "车型",
    "车架号",
    "服务顾问",
    "备注",
]
SUB_HEADER = [None, None, None, None, None, None, "商业险", "交强险", None, None, None, None, None]
HEADER_ROWS = (4, 5)
FIRST_DATA_ROW = 6


def serial(offset: int) -> int:
    """The spreadsheet serial number of the day ``offset`` days after TODAY."""
    return (TODAY + dt.timedelta(days=offset) - dt.date(1899, 12, 30)).days


def day(offset: int) -> str:
    return (TODAY + dt.timedelta(days=offset)).isoformat()


def records() -> list[list]:
    """The data rows; expiry as a serial number (a date cell in XLSX, its number in CSV)."""
    return [
        [
            1,
            "粤B10001",
            "张伟",
            "0755-23456780",
            "13800138001",
            serial(40),
            4280.5,
            950,
            "A",
            "凯美瑞",
            "LVGBE40K8GG100001",
            "陈顾问",
            None,
        ],
        [
            2,
            "粤B 10002",
            "李娜",
            None,
            "１３９００１３９００２",
            serial(50),
            "¥3,200",
            "950",
            "B级",
            "雷凌",
            "LVGBE40K8GG100002",
            "林顾问",
            "老客户",
        ],
        [
            3,
            "粤b10003",
            "王芳",
            None,
            "13700137003",
            "2026年5月5日",
            5600,
            950,
            "a类",
            "汉兰达",
            "LVGBE40K8GG100003",
            "周顾问",
            None,
        ],
        # A VIN with an I in it: the policy is imported, without the VIN, with a warning.
        [
            4,
            "粤B10004",
            "赵磊",
            None,
            "13600136004",
            "2026/4/20",
            2100,
            950,
            "C",
            "卡罗拉",
            "LVGBE40K8GG10000I",
            "黄顾问",
            None,
        ],
        # Ten digits: the phone is required, so the row is rejected.
        [
            5,
            "粤B10005",
            "孙敏",
            None,
            "1350013500",
            serial(70),
            3900,
            950,
            "B",
            "RAV4荣放",
            "LVGBE40K8GG100005",
            "陈顾问",
            None,
        ],
        [
            6,
            "粤B10006",
            "周杰",
            None,
            "13400134006",
            serial(80),
            None,
            950,
            None,
            "亚洲龙",
            None,
            "林顾问",
            None,
        ],
    ]


TOTALS = ["合计", None, "共 6 人", None, None, None, 20980.5, 5700, None, None, None, None, None]
NOTE = ["注：本名单由 DMS 导出，仅供门店内部续保使用"] + [None] * 12
ROWS = len(records())
GOOD_PLATES = {"粤B10001", "粤B10002", "粤B10003", "粤B10004", "粤B10006"}
BAD_PHONE_ROW = FIRST_DATA_ROW + 4
BAD_VIN_ROW = FIRST_DATA_ROW + 3
TOTALS_ROW = FIRST_DATA_ROW + ROWS
NOTE_ROW = TOTALS_ROW + 1


def xlsx(path: Path) -> Path:
    """The export as a workbook: an instructions sheet, then the roster with merged cells."""
    from openpyxl import Workbook

    book = Workbook()
    guide = book.active
    guide.title = "使用说明"
    guide.append(["本文件由 DMS 导出，请勿修改表头。"])
    sheet = book.create_sheet("花名册")
    sheet.append([TITLE])
    sheet.merge_cells("A1:M1")
    sheet.append([EXPORTED])
    sheet.merge_cells("A2:M2")
    sheet.append([])
    sheet.append(HEADER)
    sheet.append(SUB_HEADER)
    for column in "ABCDEFIJKLM":
        sheet.merge_cells(f"{column}4:{column}5")
    sheet.merge_cells("G4:H4")
    for values in records():
        sheet.append(values)
        cell = sheet.cell(row=sheet.max_row, column=6)
        if isinstance(cell.value, int):
            cell.number_format = "yyyy-mm-dd"  # a date cell, as Excel keeps it: a serial number
    sheet.append(TOTALS)
    sheet.append(NOTE)
    book.save(path)
    return path


def csv_text() -> str:
    """The export as CSV: merged cells become empty ones, dates stay serial numbers."""
    out = io.StringIO()
    writer = csv.writer(out)
    width = len(HEADER)
    writer.writerow([TITLE] + [""] * (width - 1))
    writer.writerow([EXPORTED] + [""] * (width - 1))
    writer.writerow([""] * width)
    writer.writerow(["" if c is None else c for c in HEADER])
    writer.writerow(["" if c is None else c for c in SUB_HEADER])
    for values in [*records(), TOTALS, NOTE]:
        writer.writerow(["" if c is None else c for c in values])
    return out.getvalue()


def gbk_csv(path: Path) -> Path:
    path.write_bytes(csv_text().encode("gb18030"))
    return path


def bom_csv(path: Path) -> Path:
    path.write_bytes(csv_text().encode("utf-8-sig"))
    return path


def big_xlsx(path: Path, count: int) -> Path:
    """A larger export of the same shape (title row, one-row header, totals): ``count`` made-up
    policies, the last two with a bad phone."""
    from openpyxl import Workbook

    from renewdesk.roster_sample import HEADERS, sample_rows

    rows = [list(r) for r in sample_rows(count, TODAY)]
    for bad in rows[-2:]:
        bad[2] = "1380013"
    book = Workbook()
    sheet = book.active
    sheet.title = "续保名单"
    sheet.append([TITLE])
    sheet.merge_cells("A1:K1")
    sheet.append([])
    sheet.append(list(HEADERS["zh"]))
    for values in rows:
        sheet.append(values)
    sheet.append(["合计", f"共 {count} 辆"])
    book.save(path)
    return path
