"""`renewdesk`: the operations command line, a thin layer over the services.

Each area's commands live in their own module (server, staff, referrers, roster, customers,
site), which imports cli.common and never this package's root.
"""

from __future__ import annotations

import click

from renewdesk.cli.customers import customers
from renewdesk.cli.referrers import referrers
from renewdesk.cli.renewals import renewals, reports
from renewdesk.cli.roster import reminders, roster
from renewdesk.cli.server import db, package, serve
from renewdesk.cli.site import site
from renewdesk.cli.sms import sms
from renewdesk.cli.staff import staff


@click.group()
def main() -> None:
    """RenewDesk operations: local server, database, site, staff, roster, reminders, referrals."""


for command in (
    serve,
    db,
    package,
    staff,
    referrers,
    site,
    roster,
    reminders,
    customers,
    sms,
    reports,
    renewals,
):
    main.add_command(command)
