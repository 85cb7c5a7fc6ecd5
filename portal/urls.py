"""The attendee's pages: scanned from a meeting's QR code, used on a phone."""

from django.urls import path

from portal import set_password, verify
from portal import views as attendee

app_name = "attendee"

urlpatterns = [
    path("q/<str:qr_code>/", attendee.meeting_page, name="meeting"),
    # The QR code's own address, as printed: without the trailing slash.
    path("q/<str:qr_code>", attendee.meeting_page, name="meeting_as_printed"),
    path("q/<str:qr_code>/check-in/", attendee.check_in, name="check_in"),
    path("q/<str:qr_code>/check-out/", attendee.check_out, name="check_out"),
    path("attendee/", attendee.home, name="home"),
    path("attendee/sign-in/", attendee.sign_in, name="sign_in"),
    path("attendee/sign-out/", attendee.sign_out, name="sign_out"),
    path("attendee/consent/", attendee.consent, name="consent"),
    path("attendee/consent/withdraw/", attendee.withdraw_consent, name="withdraw_consent"),
    path("attendee/sessions/<str:pk>/end/", attendee.end_session, name="end_session"),
    # A meeting's calendar, to add to a phone without signing in: by the meeting's id, never by
    # its QR code (which checks people in).
    path("attendee/meetings/<str:pk>/calendar.ics", attendee.meeting_calendar_ics, name="meeting_calendar"),
    # Where set-password links (printed and sent) have always pointed: keep these addresses.
    path("contacts/set-password/done/", set_password.set_password_done, name="set_password_done"),
    path("contacts/set-password/<str:token>/", set_password.set_password, name="set_password"),
    # Public, without signing in: whether a court report with this number was issued.
    path("verify/", verify.verify_form, name="verify"),
    path("verify/<str:number>/", verify.verify_report, name="verify_report"),
]
