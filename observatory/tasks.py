"""Background work of the observatory (django-tasks; `manage.py db_worker` runs it with the database backend)."""

from django_tasks import task

# Ahead of the index updates a deployment or an import queues by the hundred: officials are told the figures
# are "en cours de calcul" until this runs.
PRIORITY = 50


@task(takes_context=True, priority=PRIORITY)
def compute_coverage(context):
    """Recompute the stored results, unless a run started since this task was enqueued already saw the change."""
    from .coverage import compute, latest_run

    enqueued_at = context.task_result.enqueued_at
    run = latest_run()
    if run is not None and enqueued_at is not None and run.computed_at > enqueued_at:
        return {"skipped": True, "run": run.pk}
    run = compute()
    return {"skipped": False, "run": run.pk, "duration_ms": run.duration_ms}
