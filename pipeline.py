"""Command-line entry point: python pipeline.py COMMAND [options]."""

import sys

from reportgen.cli import main

if __name__ == "__main__":
    sys.exit(main())
