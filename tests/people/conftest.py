import pytest

from tests.people.factories import PersonFactory


@pytest.fixture
def person_mae_sot(mae_sot):
    return PersonFactory(
        location=mae_sot, full_name="Kyaw Min Oo", name_my="ကျော်မင်းဦး", phone="0812345678"
    )


@pytest.fixture
def person_delhi(new_delhi):
    return PersonFactory(location=new_delhi, full_name="Hla Hla Win", name_my="လှလှဝင်း")
