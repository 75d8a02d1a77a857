from tests.api.conftest import _clean_state

__all__ = ["_clean_state"]
