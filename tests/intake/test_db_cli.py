"""`renewdesk db init` says whether it created the table."""

from __future__ import annotations

import uuid

from click.testing import CliRunner

from renewdesk.cli import main


def test_db_init_creates_the_table_once_and_then_says_it_exists(dynamodb):
    env = {"DYNAMODB_ENDPOINT": dynamodb.endpoint, "TABLE_NAME": f"init-{uuid.uuid4().hex[:8]}"}
    first = CliRunner().invoke(main, ["db", "init"], env=env)
    again = CliRunner().invoke(main, ["db", "init"], env=env)
    assert (first.exit_code, first.output) == (0, "table created\n")
    assert (again.exit_code, again.output) == (0, "table already exists\n")
