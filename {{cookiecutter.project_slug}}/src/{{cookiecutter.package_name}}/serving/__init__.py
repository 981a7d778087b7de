"""The HTTP prediction service: app factory, schemas, validation, routes and server limits."""
