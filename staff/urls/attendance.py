from django.urls import path

from staff.views import attendance as views

app_name = "attendance"

urlpatterns = [
    path("", views.session_list, name="sessions"),
    path("report/", views.report, name="report"),
    path("report/csv/", views.report_csv, name="report_csv"),
    path("events.csv", views.events_csv, name="events_csv"),
    # Any string: ids are hyphenated UUIDs today, but legacy rows keep whatever they hold.
    path("<str:session_id>/", views.session_detail, name="session"),
    path("<str:session_id>/end/", views.session_end, name="end"),
]
