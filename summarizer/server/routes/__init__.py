"""The server's routes, one module per kind: translation (LibreTranslate's own), articles (summaries and
digests), status (health, status, the spec, metrics). Each has `register(route, service)`."""
