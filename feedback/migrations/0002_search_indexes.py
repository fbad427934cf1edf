"""PostgreSQL: trigram indexes for the archive search (name parts, serial and invoice
numbers, as Django's icontains/iexact query them). SQLite uses the plain indexes of 0001.
If pg_trgm cannot be created (no privilege), the search still works, only unindexed."""

from django.db import migrations

INDEXES = [
    ("feedback_customer_name_trgm", "feedback_customer", 'UPPER("name"::text)'),
    ("feedback_ownedproduct_serial_upper", "feedback_ownedproduct", 'UPPER("serial"::text)'),
    ("feedback_ownedproduct_invoice_upper", "feedback_ownedproduct", 'UPPER("invoice_number"::text)'),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SAVEPOINT trgm")
        try:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except Exception:  # no privilege: keep the plain indexes
            cursor.execute("ROLLBACK TO SAVEPOINT trgm")
            return
        cursor.execute("RELEASE SAVEPOINT trgm")
        name, table, expression = INDEXES[0]
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({expression} gin_trgm_ops)"
        )
        for name, table, expression in INDEXES[1:]:
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({expression})")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for name, _table, _expression in INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("feedback", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
