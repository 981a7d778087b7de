"""Watch the model in production: data and prediction drift against a reference set."""
