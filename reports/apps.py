from django.apps import AppConfig
from django.core import checks


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Statistics"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here, not at the top: models can be imported only once apps are loaded.
        from portal import jobs  # noqa: PLC0415 - imports models: needs the app registry
        from reports import builds, disclosure, tasks  # noqa: PLC0415 - needs the app registry

        jobs.register(builds.BuildRunner, tasks.run_build)
        checks.register(disclosure.check_table)
