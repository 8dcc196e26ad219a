import sys

from atiende.cli import main

sys.exit(main())
