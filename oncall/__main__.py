"""`python -m oncall` runs the command line."""

import sys

from oncall.cli import main

sys.exit(main())
