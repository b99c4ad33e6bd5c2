"""Content-Security-Policy: strict on public pages, the admin's own looser policy under /admin/."""

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings


class SiteCSPMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if not report_only and request.path_info.startswith("/admin/") and parts.config is None:
            return PolicyParts(
                settings.ADMIN_CONTENT_SECURITY_POLICY, parts.update, parts.replace, parts.nonce
            )
        return parts
