import datetime as dt

import pytest

from news.models import NewsCategory, NewsIndexPage, NewsPage


@pytest.fixture
def index(home):
    page = NewsIndexPage(title="Actualités", slug="actualites", intro="Nos nouvelles.")
    home.add_child(instance=page)
    page.save_revision().publish()
    return page


def add_news(index, title, date=dt.date(2024, 5, 1), categories=(), tags=(), publish=True, **fields):
    fields.setdefault("summary", f"Résumé de {title}.")
    page = NewsPage(title=title, date=date, **fields)
    page.categories = [NewsCategory.objects.get_or_create(name=name)[0] for name in categories]
    if tags:
        page.tags.add(*tags)
    if publish:
        index.add_child(instance=page)
        page.save_revision().publish()
    else:
        page.live = False
        index.add_child(instance=page)
        page.save_revision()
    return page
