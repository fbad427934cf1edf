"""Indexes of the archive search at a million cases: the e-mail as the case-insensitive
search compares it, and on PostgreSQL a GIN index of the one- and two-character parts of the
name (`customers_name_grams`), which serves a name part too short for the trigram index of
feedback migration 0002 (one or two Chinese characters: most given names). SQLite keeps the
plain indexes."""

import django.db.models.functions.text
from django.db import migrations, models

GRAMS_FUNCTION = """
CREATE OR REPLACE FUNCTION customers_name_grams(value text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT substr(value, i, n)), '{}')
    FROM generate_series(1, 2) AS n, generate_series(1, char_length(value)) AS i
    WHERE i + n - 1 <= char_length(value)
$$
"""
GRAMS_INDEX = (
    "CREATE INDEX IF NOT EXISTS customer_name_grams_idx ON customers_customer "
    "USING gin (customers_name_grams(upper(name::text)))"
)


def create_grams(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(GRAMS_FUNCTION)
    schema_editor.execute(GRAMS_INDEX)


def drop_grams(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS customer_name_grams_idx")
    schema_editor.execute("DROP FUNCTION IF EXISTS customers_name_grams(text)")


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0002_owned_product_carrier_installer"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(
                django.db.models.functions.text.Upper("email"),
                name="customer_email_upper_idx",
            ),
        ),
        migrations.RunPython(create_grams, drop_grams),
    ]
