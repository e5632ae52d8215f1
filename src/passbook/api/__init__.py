"""HTTP API v1 (django-ninja). It reads models and calls services; it writes nothing itself."""
