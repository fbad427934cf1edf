"""The tickets' foreign keys to the archive now point at the customers app (state only: the
columns and the renamed tables are unchanged)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0001_initial'),
        ('tickets', '0004_ticket_linked_to'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name='compensation',
                    name='party',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='compensations', to='customers.party', verbose_name='liable party'),
                ),
                migrations.AlterField(
                    model_name='recourseclaim',
                    name='claimant',
                    field=models.ForeignKey(blank=True, help_text='Empty when the company itself claims.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='recourse_claims_made', to='customers.party', verbose_name='claimant'),
                ),
                migrations.AlterField(
                    model_name='recourseclaim',
                    name='party',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='recourse_claims', to='customers.party', verbose_name='liable party'),
                ),
                migrations.AlterField(
                    model_name='repair',
                    name='product',
                    field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='repairs', to='customers.ownedproduct'),
                ),
                migrations.AlterField(
                    model_name='ticket',
                    name='customer',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='tickets', to='customers.customer', verbose_name='customer'),
                ),
                migrations.AlterField(
                    model_name='ticket',
                    name='product',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='tickets', to='customers.ownedproduct', verbose_name='product'),
                ),
    
            ],
        ),
    ]
