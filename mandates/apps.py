from django.apps import AppConfig


class MandatesConfig(AppConfig):
    name = "mandates"
    verbose_name = "Mandates and compliance"

    def ready(self) -> None:
        from attendance.signals import session_judged
        from mandates.counting import recount_for_session

        # A session's outcome decides whether it counts: recount its contact's mandates in the
        # transaction that stored the outcome.
        session_judged.connect(recount_for_session, dispatch_uid="mandates.recount_for_session")
