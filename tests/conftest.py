import pytest

from tests.factories import ContactFactory, StaffUserFactory, SuperUserFactory


@pytest.fixture
def superuser(db):
    return SuperUserFactory(username="root")


@pytest.fixture
def staff_user(db):
    """A staff member with no model permissions: may sign in to the admin, may see nothing."""
    return StaffUserFactory(username="staff")


@pytest.fixture
def attendee(db):
    return ContactFactory(consenting=True)
