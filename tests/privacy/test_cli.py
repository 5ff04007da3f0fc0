"""`renewdesk customers erase PHONE [--yes]` against DynamoDB Local."""

from __future__ import annotations

import pytest


@pytest.fixture
def erase(cli):
    """Run `renewdesk customers erase ...` on this test's store, in Chinese; (exit code,
    everything it printed)."""

    def invoke(*args: str, stdin: str | None = None):
        code, out, err = cli("customers", "erase", *args, input=stdin)
        return code, out + err

    return invoke


def test_without_yes_it_shows_counts_by_kind_and_erases_only_when_confirmed(
    erase, backend, customers
):
    """The preview names the masked phone and counts, nothing else personal."""
    erased, _ = customers
    code, declined = erase("138-1234-5678", stdin="n\n")
    assert code == 1
    assert "+86138****5678" in declined and "已取消" in declined
    assert "未结束的线索（移出待办队列并清除联系信息）: 2" in declined
    assert "保单名单记录: 1" in declined
    assert not any(trace in declined for trace in erased.traces())
    assert backend.stores.leads.get_lead(erased.lead_ids[1]).phone == erased.phone

    code, confirmed = erase("138-1234-5678", stdin="y\n")
    assert code == 0, confirmed
    assert "已删除客户 +86138****5678 的个人信息" in confirmed
    assert not any(trace in confirmed for trace in erased.traces())
    assert backend.stores.leads.get_lead(erased.lead_ids[1]).status == "erased"


def test_with_yes_it_erases_at_once_and_a_second_run_finds_nothing(erase, customers):
    """No prompt with --yes; running again reports nothing left."""
    code, first = erase("+86 13812345678", "--yes")
    assert code == 0, first
    assert "确定删除吗" not in first and "已删除客户" in first
    code, again = erase("13812345678", "--yes")
    assert code == 0
    assert "没有 +86138****5678 的个人信息需要删除" in again


@pytest.mark.parametrize(
    "phone, message",
    [
        ("12345", "手机号码无效：请输入11位中国大陆手机号码"),
        ("12812345678", "手机号码无效：请输入11位中国大陆手机号码"),
        ("", "请提供要删除的客户的手机号码"),
    ],
)
def test_an_invalid_phone_gets_the_catalogs_message(erase, phone, message):
    """The intake's rule; a clear Chinese message, non-zero exit."""
    code, output = erase(phone, "--yes")
    assert code == 1
    assert message in output
