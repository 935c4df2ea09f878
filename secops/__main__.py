from secops.cli import main

raise SystemExit(main())
