"""Report versions: the figures move from `Report` to `ReportVersion`. Every existing report
becomes its version 1, approved (released) when it was generated, so that what analysts and
publication downloads showed before stays exactly as it was. Reversible: going back puts the
newest released (else newest) version's figures on the report again."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def reports_become_released_versions(apps, schema_editor):
    Report = apps.get_model("reports", "Report")
    ReportVersion = apps.get_model("reports", "ReportVersion")
    ReportVersion.objects.bulk_create(
        ReportVersion(
            report_id=report.pk,
            number=1,
            data=report.data,
            checksum=report.checksum,
            generated_at=report.generated_at,
            status="approved",
            approved_at=report.generated_at,
        )
        for report in Report.objects.all().iterator()
    )


def versions_back_onto_reports(apps, schema_editor):
    Report = apps.get_model("reports", "Report")
    ReportVersion = apps.get_model("reports", "ReportVersion")
    for report in Report.objects.all().iterator():
        versions = ReportVersion.objects.filter(report_id=report.pk)
        version = (
            versions.filter(status="approved").order_by("-number").first()
            or versions.order_by("-number").first()
        )
        if version is None:
            report.delete()  # never built: the old model had no report without figures
            continue
        report.data, report.checksum = version.data, version.checksum
        report.save(update_fields=["data", "checksum"])


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_reportbuild_job_runner_fields"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ReportVersion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("number", models.PositiveIntegerField(verbose_name="version")),
                ("data", models.JSONField(verbose_name="data")),
                ("checksum", models.CharField(max_length=64, verbose_name="checksum")),
                ("generated_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="generated at")),
                ("status", models.CharField(choices=[("pending", "Awaiting approval"), ("approved", "Released"), ("superseded", "Replaced before approval")], default="pending", max_length=12, verbose_name="status")),
                ("approved_at", models.DateTimeField(blank=True, null=True, verbose_name="approved at")),
                ("approved_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="approved by")),
                ("report", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="versions", to="reports.report")),
            ],
            options={"verbose_name": "report version", "ordering": ["-number"]},
        ),
        migrations.RunPython(reports_become_released_versions, versions_back_onto_reports),
        # Defaults first, so that going back can add the columns to existing rows again.
        migrations.AlterField(model_name="report", name="data", field=models.JSONField(default=dict, verbose_name="data")),
        migrations.AlterField(model_name="report", name="checksum", field=models.CharField(default="", max_length=64, verbose_name="checksum")),
        migrations.RemoveField(model_name="report", name="checksum"),
        migrations.RemoveField(model_name="report", name="data"),
        migrations.AlterField(
            model_name="report",
            name="generated_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="last built at"),
        ),
        migrations.AddField(
            model_name="reportbuild",
            name="made_version",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="reportbuild",
            name="version",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to="reports.reportversion"),
        ),
        migrations.AddConstraint(
            model_name="reportversion",
            constraint=models.UniqueConstraint(fields=("report", "number"), name="unique_report_version"),
        ),
        migrations.AddConstraint(
            model_name="reportversion",
            constraint=models.UniqueConstraint(condition=models.Q(("status", "pending")), fields=("report",), name="one_pending_version_per_report"),
        ),
        migrations.AddConstraint(
            model_name="reportversion",
            constraint=models.CheckConstraint(condition=models.Q(models.Q(("status", "approved"), _negated=True), ("approved_at__isnull", False), _connector="OR"), name="approved_version_has_a_date"),
        ),
    ]  # fmt: skip
