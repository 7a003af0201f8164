from django.db import migrations, models

import intake.models

class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0007_rate_window"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(fields=["state"], name="lead_state"),
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(fields=["request_type"], name="lead_request_type"),
        ),
        *(
            migrations.AddIndex(
                model_name="lead",
                index=intake.models.PrefixIndex(field_name=field, name=f"lead_{field}_prefix"),
            )
            for field in ("full_name", "last_name", "company", "email_normalized")
        ),
    ]
