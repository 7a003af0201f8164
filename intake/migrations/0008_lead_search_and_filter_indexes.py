from django.db import migrations, models

# Indexes for the lead search's prefixes of names and addresses (intake.selectors.lead_search). Not in the
# model's Meta: each database needs its own form. PostgreSQL answers LIKE 'lee%' from a
# text_pattern_ops index whatever the database's collation; SQLite answers the equivalent
# range on lower(column) from a plain expression index.
PREFIX_FIELDS = ("full_name", "last_name", "company", "email_normalized")


def create_prefix_indexes(apps, schema_editor):
    opclass = " text_pattern_ops" if schema_editor.connection.vendor == "postgresql" else ""
    for field in PREFIX_FIELDS:
        schema_editor.execute(
            f"CREATE INDEX lead_{field}_prefix ON intake_lead (lower({field}){opclass})"
        )


def drop_prefix_indexes(apps, schema_editor):
    for field in PREFIX_FIELDS:
        schema_editor.execute(f"DROP INDEX lead_{field}_prefix")


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
        migrations.RunPython(create_prefix_indexes, drop_prefix_indexes),
    ]
