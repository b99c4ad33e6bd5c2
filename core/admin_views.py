"""Views served in front of Wagtail's admin routes get the wrapping Wagtail's admin URLconf gives its own."""

from django.views.decorators.cache import never_cache
from wagtail.admin.auth import require_admin_access


def admin_view(view):
    return never_cache(require_admin_access(view))
