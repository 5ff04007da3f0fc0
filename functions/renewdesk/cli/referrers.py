"""`renewdesk referrers add|list`: referral codes of existing customers."""

from __future__ import annotations

import click

from renewdesk.cli import common


@click.group()
def referrers() -> None:
    """Referral codes of existing customers."""


@referrers.command("add")
@click.option("--name", required=True, help="The customer's name.")
@click.option("--phone", required=True, help="The customer's mobile number.")
def referrers_add(name: str, phone: str) -> None:
    """Issue a referral code for a customer (the same code again for the same phone)."""
    from renewdesk.services.fields import normalize_name

    name = common.checked(normalize_name, "name", name)
    phone = common.phone(phone)
    service = common.services().referrals.referrers
    referrer = service.issue(name, phone)
    click.echo(f"{referrer.code}\t{service.signup_url(referrer.code)}")


@referrers.command("list")
def referrers_list() -> None:
    """Every referral code with its customer and sign-up URL."""
    service = common.services().referrals.referrers
    for r in service.all():
        masked = common.masked(r.phone)
        click.echo(
            f"{r.code}\t{r.name}\t{masked}\t{r.created_at[:10]}\t{service.signup_url(r.code)}"
        )
