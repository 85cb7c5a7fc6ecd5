"""Staff pages for contacts. (Placeholder list until the contact pages are built.)"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from compliance.decorators import staff_view


@staff_view("contacts.view_contact")
def contact_list(request: HttpRequest) -> HttpResponse:
    return render(request, "placeholder.html", {"section": "contacts", "title": "Contacts"})
