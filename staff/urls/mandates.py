from django.urls import path

from staff.views import court_reports, mandates

app_name = "mandates"

urlpatterns = [
    path("", mandates.mandate_list, name="list"),
    path("new/", mandates.mandate_create, name="create"),
    path("<str:pk>/", mandates.mandate_detail, name="detail"),
    path("<str:pk>/edit/", mandates.mandate_edit, name="edit"),
    path("<str:pk>/end/", mandates.mandate_end, name="end"),
    path("<str:pk>/delete/", mandates.mandate_delete, name="delete"),
    # The court report: chosen dates, then the same report as HTML, PDF or CSV, each issued and
    # recorded (mandates.models.CourtReport).
    path("<str:pk>/report/", court_reports.report_form, name="report"),
    path("<str:pk>/report/issue/", court_reports.issue_report, name="issue_report"),
    path("reports/<str:number>/", court_reports.report_detail, name="report_detail"),
    path("reports/<str:number>.pdf", court_reports.report_pdf, name="report_pdf"),
    path("reports/<str:number>.csv", court_reports.report_csv, name="report_csv"),
]
