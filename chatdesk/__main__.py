"""`python -m chatdesk` runs the CLI."""

import sys

from chatdesk.cli import main

sys.exit(main())
