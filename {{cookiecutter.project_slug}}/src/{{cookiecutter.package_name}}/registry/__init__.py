"""The model registry: published versions, their files and metadata, the production pointer."""
