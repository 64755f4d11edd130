"""`python -m chatdesk` runs the CLI."""

import sys

from chatdesk.cli.main import main

sys.exit(main())
