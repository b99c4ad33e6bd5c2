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
        if not report_only and getattr(request, "is_preview", False):
            # Wagtail runs a preview through the middleware again, for the page's public address: the public
            # policy applies, except that the admin's preview panel (same origin) must be able to frame it.
            parts.replace = {**(parts.replace or {}), "frame-ancestors": ["'self'"]}
        return parts
