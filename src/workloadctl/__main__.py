"""`python -m workloadctl` is the same as the `workloadctl` console script."""

from workloadctl.cli import main

raise SystemExit(main())
