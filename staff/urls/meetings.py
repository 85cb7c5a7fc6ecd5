from django.urls import path

from staff.views import meeting_kinds as kinds
from staff.views import meetings as views
from staff.views import occurrences

app_name = "meetings"

urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("new/", views.meeting_create, name="create"),
    # Before the meeting pages, whose <pk> would otherwise read "kinds".
    path("kinds/", kinds.kind_list, name="kinds"),
    path("kinds/new/", kinds.kind_create, name="kind_create"),
    path("kinds/<str:pk>/", kinds.kind_detail, name="kind_detail"),
    path("kinds/<str:pk>/edit/", kinds.kind_edit, name="kind_edit"),
    path("kinds/<str:pk>/deactivate/", kinds.kind_deactivate, name="kind_deactivate"),
    path("kinds/<str:pk>/reactivate/", kinds.kind_reactivate, name="kind_reactivate"),
    path("<str:pk>/", views.meeting_detail, name="detail"),
    path("<str:pk>/edit/", views.meeting_edit, name="edit"),
    path("<str:pk>/deactivate/", views.meeting_deactivate, name="deactivate"),
    path("<str:pk>/reactivate/", views.meeting_reactivate, name="reactivate"),
    path("<str:pk>/rotate-qr/", views.meeting_rotate_qr, name="rotate_qr"),
    path("<str:pk>/qr.svg", views.meeting_qr_svg, name="qr_svg"),
    path("<str:pk>/qr.png", views.meeting_qr_png, name="qr_png"),
    path("<str:pk>/poster/", views.meeting_poster, name="poster"),
    path("<str:pk>/occurrences/<str:day>/cancel/", occurrences.cancel, name="cancel_occurrence"),
    path("<str:pk>/occurrences/<str:day>/restore/", occurrences.restore, name="restore_occurrence"),
    path("<str:pk>/calendar.ics", views.meeting_calendar_ics, name="calendar"),
]
