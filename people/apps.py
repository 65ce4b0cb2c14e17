from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "people"
    verbose_name = "People and cases"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here, not at the top: models can be imported only once apps are loaded.
        from people import import_jobs, tasks  # noqa: PLC0415 - needs the app registry
        from portal import jobs  # noqa: PLC0415 - imports models: needs the app registry
        from portal.signals import daily_housekeeping  # noqa: PLC0415 - needs the app registry

        daily_housekeeping.connect(
            import_jobs.daily_housekeeping, dispatch_uid="people_import_housekeeping"
        )
        jobs.register(import_jobs.ImportRunner, tasks.run_import)
