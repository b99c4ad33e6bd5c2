"""Image uploads: a decompression bomb (a small file that decodes to a huge picture) is refused with a French
form error on every admin upload path, never stored, never a 500."""

import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage
from wagtail.images import get_image_model

pytestmark = pytest.mark.django_db


def bomb_png(width, height):
    """A black 1-bit PNG of width × height: a few kilobytes on disk, width × height pixels once decoded."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte + packed bits
    compressor = zlib.compressobj(9)
    body = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def photo_png(width=64, height=48):
    out = io.BytesIO()
    PILImage.new("RGB", (width, height), (200, 120, 40)).save(out, "PNG")
    return out.getvalue()


# The figures: 11,000 × 11,000 (121 megapixels in 15 KB) slipped under Wagtail's default cap; 20,000 ×
# 20,000 goes past Pillow's own bomb limit, which raised an exception (a 500) instead of a form error.
BOMBS = [(11_000, 11_000), (20_000, 20_000)]


def test_the_bombs_are_small_files():
    for width, height in BOMBS:
        assert len(bomb_png(width, height)) < 60_000


def test_the_pixel_cap_is_forty_megapixels(settings):
    assert settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS == 40_000_000


@pytest.mark.parametrize("size", BOMBS)
def test_admin_upload_refuses_a_bomb_with_a_french_error(admin_client, size):
    png = bomb_png(*size)
    response = admin_client.post(
        "/admin/images/add/",
        {"title": "Bombe", "file": SimpleUploadedFile("bombe.png", png, "image/png"), "collection": 1},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert any("mégapixels" in error for error in errors), errors
    assert not get_image_model().objects.exists()


@pytest.mark.parametrize("size", BOMBS)
def test_multiple_upload_refuses_a_bomb_with_a_french_error(admin_client, size):
    png = bomb_png(*size)
    response = admin_client.post(
        "/admin/images/multiple/add/",
        {"files[]": SimpleUploadedFile("bombe.png", png, "image/png")},
    )
    assert response.status_code == 200
    data = response.json()
    assert data["success"] is False
    assert "mégapixels" in data["error_message"]
    assert not get_image_model().objects.exists()


@pytest.mark.parametrize("size", BOMBS)
def test_chooser_upload_refuses_a_bomb_with_a_french_error(admin_client, size):
    png = bomb_png(*size)
    response = admin_client.post(
        "/admin/images/chooser/create/",
        {
            "image-chooser-upload-title": "Bombe",
            "image-chooser-upload-file": SimpleUploadedFile("bombe.png", png, "image/png"),
            "image-chooser-upload-collection": 1,
        },
    )
    assert response.status_code == 200
    assert "mégapixels" in response.json()["htmlFragment"]
    assert not get_image_model().objects.exists()


def test_the_error_gives_the_size_and_the_limit(admin_client):
    response = admin_client.post(
        "/admin/images/add/",
        {
            "title": "Bombe",
            "file": SimpleUploadedFile("bombe.png", bomb_png(11_000, 11_000), "image/png"),
            "collection": 1,
        },
    )
    (error,) = response.context["form"].errors["file"]
    assert "11\N{NO-BREAK SPACE}000 × 11\N{NO-BREAK SPACE}000" in error or "11 000 × 11 000" in error
    assert "121" in error and "40" in error


def test_an_ordinary_picture_is_still_accepted(admin_client):
    response = admin_client.post(
        "/admin/images/add/",
        {
            "title": "Photo",
            "file": SimpleUploadedFile("photo.png", photo_png(), "image/png"),
            "collection": 1,
        },
    )
    assert response.status_code == 302
    image = get_image_model().objects.get()
    assert (image.width, image.height) == (64, 48)


def test_a_picture_just_under_the_cap_is_accepted(admin_client, settings):
    # The cap counts pixels, not bytes: a 6,000 × 6,000 picture (36 megapixels, a good camera) goes through.
    response = admin_client.post(
        "/admin/images/add/",
        {
            "title": "Grande photo",
            "file": SimpleUploadedFile("grande.png", bomb_png(6_000, 6_000), "image/png"),
            "collection": 1,
        },
    )
    assert response.status_code == 302
    assert get_image_model().objects.get().width == 6_000
