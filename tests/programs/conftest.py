import pytest

from portal.roles import Role
from tests.conftest import make_user
from tests.programs.factories import PersonFactory


@pytest.fixture
def other_trainer(mae_sot):
    """A second trainer at MAE-SOT: a colleague of `trainer`, whose sessions stay hidden."""
    return make_user(Role.TRAINER, [mae_sot], mfa=False, email="trainer2@example.org")


@pytest.fixture
def trainer_delhi(new_delhi):
    return make_user(Role.TRAINER, [new_delhi], mfa=False, email="trainer.delhi@example.org")


@pytest.fixture
def person_mae_sot(mae_sot):
    return PersonFactory(location=mae_sot)


@pytest.fixture
def person_delhi(new_delhi):
    return PersonFactory(location=new_delhi, case_number="ND-25-00001")
