"""`python -m pakaura_api` is `pakaura-api`."""

from pakaura_api.cli import main

main()
