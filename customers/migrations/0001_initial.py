"""The customer archive, moved from the feedback app: its tables already exist (renamed by
feedback 0004), so this migration only declares the models in the migration state."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('feedback', '0004_archive_tables_renamed'),
        ('aftersales', '0002_outbox_secret'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='Tag',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=50, unique=True, verbose_name='name')),
                    ],
                    options={
                        'verbose_name': 'tag',
                        'verbose_name_plural': 'tags',
                        'ordering': ['name'],
                    },
                ),
                migrations.CreateModel(
                    name='Customer',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('person', 'Person'), ('organisation', 'Organisation')], default='person', max_length=20, verbose_name='kind')),
                        ('name', models.CharField(max_length=200, verbose_name='name')),
                        ('search_name', models.CharField(db_index=True, editable=False, max_length=200)),
                        ('email', models.EmailField(blank=True, db_index=True, max_length=254, verbose_name='e-mail')),
                        ('segment', models.CharField(choices=[('new', 'New'), ('regular', 'Regular'), ('key', 'Key account')], default='new', max_length=20, verbose_name='segment')),
                        ('preferred_channel', models.CharField(choices=[('phone', 'Phone'), ('sms', 'SMS'), ('email', 'E-mail'), ('wechat', 'WeChat')], default='phone', max_length=20, verbose_name='preferred channel')),
                        ('quiet_hours_start', models.TimeField(blank=True, null=True, verbose_name='quiet hours from')),
                        ('quiet_hours_end', models.TimeField(blank=True, null=True, verbose_name='quiet hours until')),
                        ('city', models.CharField(blank=True, max_length=100, verbose_name='city')),
                        ('address', models.CharField(blank=True, max_length=300, verbose_name='address')),
                        ('region', models.CharField(choices=[('urban', 'Urban'), ('rural', 'Rural')], default='urban', help_text='Decides the on-site commitment (urban or rural).', max_length=10, verbose_name='area')),
                        ('consent_service', models.BooleanField(default=True, verbose_name='consents to service contact')),
                        ('consent_service_at', models.DateTimeField(blank=True, editable=False, null=True)),
                        ('consent_marketing', models.BooleanField(default=False, verbose_name='consents to marketing')),
                        ('consent_marketing_at', models.DateTimeField(blank=True, editable=False, null=True)),
                        ('external_id', models.CharField(blank=True, default='', max_length=100, verbose_name='external id')),
                        ('anonymised_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='anonymised')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='changed')),
                        ('last_activity_at', models.DateTimeField(blank=True, db_index=True, editable=False, null=True, verbose_name='last activity')),
                        ('merged_into', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='merged_from', to='customers.customer', verbose_name='merged into')),
                        ('unit', models.ForeignKey(blank=True, help_text='The branch that serves the customer; empty: the whole company.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='customers', to='aftersales.unit', verbose_name='serving unit')),
                        ('user', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='customer', to=settings.AUTH_USER_MODEL, verbose_name='portal login')),
                        ('tags', models.ManyToManyField(blank=True, related_name='customers', to='customers.tag', verbose_name='tags')),
                    ],
                    options={
                        'verbose_name': 'customer',
                        'verbose_name_plural': 'customers',
                        'ordering': ['search_name', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='Contact',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('channel', models.CharField(choices=[('phone', 'Phone'), ('counter', 'Counter'), ('email', 'E-mail'), ('sms', 'SMS'), ('wechat', 'WeChat'), ('portal', 'Portal'), ('visit', 'Visit')], max_length=20, verbose_name='channel')),
                        ('direction', models.CharField(choices=[('inbound', 'Inbound'), ('outbound', 'Outbound')], default='inbound', max_length=10, verbose_name='direction')),
                        ('at', models.DateTimeField(db_index=True, verbose_name='time')),
                        ('summary', models.TextField(verbose_name='summary')),
                        ('disposition', models.CharField(blank=True, choices=[('answered', 'Answered on the spot'), ('ticket_created', 'Case created'), ('linked', 'Linked to a case'), ('handed_over', 'Handed over')], db_index=True, max_length=20, verbose_name='disposition')),
                        ('reference', models.CharField(blank=True, help_text='The case number, if any.', max_length=50, verbose_name='case reference')),
                        ('received_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='contacts_received', to=settings.AUTH_USER_MODEL, verbose_name='received by')),
                        ('customer', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='contacts', to='customers.customer', verbose_name='customer')),
                    ],
                    options={
                        'verbose_name': 'contact',
                        'verbose_name_plural': 'contacts',
                        'ordering': ['-at', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='ConsentChange',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('service', 'Service contact'), ('marketing', 'Marketing')], max_length=20)),
                        ('granted', models.BooleanField()),
                        ('at', models.DateTimeField(db_index=True)),
                        ('source', models.CharField(blank=True, max_length=100, verbose_name='source')),
                        ('recorded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('customer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='consent_changes', to='customers.customer')),
                    ],
                    options={
                        'verbose_name': 'consent change',
                        'verbose_name_plural': 'consent changes',
                        'ordering': ['-at', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='ArchiveAccess',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('action', models.CharField(choices=[('view', 'Viewed'), ('export', 'Exported'), ('anonymise', 'Anonymised'), ('merge', 'Merged')], default='view', max_length=20)),
                        ('at', models.DateTimeField(auto_now_add=True, db_index=True)),
                        ('user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('customer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='accesses', to='customers.customer')),
                    ],
                    options={
                        'verbose_name': 'archive access',
                        'verbose_name_plural': 'archive accesses',
                        'ordering': ['-at', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='ImportJob',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('customers', 'Customers'), ('products', 'Owned products')], max_length=20, verbose_name='kind')),
                        ('file', models.FileField(upload_to='imports/%Y/%m/', verbose_name='file')),
                        ('original_name', models.CharField(max_length=200)),
                        ('status', models.CharField(choices=[('previewed', 'Previewed'), ('queued', 'Queued'), ('running', 'Running'), ('done', 'Done'), ('failed', 'Failed')], default='previewed', editable=False, max_length=20, verbose_name='status')),
                        ('total_rows', models.PositiveIntegerField(default=0, editable=False)),
                        ('valid_rows', models.PositiveIntegerField(default=0, editable=False)),
                        ('processed_rows', models.PositiveIntegerField(default=0, editable=False)),
                        ('created_rows', models.PositiveIntegerField(default=0, editable=False)),
                        ('updated_rows', models.PositiveIntegerField(default=0, editable=False)),
                        ('errors', models.JSONField(default=list, editable=False)),
                        ('message', models.TextField(blank=True, editable=False)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('started_at', models.DateTimeField(blank=True, editable=False, null=True)),
                        ('finished_at', models.DateTimeField(blank=True, editable=False, null=True)),
                        ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'import',
                        'verbose_name_plural': 'imports',
                        'ordering': ['-created_at', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='Party',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=200, verbose_name='name')),
                        ('kind', models.CharField(choices=[('producer', 'Producer'), ('supplier', 'Supplier'), ('seller', 'Seller'), ('carrier', 'Carrier'), ('installer', 'Installer'), ('service_provider', 'Service provider')], max_length=20, verbose_name='kind')),
                        ('contact_person', models.CharField(blank=True, max_length=100, verbose_name='contact person')),
                        ('phone', models.CharField(blank=True, max_length=30, verbose_name='phone')),
                        ('email', models.EmailField(blank=True, max_length=254, verbose_name='e-mail')),
                        ('address', models.CharField(blank=True, max_length=300, verbose_name='address')),
                        ('external_id', models.CharField(blank=True, default='', max_length=100, verbose_name='external id')),
                    ],
                    options={
                        'verbose_name': 'party',
                        'verbose_name_plural': 'parties',
                        'ordering': ['name'],
                        'constraints': [models.UniqueConstraint(fields=('name', 'kind'), name='party_unique_name_kind')],
                    },
                ),
                migrations.CreateModel(
                    name='ProductModel',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('code', models.CharField(max_length=50, unique=True, verbose_name='model code')),
                        ('name', models.CharField(max_length=200, verbose_name='name')),
                        ('category', models.CharField(db_index=True, help_text='e.g. tv, refrigerator, washing_machine, air_conditioner, computer, vehicle.', max_length=50, verbose_name='category')),
                        ('launch_date', models.DateField(blank=True, null=True, verbose_name='launched')),
                        ('end_of_life_date', models.DateField(blank=True, null=True, verbose_name='end of life')),
                        ('main_components', models.JSONField(blank=True, default=list, help_text='Names of the main components with their own validity (e.g. compressor).', verbose_name='main components')),
                        ('maintenance_interval_months', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='maintenance every (months)')),
                        ('producer', models.ForeignKey(limit_choices_to={'kind': 'producer'}, on_delete=django.db.models.deletion.PROTECT, related_name='product_models', to='customers.party', verbose_name='producer')),
                    ],
                    options={
                        'verbose_name': 'product model',
                        'verbose_name_plural': 'product models',
                        'ordering': ['code'],
                    },
                ),
                migrations.CreateModel(
                    name='OwnedProduct',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('serial', models.CharField(db_index=True, max_length=100, verbose_name='serial number')),
                        ('sale_date', models.DateField(verbose_name='sale / invoice date')),
                        ('delivery_date', models.DateField(blank=True, null=True, verbose_name='delivery date')),
                        ('installation_date', models.DateField(blank=True, null=True, verbose_name='installation date')),
                        ('invoice_number', models.CharField(blank=True, db_index=True, max_length=50, verbose_name='invoice number')),
                        ('invoice_price', models.DecimalField(blank=True, decimal_places=2, max_digits=12, null=True, verbose_name='invoice price')),
                        ('price_paid', models.DecimalField(blank=True, decimal_places=2, max_digits=12, null=True, verbose_name='price paid')),
                        ('is_distance_sale', models.BooleanField(default=False, verbose_name='distance sale (online, phone)')),
                        ('external_id', models.CharField(blank=True, default='', max_length=100, verbose_name='external id')),
                        ('legal_rule_set', models.CharField(blank=True, editable=False, max_length=60)),
                        ('validity_start', models.DateField(editable=False, null=True, verbose_name='validity start')),
                        ('validity_end', models.DateField(db_index=True, editable=False, null=True, verbose_name='validity end')),
                        ('main_validity_end', models.DateField(db_index=True, editable=False, null=True, verbose_name='main components validity end')),
                        ('component_validity', models.JSONField(default=dict, editable=False)),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                        ('customer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='products', to='customers.customer', verbose_name='customer')),
                        ('seller', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='sold_products', to='customers.party', verbose_name='seller')),
                        ('model', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='units', to='customers.productmodel', verbose_name='model')),
                    ],
                    options={
                        'verbose_name': 'owned product',
                        'verbose_name_plural': 'owned products',
                        'ordering': ['-sale_date', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='ValidityEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('repair_days', 'Days in repair'), ('parts_wait_days', 'Days waiting for parts'), ('exchange', 'Exchanged')], max_length=20, verbose_name='kind')),
                        ('on', models.DateField(verbose_name='date')),
                        ('days', models.PositiveIntegerField(default=0, verbose_name='days')),
                        ('note', models.CharField(blank=True, max_length=200, verbose_name='note')),
                        ('reference', models.CharField(blank=True, max_length=100, verbose_name='reference')),
                        ('product', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='validity_events', to='customers.ownedproduct')),
                    ],
                    options={
                        'verbose_name': 'validity event',
                        'verbose_name_plural': 'validity events',
                        'ordering': ['on', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='CustomerPhone',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('number', models.CharField(db_index=True, max_length=20, verbose_name='number (E.164)')),
                        ('national', models.CharField(db_index=True, editable=False, max_length=20)),
                        ('kind', models.CharField(choices=[('mobile', 'Mobile'), ('fixed', 'Landline'), ('other', 'Other')], default='mobile', max_length=10, verbose_name='kind')),
                        ('is_primary', models.BooleanField(default=False, verbose_name='primary')),
                        ('customer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='phones', to='customers.customer')),
                    ],
                    options={
                        'verbose_name': 'phone',
                        'verbose_name_plural': 'phones',
                        'ordering': ['-is_primary', 'pk'],
                        'constraints': [models.UniqueConstraint(fields=('customer', 'number'), name='phone_unique_per_customer')],
                    },
                ),
                migrations.AddConstraint(
                    model_name='ownedproduct',
                    constraint=models.UniqueConstraint(fields=('model', 'serial'), name='ownedproduct_unique_serial'),
                ),
                migrations.AddConstraint(
                    model_name='ownedproduct',
                    constraint=models.UniqueConstraint(condition=models.Q(('external_id', ''), _negated=True), fields=('external_id',), name='ownedproduct_unique_external_id'),
                ),
                migrations.AddConstraint(
                    model_name='customer',
                    constraint=models.UniqueConstraint(condition=models.Q(('external_id', ''), _negated=True), fields=('external_id',), name='customer_unique_external_id'),
                ),
    
            ],
        ),
    ]
