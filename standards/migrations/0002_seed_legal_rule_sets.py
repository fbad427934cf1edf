"""Seed the legal rule sets (versioned, read-only data; domain §4)."""

from django.db import migrations

from standards.legal_data import LEGAL_RULE_SETS


def seed(apps, schema_editor):
    LegalRuleSet = apps.get_model("standards", "LegalRuleSet")
    for data in LEGAL_RULE_SETS:
        LegalRuleSet.objects.update_or_create(
            code=data["code"], version=data["version"], defaults=data
        )


class Migration(migrations.Migration):
    dependencies = [("standards", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
