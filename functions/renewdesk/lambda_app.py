"""Zappa's entry point: the app built from the Lambda environment."""

from renewdesk.app import create_app

app = create_app()
