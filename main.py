from nnviz.app import main

raise SystemExit(main())
