"""Raw data: schema, loading, validation and a synthetic generator."""
