"""The HTTP prediction service: app factory, schemas, validation, routes, state and server limits."""
