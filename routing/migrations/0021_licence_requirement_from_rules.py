from django.db import migrations

# A licence was a rule's option (`RoutingRule.require_license`); it is now one setting for every
# rule, fallback and assignment. An installation where any active rule required a licence is
# one whose leads need it: the setting requires it for every lead (the safe reading of a legal
# constraint; a manager narrows it to request types in the admin). Otherwise no lead needs one.


def carry_rules_into_setting(apps, schema_editor):
    RoutingRule = apps.get_model("routing", "RoutingRule")
    LicenceRequirement = apps.get_model("routing", "LicenceRequirement")
    required = RoutingRule.objects.filter(is_active=True, require_license=True).exists()
    LicenceRequirement.objects.update_or_create(
        pk=1, defaults={"applies_to": "every_lead" if required else "no_lead"}
    )


def carry_setting_into_rules(apps, schema_editor):
    RoutingRule = apps.get_model("routing", "RoutingRule")
    LicenceRequirement = apps.get_model("routing", "LicenceRequirement")
    setting = LicenceRequirement.objects.filter(pk=1).first()
    if setting is not None and setting.applies_to != "no_lead":
        RoutingRule.objects.update(require_license=True)


class Migration(migrations.Migration):
    dependencies = [("routing", "0020_licence_requirement")]

    operations = [migrations.RunPython(carry_rules_into_setting, carry_setting_into_rules)]
