"""Reminders cost one message where possible: templates are sized the way carriers bill
(signature, link and opt-out included; 70 for one message, 67 a part beyond), with the stage's
real site origin, in the site build and in the daily run; a template over the messages it
declares fails."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from renewdesk.content import ContentInvalid, load
from renewdesk.services import sms_segments
from renewdesk.services.sms import ContentError, load_checked, load_templates
from tests.roster.conftest import TODAY, row

PROD = "https://www.example-4s.cn"


@pytest.fixture
def content(tmp_path, settings) -> Path:
    copy = tmp_path / "content"
    shutil.copytree(settings.content_dir, copy)
    return copy


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.mark.parametrize(
    "length, billed", [(1, 1), (70, 1), (71, 2), (134, 2), (135, 3), (201, 3), (202, 4)]
)
def test_carriers_bill_70_characters_as_one_message_and_67_a_part_beyond(length, billed):
    assert sms_segments.segments("字" * length) == billed


def test_a_character_beyond_the_basic_plane_counts_twice():
    assert sms_segments.billed_length("好😀") == 3
    assert sms_segments.segments("字" * 69 + "😀") == 2


def test_the_demo_templates_fit_one_message_with_the_prod_origin_the_longer_one_two(settings):
    sizes = {s.template.template_id: s for s in load_templates(settings.content_dir).sizes(PROD)}
    assert (sizes["standard"].segments, sizes["standard"].template.max_segments) == (1, 1)
    assert sizes["standard"].length <= 70
    assert (sizes["premium"].segments, sizes["premium"].template.max_segments) == (2, 2)


def test_every_message_starts_with_the_signature_and_ends_with_the_opt_out(
    import_rows, backend, settings
):
    import_rows([row("粤B31001", 60, grade="B", phone="13800131001")])
    [message] = backend.roster.reminders.run().messages
    assert message.text.startswith("【德瑞汽车4S店】车险")
    assert message.text.endswith(" 回复TD退订")
    assert message.segments == 1 and len(message.text) <= 70


def test_the_opt_out_wording_is_the_sms_platforms_and_the_signature_the_stores(content):
    edit(content / "sms.yml", "opt_out: 回复TD退订", "opt_out: 拒收请回复R")
    edit(content / "store.yml", "sms_signature: 德瑞汽车4S店", "sms_signature: 德瑞汽车")
    templates = load_templates.__wrapped__(content)
    text = templates.compose(templates.by_grade["B"].text, date="", month="5", day="1", link="L")
    assert text == "【德瑞汽车】车险5月1日到期，续保L 拒收请回复R"
    assert "R" in templates.opt_out_replies() and "TD" in templates.opt_out_replies()


@pytest.mark.parametrize("wording", ["", "请勿回复", "回复TD退订，拒收请回复R，谢谢您的支持"])
def test_an_opt_out_wording_that_does_not_say_how_is_refused(content, wording):
    edit(content / "sms.yml", "opt_out: 回复TD退订", f"opt_out: '{wording}'")
    with pytest.raises(ContentError, match="opt_out"):
        load_templates.__wrapped__(content)


def test_a_template_longer_than_its_messages_fails_the_build_and_the_run(content):
    edit(
        content / "sms.yml",
        "车险{month}月{day}日到期，续保{link}",
        "您的车险{month}月{day}日到期，续保{link}",
    )
    with pytest.raises(ContentInvalid) as invalid:
        load(content, stage="prod", site_origin=PROD)
    report = invalid.value.report("zh")
    assert "content/sms.yml" in report and "模板 standard" in report
    assert "最长 71 字" in report and "计 2 条短信" in report and "max_segments: 1" in report
    with pytest.raises(ContentError, match="模板 standard"):
        load_checked(content, PROD)
    # The same template fits a shorter address: the stage's real origin decides.
    assert load_checked(content, "http://127.0.0.1:8000")


def test_max_segments_must_be_a_small_whole_number(content):
    edit(content / "sms.yml", "    max_segments: 2", "    max_segments: two")
    with pytest.raises(ContentError, match="max_segments"):
        load_templates.__wrapped__(content)


def test_the_signature_is_not_written_in_a_template(content):
    edit(content / "sms.yml", '"车险{month}', '"【德瑞】车险{month}')
    with pytest.raises(ContentError, match="signature"):
        load_templates.__wrapped__(content)


def test_the_run_prints_messages_billed_segments_and_each_templates_size(import_rows, cli):
    import_rows(
        [
            row("粤B31002", 60, grade="A", phone="13800131002"),
            row("粤B31003", 60, grade="C", phone="13800131003"),
        ]
    )
    code, out, _ = cli("reminders", "run", "--as-of", TODAY.isoformat())
    assert code == 0
    assert "今天的提醒短信 2 条，按运营商计费共 3 条" in out
    assert (
        "短信模板 standard：最长 69 字（含签名、链接和退订提示），计 1 条短信（上限 1 条）" in out
    )
    assert "短信模板 premium：最长 120 字" in out and "计 2 条短信（上限 2 条）" in out


def test_the_site_build_states_each_templates_size_with_the_stages_links(tmp_path):
    from renewdesk.cli import main

    result = CliRunner().invoke(
        main, ["site", "build", "--stage", "prod", "--site-dir", str(tmp_path / "site")]
    )
    assert result.exit_code == 0, result.output
    assert "短信模板 standard：最长 69 字" in result.output
    assert "短信模板 premium：最长 120 字" in result.output
