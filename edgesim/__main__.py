import sys

from edgesim.cli import main

sys.exit(main())
