"""The place form's map (wagtailgeowidget) with Leaflet from the XStatic package, as the public site loads it:
wagtailgeowidget names unpkg.com in its widget's media, which the admin's CSP would have to allow."""

from django import forms
from django.utils.functional import cached_property
from wagtailgeowidget.panels import LeafletPanel
from wagtailgeowidget.widgets import LeafletField


class LocalLeafletField(LeafletField):
    @cached_property
    def media(self):
        return forms.Media(
            css={"all": ("leaflet/leaflet.css", "wagtailgeowidget/css/leaflet-field.css")},
            js=(
                "leaflet/leaflet.js",
                "wagtailgeowidget/js/leaflet-field.js",
                "wagtailgeowidget/js/leaflet-field-controller.js",
            ),
        )


class LocalLeafletPanel(LeafletPanel):
    def widget_overrides(self):
        return {
            name: LocalLeafletField(
                address_field=widget.address_field,
                zoom_field=widget.zoom_field,
                hide_latlng=widget.hide_latlng,
                zoom=widget.zoom,
                srid=widget.srid,
                id_prefix=widget.id_prefix,
            )
            for name, widget in super().widget_overrides().items()
        }
