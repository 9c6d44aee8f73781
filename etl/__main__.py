"""python -m etl … — a thin shell over the library (see etl/cli.py)."""
import sys

from etl.cli import main

sys.exit(main())
