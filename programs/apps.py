from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "programs"
    verbose_name = "Programmes"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here, not at the top: models can be imported only once apps are loaded.
        from people.signals import before_merge  # noqa: PLC0415 - needs the app registry
        from programs.merging import resolve_merge_conflicts  # noqa: PLC0415 - likewise

        before_merge.connect(resolve_merge_conflicts, dispatch_uid="programs_merge")
