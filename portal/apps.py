from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate

from portal.roles import ROLE_MODEL_PERMISSIONS, Role


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from portal import exports, jobs, signals, tasks  # noqa: PLC0415 - needs the app registry

        signals.connect()
        jobs.register(exports.ExportRunner, tasks.build_export)
        # After every app's migrations, so that the permissions of all apps exist.
        post_migrate.connect(sync_role_groups, dispatch_uid="sync_role_groups")


def sync_role_groups(sender, **kwargs) -> None:
    """Give each role's group the model permissions declared in `portal.roles`.

    Runs once per migrate, after the last app, when every app's permissions exist.
    """
    # Auth's models can be imported only once the app registry is ready.
    from django.contrib.auth.management import create_permissions  # noqa: PLC0415
    from django.contrib.auth.models import Group, Permission  # noqa: PLC0415

    # Django sends post_migrate only for apps that have a models module.
    with_models = [config for config in apps.get_app_configs() if config.models_module is not None]
    if sender is not with_models[-1]:
        return
    using = kwargs.get("using", "default")
    create_permissions(sender, verbosity=0, using=using, apps=kwargs.get("apps", apps))
    for role in Role:
        group, _ = Group.objects.using(using).get_or_create(name=role.value)
        if role == Role.ADMIN:
            permissions = Permission.objects.using(using).all()
        else:
            wanted = ROLE_MODEL_PERMISSIONS.get(role, set())
            permissions = [
                permission
                for permission in Permission.objects.using(using).select_related("content_type")
                if f"{permission.content_type.app_label}.{permission.codename}" in wanted
            ]
        group.permissions.set(permissions)
