from django.urls import path

from staff.views import meetings as views
from staff.views import occurrences

app_name = "meetings"

urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("new/", views.meeting_create, name="create"),
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
