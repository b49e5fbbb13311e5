# Hand-written (nbdev exports no __main__): `python -m tweetsent` runs the command line from notebooks/lib/cli.ipynb.
import sys

from tweetsent.cli import main

sys.exit(main())
