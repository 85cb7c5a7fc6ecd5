"""Staff pages for meetings. (Placeholder list until the meeting pages are built.)"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from compliance.decorators import staff_view


@staff_view("meetings.view_meeting")
def meeting_list(request: HttpRequest) -> HttpResponse:
    return render(request, "placeholder.html", {"section": "meetings", "title": "Meetings"})
