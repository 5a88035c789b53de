"""The hub tests use the sync cast (Jakarta, Bekasi, the hub's operator and a Kemensos officer)."""

from tests.sync.conftest import (  # noqa: F401 - fixtures
    api,
    bekasi_api,
    bekasi_dbm,
    cast,
    hub_api,
    sweep,
    sync_cast,
    units,
)
