"""The customer archive moves to the `customers` app (architecture issue): its tables are
renamed to the `customers_` prefix here, rows kept, and the content types (with their
permissions and admin log entries) follow. The models themselves move in state only:
customers 0001 declares them, tickets 0005 and feedback 0005 re-point the foreign keys."""

from django.db import migrations

ARCHIVE_MODELS = [
    "tag",
    "customer",
    "customerphone",
    "consentchange",
    "party",
    "productmodel",
    "ownedproduct",
    "validityevent",
    "contact",
    "archiveaccess",
    "importjob",
]


def content_types_to_customers(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    taken = set(
        ContentType.objects.using(db)
        .filter(app_label="customers")
        .values_list("model", flat=True)
    )
    ContentType.objects.using(db).filter(
        app_label="feedback", model__in=[m for m in ARCHIVE_MODELS if m not in taken]
    ).update(app_label="customers")


def content_types_to_feedback(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.using(schema_editor.connection.alias).filter(
        app_label="customers", model__in=ARCHIVE_MODELS
    ).update(app_label="feedback")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("feedback", "0003_loop_followups_voice_care"),
    ]

    operations = [
        *(
            migrations.AlterModelTable(name=model, table=f"customers_{model}")
            for model in ARCHIVE_MODELS
        ),
        migrations.RunPython(content_types_to_customers, content_types_to_feedback),
    ]
