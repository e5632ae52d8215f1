from tests.web.conftest import clients, office  # noqa: F401 - fixtures shared with web tests
