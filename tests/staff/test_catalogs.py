"""The staff console's message catalogs."""

from __future__ import annotations

import json
from pathlib import Path

from renewdesk import i18n

MESSAGES = Path(i18n.__file__).parent / "messages"


def test_every_staff_console_message_is_in_chinese_and_in_english():
    zh, en = (
        json.loads((MESSAGES / lang / "staff.json").read_text(encoding="utf-8"))
        for lang in ("zh", "en")
    )
    assert sorted(set(zh) ^ set(en)) == []
