from django.core.management.base import BaseCommand

from qualification import services


class Command(BaseCommand):
    help = (
        "Retrain the qualification models on the team's own history and print their held-out "
        "metrics; a new version is activated only if it is not worse than the active one."
    )

    def handle(self, *args, **options):
        for result in services.models_train():
            self.stdout.write(f"{result.kind}: {result.note}")
            if result.version is None:
                continue
            metrics = result.version.metrics
            shown = {
                key: metrics[key]
                for key in (
                    "roc_auc",
                    "precision_at_top",
                    "brier",
                    "ece",
                    "accuracy",
                    "macro_f1",
                    "n_train",
                    "n_test",
                )
                if key in metrics
            }
            self.stdout.write(
                f"  v{result.version.pk}: {result.version.trained_rows} rows in "
                f"{result.version.training_seconds:.1f} s; "
                + ", ".join(
                    f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in shown.items()
                )
            )
