from cloudctl.cli.main import main

raise SystemExit(main())
