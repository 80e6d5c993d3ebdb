"""The ``tsunagu`` command line: :mod:`cli.main` holds the app, one module per command group.

The top layer: it reads the settings once and calls graph, ingest, matching and api.  Heavy
libraries are imported inside the commands so ``tsunagu --help`` stays fast."""
