from django.apps import AppConfig


class LedgerConfig(AppConfig):
    """The pages over plans and tasks that gather every app's data (the ledger, the task
    page, a unit's and a leader's tasks, the plan pages). It sits above plans, work
    plans, rounds and supervision, so those never import it: the work plan views reach
    the task page through ``duban.plans.pages``, registered here."""

    name = "duban.ledger"
    label = "ledger"

    def ready(self) -> None:
        from duban.plans import pages

        from .views import render_task_page

        pages.register_task_page(render_task_page)
