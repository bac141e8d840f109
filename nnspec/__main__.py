from nnspec.cli import main

raise SystemExit(main())
