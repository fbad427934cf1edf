"""The follow-up worklist's orders as indexes: all tasks, the open ones (partial) and the
completed ones by completion (partial), so a page is read in index order."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('feedback', '0005_archive_moved_to_customers'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='followup',
            index=models.Index(fields=['next_attempt_at', 'due_at', 'id'], name='followup_worklist_idx'),
        ),
        migrations.AddIndex(
            model_name='followup',
            index=models.Index(condition=models.Q(('status__in', ['scheduled', 'due', 'in_progress'])), fields=['next_attempt_at', 'due_at', 'id'], name='followup_open_worklist_idx'),
        ),
        migrations.AddIndex(
            model_name='followup',
            index=models.Index(condition=models.Q(('status', 'completed')), fields=['-completed_at', '-id'], name='followup_done_idx'),
        ),
    ]
