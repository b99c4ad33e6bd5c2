"""Image uploads (admin add, multiple upload, chooser upload): a picture's pixel count is capped before anything
decodes it, with a French form error — a few kilobytes of PNG can decode to gigabytes (decompression bomb)."""

from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from PIL import Image as PILImage
from wagtail.images.fields import WagtailImageField
from wagtail.images.forms import BaseImageForm


def _megapixels(pixels):
    return number_format(round(pixels / 1_000_000), use_l10n=True, force_grouping=True)


class CappedImageField(WagtailImageField):
    def check_image_pixel_size(self, f):
        limit = self.max_image_pixels
        if limit is None:
            return
        try:
            # Reads the header only; Pillow refuses to even open a picture past twice its own bomb limit.
            width, height = f.image.get_size()
            frames = f.image.get_frame_count()
        except PILImage.DecompressionBombError as exc:
            raise ValidationError(
                _(
                    "Cette image est beaucoup trop grande : elle dépasse %(limit)s mégapixels. Réduisez ses "
                    "dimensions (par exemple à 4 000 pixels de large) puis envoyez-la de nouveau."
                )
                % {"limit": _megapixels(limit)},
                code="file_too_many_pixels",
            ) from exc
        if width * height * frames > limit:
            raise ValidationError(
                _(
                    "Cette image mesure %(width)s × %(height)s pixels (%(pixels)s mégapixels) : c'est plus que "
                    "les %(limit)s mégapixels acceptés. Réduisez ses dimensions (par exemple à 4 000 pixels de "
                    "large) puis envoyez-la de nouveau."
                )
                % {
                    "width": number_format(width, use_l10n=True, force_grouping=True),
                    "height": number_format(height, use_l10n=True, force_grouping=True),
                    "pixels": _megapixels(width * height * frames),
                    "limit": _megapixels(limit),
                },
                code="file_too_many_pixels",
            )


class ImageForm(BaseImageForm):
    """WAGTAILIMAGES_IMAGE_FORM_BASE: Wagtail's image form with the capped file field."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("file")
        if field is not None and not isinstance(field, CappedImageField):
            self.fields["file"] = CappedImageField(
                label=field.label, required=field.required, widget=field.widget
            )
