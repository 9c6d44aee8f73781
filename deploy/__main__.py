from deploy.replicas import main

raise SystemExit(main())
