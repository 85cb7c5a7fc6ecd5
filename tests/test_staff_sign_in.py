"""Staff sign in, out, and change their password; everyone else is kept out."""

import pytest
from django.urls import reverse

from tests.factories import StaffUserFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def test_the_sign_in_page_has_labelled_fields(client):
    page = client.get(reverse("login")).content.decode()
    assert '<label for="id_username">' in page
    assert '<label for="id_password">' in page


def test_staff_sign_in_and_land_on_todays_overview(client):
    StaffUserFactory(username="case.manager")
    response = client.post(reverse("login"), {"username": "case.manager", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("dashboard")
    assert response.context["user"].username == "case.manager"


def test_after_sign_in_the_page_asked_for_opens(client):
    StaffUserFactory(username="case.manager")
    response = client.post(
        reverse("login") + "?next=/meetings/", {"username": "case.manager", "password": PASSWORD, "next": "/meetings/"}
    )
    assert response["Location"] == "/meetings/"


@pytest.mark.parametrize("is_staff", [False])
def test_a_non_staff_account_is_refused_like_a_wrong_password(client, is_staff):
    UserFactory(username="someone", is_staff=is_staff)
    refused = client.post(reverse("login"), {"username": "someone", "password": PASSWORD})
    wrong = client.post(reverse("login"), {"username": "nobody", "password": "nope"})
    assert refused.status_code == wrong.status_code == 200
    assert refused.context["form"].errors == wrong.context["form"].errors
    assert "_auth_user_id" not in client.session


def test_a_wrong_password_keeps_the_username(client):
    StaffUserFactory(username="case.manager")
    response = client.post(reverse("login"), {"username": "case.manager", "password": "wrong"})
    assert 'value="case.manager"' in response.content.decode()
    assert PASSWORD not in response.content.decode()


def test_sign_out_is_a_post(client):
    client.force_login(StaffUserFactory())
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


def test_change_password(client):
    user = StaffUserFactory()
    client.force_login(user)
    new = "a different long passphrase"
    response = client.post(
        reverse("password_change"), {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert response["Location"] == reverse("password_change_done")
    user.refresh_from_db()
    assert user.check_password(new)
