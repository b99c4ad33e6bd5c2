"""The newsletter's background tasks live with their work; the paths stored by tasks queued earlier still work."""

import pytest
from django.utils.module_loading import import_string
from django_tasks.base import Task

from newsletter import sending, subscriptions


@pytest.mark.parametrize(
    ("old_path", "task"),
    [
        ("newsletter.tasks.send_campaign", sending.send_campaign),
        ("newsletter.tasks.send_confirmation", subscriptions.send_confirmation),
        ("newsletter.tasks.send_confirmations", subscriptions.send_confirmations),
    ],
)
def test_a_task_queued_under_its_old_path_is_still_found(old_path, task):
    # django_tasks_db imports the stored task_path when the worker picks the row up.
    assert isinstance(task, Task)
    assert import_string(old_path) is task
    assert import_string(task.module_path) is task
