"""Ingest news articles into Chronicle: `python ingest.py FILE|DIR [...]` (see README)."""

import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main(["ingest", *sys.argv[1:]]))
