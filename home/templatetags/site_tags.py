"""Navigation and sharing helpers for the site-wide layout."""

from django import template
from wagtail.models import Page, Site

register = template.Library()


@register.simple_tag(takes_context=True)
def main_menu(context):
    """The home page's children marked "show in menus", each flagged when the current page sits under it."""
    request = context.get("request")
    site = Site.find_for_request(request) if request else None
    if site is None:
        return []
    current = context.get("page")
    items = []
    for page in site.root_page.get_children().live().public().in_menu().specific():
        is_current = bool(current) and isinstance(current, Page) and current.path.startswith(page.path)
        items.append(
            {
                "page": page,
                "url": page.get_url(request=request),
                "is_current": is_current,
                "is_exact": bool(current) and current.pk == page.pk,
            }
        )
    return items


@register.simple_tag(takes_context=True)
def breadcrumbs(context):
    """Ancestors of the current page below the site root, for the breadcrumb trail."""
    page = context.get("page")
    request = context.get("request")
    if not isinstance(page, Page) or page.depth <= 2:
        return []
    site = Site.find_for_request(request) if request else None
    ancestors = page.get_ancestors().filter(depth__gte=site.root_page.depth if site else 2).specific()
    return list(ancestors)


@register.simple_tag(takes_context=True)
def share_image(context, page=None):
    """The Open Graph image for the page: its own, else the site's default, else None."""
    page = page or context.get("page")
    image = getattr(page, "share_image", None) or getattr(page, "hero_image", None)
    if image is None:
        settings = context.get("settings")
        try:
            image = settings["home"]["ContactSettings"].default_share_image
        except (KeyError, TypeError, AttributeError):
            image = None
    return image
