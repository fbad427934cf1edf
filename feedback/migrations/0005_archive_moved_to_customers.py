"""The loop's foreign keys point at the customers app and the archive models leave the
feedback app (state only: customers 0001 owns them and their renamed tables)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0001_initial'),
        ('feedback', '0004_archive_tables_renamed'),
        ('tickets', '0005_archive_moved_to_customers'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name='consentchange',
                    name='customer',
                ),
                migrations.RemoveField(
                    model_name='consentchange',
                    name='recorded_by',
                ),
                migrations.RemoveField(
                    model_name='contact',
                    name='customer',
                ),
                migrations.RemoveField(
                    model_name='contact',
                    name='received_by',
                ),
                migrations.RemoveField(
                    model_name='customer',
                    name='merged_into',
                ),
                migrations.RemoveField(
                    model_name='customer',
                    name='tags',
                ),
                migrations.RemoveField(
                    model_name='customer',
                    name='unit',
                ),
                migrations.RemoveField(
                    model_name='customer',
                    name='user',
                ),
                migrations.AlterField(
                    model_name='feedbackitem',
                    name='customer',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='feedback_items', to='customers.customer', verbose_name='customer'),
                ),
                migrations.AlterField(
                    model_name='caretouch',
                    name='customer',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='care_touches', to='customers.customer', verbose_name='customer'),
                ),
                migrations.AlterField(
                    model_name='followup',
                    name='customer',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='follow_ups', to='customers.customer', verbose_name='customer'),
                ),
                migrations.RemoveField(
                    model_name='ownedproduct',
                    name='customer',
                ),
                migrations.RemoveField(
                    model_name='customerphone',
                    name='customer',
                ),
                migrations.RemoveField(
                    model_name='importjob',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='ownedproduct',
                    name='model',
                ),
                migrations.RemoveField(
                    model_name='ownedproduct',
                    name='seller',
                ),
                migrations.RemoveField(
                    model_name='validityevent',
                    name='product',
                ),
                migrations.AlterField(
                    model_name='caretouch',
                    name='product',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='care_touches', to='customers.ownedproduct', verbose_name='product'),
                ),
                migrations.RemoveField(
                    model_name='productmodel',
                    name='producer',
                ),
                migrations.AlterField(
                    model_name='qualitynotice',
                    name='product_model',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='quality_notices', to='customers.productmodel', verbose_name='product model'),
                ),
                migrations.AlterField(
                    model_name='feedbackitem',
                    name='product_model',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='feedback_items', to='customers.productmodel', verbose_name='product model'),
                ),
                migrations.AlterField(
                    model_name='careprogramme',
                    name='product_models',
                    field=models.ManyToManyField(blank=True, help_text='Owners of these models; none: every model (a recall needs one).', related_name='care_programmes', to='customers.productmodel', verbose_name='product models'),
                ),
                migrations.DeleteModel(
                    name='ArchiveAccess',
                ),
                migrations.DeleteModel(
                    name='ConsentChange',
                ),
                migrations.DeleteModel(
                    name='Contact',
                ),
                migrations.DeleteModel(
                    name='Tag',
                ),
                migrations.DeleteModel(
                    name='Customer',
                ),
                migrations.DeleteModel(
                    name='CustomerPhone',
                ),
                migrations.DeleteModel(
                    name='ImportJob',
                ),
                migrations.DeleteModel(
                    name='ValidityEvent',
                ),
                migrations.DeleteModel(
                    name='OwnedProduct',
                ),
                migrations.DeleteModel(
                    name='Party',
                ),
                migrations.DeleteModel(
                    name='ProductModel',
                ),
    
            ],
        ),
    ]
