"""Staff pages for attendance. (Placeholder list until the attendance pages are built.)"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from compliance.decorators import staff_view


@staff_view("attendance.view_session")
def session_list(request: HttpRequest) -> HttpResponse:
    return render(request, "placeholder.html", {"section": "attendance", "title": "Attendance"})
