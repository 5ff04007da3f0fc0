"""The console's upload pages without JavaScript: choose a file, read the preview, confirm, and
the running page reloads itself until the summary; specialists are kept out."""

from __future__ import annotations

import io
import re
import time

from tests.imports import dms


def test_without_javascript_the_upload_is_a_form_a_preview_and_a_page_that_reloads(
    supervisor, tmp_path, stored
):
    page = supervisor.get("/staff/roster/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in html and "把文件拖到这里" in html
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    data = dms.gbk_csv(tmp_path / "花名册.csv").read_bytes()
    sent = supervisor.post(
        "/staff/roster/imports",
        data={"csrf_token": csrf, "file": (io.BytesIO(data), "花名册.csv")},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 303
    preview = supervisor.get(sent.headers["Location"]).get_data(as_text=True)
    assert "确认导入" in preview and "表头在第 4–5 行" in preview and "“手机”" in preview
    assert "policy" not in stored()
    start = re.search(r'action="([^"]+/start)"', preview).group(1)
    started = supervisor.post(start, data={"csrf_token": csrf})
    assert started.status_code == 303
    deadline = time.monotonic() + 20
    while True:
        running = supervisor.get(sent.headers["Location"]).get_data(as_text=True)
        if "导入完成" in running or time.monotonic() > deadline:
            break
        assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in running
        time.sleep(0.05)
    assert "新增 5，更新 0，未变 0，拒绝 1 行，提醒 1 条" in running
    assert "下载被拒绝的 1 行" in running
    assert len(stored()["policy"]) == 5


def test_a_file_that_is_no_roster_is_said_on_the_upload_page(supervisor):
    html = supervisor.get("/staff/roster/").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    sent = supervisor.post(
        "/staff/roster/imports",
        data={"csrf_token": csrf, "file": (io.BytesIO("车牌号,车主\n".encode()), "x.csv")},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 400
    assert "文件缺少必需的列" in sent.get_data(as_text=True)


def test_the_upload_pages_are_the_supervisors(specialist):
    assert specialist.get("/staff/roster/").status_code == 403
