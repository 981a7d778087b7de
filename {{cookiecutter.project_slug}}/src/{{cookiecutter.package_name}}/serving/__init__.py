"""The HTTP prediction service: FastAPI app factory, schemas, routers and dependencies."""
