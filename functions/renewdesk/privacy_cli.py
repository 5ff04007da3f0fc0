"""`renewdesk customers erase PHONE`: forget a customer who asked to be deleted (PIPL).

It prints only the masked phone and counts by kind, never a name, plate or note.
"""

from __future__ import annotations

import click

from renewdesk import i18n

KINDS = ("open_leads", "closed_leads", "event_notes", "dedupe_guards", "policies",
         "referral_codes", "optouts", "spam")


def _text(key: str, **values: str) -> str:
    from renewdesk import cli

    return i18n.message(cli._lang(), f"cli.privacy.{key}", **values)


def _counts(counts: dict[str, int]) -> str:
    return "\n".join(f"  {_text('kind.' + kind)}: {counts[kind]}" for kind in KINDS
                     if counts[kind])


@click.group()
def customers() -> None:
    """Customers' personal data: erase on request."""


@customers.command("erase")
@click.argument("phone")
@click.option("--yes", is_flag=True, help="Erase without showing what and asking first.")
def erase(phone: str, yes: bool) -> None:
    """Erase everything stored about the customer with this mobile number."""
    from renewdesk import cli
    from renewdesk.errors import InvalidFields
    from renewdesk.services import privacy

    try:
        phone = privacy.parse_phone(phone)
    except InvalidFields as error:
        raise click.ClickException(_text(f"phone_{error.fields['phone']}")) from None
    masked = privacy.mask_phone(phone)
    erasure = cli._backend().erasure
    if not yes:
        counts = erasure.survey(phone).counts()
        if not any(counts.values()):
            click.echo(_text("nothing", phone=masked))
            return
        click.echo(_text("will_erase", phone=masked))
        click.echo(_counts(counts))
        if not click.confirm(_text("confirm")):
            click.echo(_text("cancelled"))
            raise click.exceptions.Exit(1)
    counts = erasure.erase(phone)
    if not any(counts.values()):
        click.echo(_text("nothing", phone=masked))
        return
    click.echo(_text("erased", phone=masked))
    click.echo(_counts(counts))
