"""``python -m faults``: run the fault-injection matrix and print its table."""

import sys

from faults.runner import main

sys.exit(main())
