import pytest

from territories.loading import load_reference_data


@pytest.fixture
def gers(db):
    """The Gers reference data (communes, cantons, EPCI), as loaded in production."""
    return load_reference_data()
