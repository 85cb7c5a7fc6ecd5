from django.urls import path

from staff.views import policies as views

app_name = "policies"

urlpatterns = [
    path("", views.jurisdiction_list, name="list"),
    path("new/", views.jurisdiction_create, name="create"),
    path("<str:pk>/", views.jurisdiction_detail, name="detail"),
    path("<str:pk>/edit/", views.jurisdiction_edit, name="edit"),
    path("<str:pk>/publish/", views.publish_version, name="publish"),
]
