"""The attendee's pages: scanned from a meeting's QR code, used on a phone."""

from django.urls import path

app_name = "attendee"

urlpatterns: list = []
