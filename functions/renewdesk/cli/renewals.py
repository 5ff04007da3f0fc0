"""`renewdesk reports defeats --month YYYY-MM`: store a month's defeat analysis (the job of the
1st, by hand) and optionally write it as XLSX; `renewdesk renewals lapse`: mark the cycles 30
days past expiry (also done by `reminders run`); `renewdesk renewals backfill`: give roster
records stored before renewal cycles existed their cycle."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from renewdesk import i18n
from renewdesk.cli import common


def _month(value: str | None) -> str | None:
    """A YYYY-MM month, or a Chinese error naming the problem."""
    if value is None:
        return None
    from renewdesk.errors import InvalidFields
    from renewdesk.services.reports import parse_month

    try:
        return parse_month(value, dt.datetime.now(dt.timezone.utc))
    except InvalidFields:
        message = i18n.field_error(common.lang(), "month", "invalid_month")
        raise click.BadParameter(message) from None


@click.group()
def reports() -> None:
    """Reports the supervisor hands on: the monthly defeat analysis."""


@reports.command("defeats")
@click.option("--month", default=None, help="YYYY-MM (default: last month, China time).")
@click.option(
    "--xlsx",
    "xlsx_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the analysis to this Excel file.",
)
def defeats(month: str | None, xlsx_path: Path | None) -> None:
    """Store a month's defeat analysis (done by the scheduled job on the 1st)."""
    wanted = _month(month)
    services = common.services()
    summary = services.renewals.defeats.prepare(wanted)
    click.echo(
        common.text(
            "defeats.cli_done",
            month=summary["month"],
            count=summary["lost"]["count"],
            premium=f"{summary['lost']['premium']:,.2f}",
        )
    )
    if xlsx_path is not None:
        from renewdesk.services.defeats import analyse
        from renewdesk.services.renewal_tables import as_xlsx, defeat_sheets

        lost = services.stores.defeats.lost_closes(summary["month"])
        language = common.lang()
        sheets = defeat_sheets(
            analyse(summary["month"], lost),
            lambda key, **values: i18n.message(language, key, **values),
        )
        xlsx_path.write_bytes(as_xlsx(sheets))
        click.echo(common.text("defeats.cli_file", path=xlsx_path))


@click.group()
def renewals() -> None:
    """Renewal cycles: lapses, and cycles for records stored before they existed."""


@renewals.command("lapse")
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), default=None)
def lapse(as_of: dt.datetime | None) -> None:
    """Mark the cycles 30 days past expiry with neither a win nor a loss as lapsed."""
    report = common.services().renewals.lapses.run(as_of.date() if as_of else None)
    click.echo(common.text("lapses.cli_done", **report.counts()))


@renewals.command("backfill")
def backfill() -> None:
    """Give every roster record without a renewal cycle its cycle (running it again adds none)."""
    added = common.services().stores.roster.backfill_cycles()
    click.echo(str(added))
