from django.urls import path

from staff.views import contacts as views

app_name = "contacts"

urlpatterns = [
    path("", views.contact_list, name="list"),
    path("add/", views.add_contact, name="add"),
    path("<str:pk>/", views.contact_detail, name="detail"),
    path("<str:pk>/edit/", views.edit_contact, name="edit"),
    path("<str:pk>/deactivate/", views.deactivate_contact, name="deactivate"),
    path("<str:pk>/reactivate/", views.reactivate_contact, name="reactivate"),
    path("<str:pk>/consent/grant/", views.grant_consent, name="grant_consent"),
    path("<str:pk>/consent/withdraw/", views.withdraw_consent, name="withdraw_consent"),
    path("<str:pk>/open-session/", views.open_destination_session, name="open_session"),
    path("<str:pk>/set-password-link/", views.create_set_password_link, name="create_set_password_link"),
]
