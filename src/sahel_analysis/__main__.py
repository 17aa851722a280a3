import sys

from sahel_analysis.cli import main

sys.exit(main())
