"""The thin HTTP layer: Flask blueprints that translate requests into domain calls and
domain results and errors into UMAPI-shaped responses."""
