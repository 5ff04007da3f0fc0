"""Links point where the site is: the local server's real port locally (PORT), the stage's site
address in a stage build and on AWS."""

from __future__ import annotations

import re

from renewdesk.config import Settings, local_site_origin
from renewdesk.publish import stages
from renewdesk.publish.generate import sms_origin
from tests.roster.conftest import TODAY, row


def test_the_site_origin_follows_port_unless_site_origin_says_otherwise():
    assert Settings.from_env({}).site_origin == "http://127.0.0.1:8000"
    assert Settings.from_env({"PORT": "9123"}).site_origin == "http://127.0.0.1:9123"
    assert (
        Settings.from_env({"PORT": "9123", "SITE_ORIGIN": "https://www.example-4s.cn"}).site_origin
        == "https://www.example-4s.cn"
    )
    assert local_site_origin({"PORT": "9001"}) == "http://127.0.0.1:9001"


def test_a_stage_build_sizes_its_links_with_the_stages_site_address():
    assert sms_origin(stages.load("prod")) == "https://www.example-4s.cn"
    assert sms_origin(stages.load("dev")) == "https://dev.example-4s.cn"


def test_reminders_run_from_the_command_line_link_to_the_local_servers_port(
    import_rows, cli, settings
):
    import_rows([row("粤B35001", 60, phone="13800135001")])
    code, out, _ = cli(
        "reminders", "run", "--as-of", TODAY.isoformat(), env={"PORT": "9123", "SITE_ORIGIN": None}
    )
    assert code == 0
    path = settings.sms_outbox_dir / f"{TODAY.isoformat()}.csv"
    text = path.read_text(encoding="utf-8-sig")
    assert re.search(r"http://127\.0\.0\.1:9123/r/[0-9A-Za-z]{12} ", text)


def test_without_port_the_cli_links_to_the_running_local_server(monkeypatch, tmp_path):
    from renewdesk import devserver
    from renewdesk.cli import common

    monkeypatch.delenv("SITE_ORIGIN", raising=False)
    monkeypatch.delenv("PORT", raising=False)
    monkeypatch.setattr(devserver, "ORIGIN_FILE", tmp_path / "site-origin")
    devserver.record_origin("http://127.0.0.1:9555")
    assert common.site_origin_of_env() == "http://127.0.0.1:9555"
    devserver.forget_origin()
    assert common.site_origin_of_env() == "http://127.0.0.1:8000"
