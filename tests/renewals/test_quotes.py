"""Quotes: insurer from the list (aliases resolve), premiums apart, the gift tier they earn,
who may record them, and closing won by naming one."""

from __future__ import annotations

import pytest

from tests.staff.conftest import add_lead, post


@pytest.fixture
def held(specialist, backend):
    lead_id = add_lead(backend, grade="A", expiry_date="2026-06-20")
    assert post(specialist, "/api/staff/leads/claim").get_json()["lead_id"] == lead_id
    return lead_id


def quote(client, lead_id, **body):
    return post(
        client,
        f"/api/staff/leads/{lead_id}/quotes",
        {"insurer": "平安", "commercial_premium": "5600", "compulsory_premium": "950", **body},
    )


@pytest.mark.parametrize(
    ("commercial", "band"),
    [("0", "compulsory_only"), ("2999.99", "0-3000"), ("3000", "3000-5000"), ("12000", "8000+")],
)
def test_a_quote_earns_the_gift_tier_of_its_commercial_premium(specialist, held, commercial, band):
    answer = quote(specialist, held, commercial_premium=commercial)
    assert answer.status_code == 201, answer.get_json()
    tier = answer.get_json()["gift_tier"]
    assert tier["band"] == band and tier["gifts"]


def test_aliases_resolve_and_unknown_insurers_are_refused(specialist, held):
    assert (
        quote(specialist, held, insurer="中国平安财产保险股份有限公司深圳分公司").get_json()[
            "insurer"
        ]
        == "平安"
    )
    refused = quote(specialist, held, insurer="不存在保险")
    assert refused.status_code == 400
    assert refused.get_json()["fields"]["insurer"]["code"] == "unknown"
    assert "保险公司" in refused.get_json()["fields"]["insurer"]["message"]


def test_bad_quotes_name_every_problem(specialist, held):
    answer = quote(
        specialist,
        held,
        commercial_premium="-1",
        compulsory_premium="abc",
        valid_until="2026-02-30",
        colour="red",
    )
    fields = answer.get_json()["fields"]
    assert answer.status_code == 400
    assert {k: v["code"] for k, v in fields.items()} == {
        "commercial_premium": "invalid_amount",
        "compulsory_premium": "invalid_amount",
        "valid_until": "invalid_date",
        "colour": "unknown_field",
    }
    nothing = quote(specialist, held, commercial_premium="0", compulsory_premium="0")
    assert nothing.get_json()["fields"]["commercial_premium"]["code"] == "premium_missing"
    stale = quote(specialist, held, valid_until="2026-05-01")
    assert stale.get_json()["fields"]["valid_until"]["code"] == "in_past"


def test_only_the_holder_or_a_supervisor_records_quotes(app, backend, held, supervisor):
    from tests.staff.conftest import add_staff, sign_in

    other = sign_in(app, add_staff(backend, "zhou.min"))
    assert quote(other, held).status_code == 403
    assert quote(supervisor, held).status_code == 201


def test_closing_won_names_a_quote_of_the_lead_or_is_refused(specialist, held, backend):
    first = quote(specialist, held).get_json()
    unknown = post(
        specialist, f"/api/staff/leads/{held}/close", {"outcome": "won", "quote_id": "nope"}
    )
    assert unknown.get_json()["fields"]["quote_id"]["code"] == "unknown"
    lost = post(
        specialist,
        f"/api/staff/leads/{held}/close",
        {"outcome": "lost", "reason": "price", "quote_id": first["quote_id"]},
    )
    assert lost.get_json()["fields"]["quote_id"]["code"] == "only_when_won"
    won = post(
        specialist,
        f"/api/staff/leads/{held}/close",
        {"outcome": "won", "quote_id": first["quote_id"]},
    )
    assert won.status_code == 200
    lead = backend.stores.queue.get_lead(held)
    assert (float(lead.premium), lead.insurer, lead.quote_id) == (6550.0, "平安", first["quote_id"])
