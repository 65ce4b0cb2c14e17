from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "programs"
    verbose_name = "Programmes"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from people.signals import before_merge
        from programs.merging import resolve_merge_conflicts

        before_merge.connect(resolve_merge_conflicts, dispatch_uid="programs_merge")
