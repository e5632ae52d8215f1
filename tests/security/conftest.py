from tests.api.conftest import studio  # noqa: F401 - the API tests' studio
from tests.portal.conftest import portal  # noqa: F401 - fixtures shared with portal tests
from tests.web.conftest import clients, office  # noqa: F401 - fixtures shared with web tests
