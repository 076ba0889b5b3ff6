import sys

from videoassist.cli.main import main

sys.exit(main())
