"""`python -m renewdesk.cli`."""

from renewdesk.cli import main

main()
