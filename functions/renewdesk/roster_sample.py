"""A made-up policy roster shaped like a DMS export, for trying the import, tests and benchmarks.

Deterministic for a seed: the same rows every time. Plates, phones and VINs are unique per row;
expiry dates spread over the year from ``start``.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path
from typing import Any

HEADERS = {
    "zh": (
        "车牌号",
        "车主姓名",
        "手机号",
        "保险到期日",
        "上年承保公司",
        "商业险保费(元)",
        "交强险保费(元)",
        "客户等级",
        "车型",
        "车架号",
        "服务顾问",
    ),
    "en": (
        "plate",
        "owner name",
        "mobile",
        "expiry date",
        "last insurer",
        "commercial premium",
        "compulsory premium",
        "grade",
        "model",
        "VIN",
        "service advisor",
    ),
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = (
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "涛",
    "明",
    "超",
    "秀英",
    "桂兰",
    "建华",
    "志强",
)
INSURERS = ("人保财险", "平安产险", "太平洋产险", "国寿财险", "大地保险", "中华联合")
MODELS = ("凯美瑞", "雷凌", "RAV4荣放", "汉兰达", "卡罗拉", "亚洲龙", "bZ4X")
ADVISORS = ("陈顾问", "林顾问", "周顾问", "黄顾问")
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
VIN_ALPHABET = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"


def sample_rows(count: int, start: dt.date, seed: int = 7) -> list[tuple[Any, ...]]:
    """``count`` roster rows in the column order of HEADERS."""
    # Repeatable sample data, not a secret: bandit's B311 (random) does not apply.
    rng = random.Random(seed)  # nosec B311
    rows = []
    for index in range(count):
        letter, number = PLATE_LETTERS[index // 100000 % len(PLATE_LETTERS)], index % 100000
        grade = rng.choices("ABC", weights=(2, 5, 3))[0]
        commercial = rng.choice((0, rng.randint(1800, 16000)))
        rows.append(
            (
                f"粤{letter}{number:05d}",
                rng.choice(SURNAMES) + rng.choice(GIVEN),
                f"139{index:08d}",
                (start + dt.timedelta(days=index * 7919 % 365)).isoformat(),
                rng.choice(INSURERS),
                f"{commercial:.2f}" if commercial else "",
                "950.00",
                grade,
                rng.choice(MODELS),
                "LVG" + "".join(rng.choice(VIN_ALPHABET) for _ in range(14)),
                rng.choice(ADVISORS),
            )
        )
    return rows


def write_roster(path: Path, rows: list[tuple[Any, ...]], language: str = "zh") -> Path:
    """Write rows as .csv (UTF-8) or .xlsx, by the file's suffix."""
    headers = HEADERS[language]
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet("花名册")
        sheet.append(list(headers))
        for row in rows:
            sheet.append(list(row))
        book.save(path)
    else:
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(headers)
            writer.writerows(rows)
    return path
