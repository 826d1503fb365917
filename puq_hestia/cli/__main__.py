"""`python -m puq_hestia.cli`: the same as the `puq-hestia` console script."""

from puq_hestia.cli import main

raise SystemExit(main())
