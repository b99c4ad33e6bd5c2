"""Demo illustrations drawn with Pillow: no download, same bytes on every run."""

import io
import random

from PIL import Image, ImageDraw, ImageFilter


def gers_landscape(width=1440, height=960, seed=32):
    """Rolling Gascon hills under a warm sky, as a PNG."""
    rng = random.Random(seed)
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(height):
        t = y / height
        draw.line([(0, y), (width, y)], fill=(int(250 - 60 * t), int(214 - 40 * t), int(150 + 60 * t)))
    draw.ellipse(
        [width * 0.68, height * 0.12, width * 0.80, height * 0.12 + width * 0.12], fill=(255, 236, 170)
    )
    palette = [(196, 170, 82), (142, 160, 72), (96, 134, 70), (62, 104, 64), (40, 78, 56)]
    for layer, colour in enumerate(palette):
        base = height * (0.45 + layer * 0.11)
        points = [(0, height)]
        for x in range(0, width + 40, 40):
            wave = rng.uniform(-18, 18) + 40 * ((x / width * (3 + layer)) % 1 - 0.5)
            points.append((x, base + wave))
        points.append((width, height))
        draw.polygon(points, fill=colour)
        # Rows of vines or sunflowers on the nearer hills.
        if layer >= 2:
            for _ in range(40 * layer):
                x, y = rng.uniform(0, width), rng.uniform(base + 20, height)
                draw.ellipse([x, y, x + 6, y + 4], fill=tuple(max(0, c - 25) for c in colour))
    image = image.filter(ImageFilter.SMOOTH)
    return _png(image)


def hands_pattern(width=1200, height=800, seed=7):
    """An abstract pattern of overlapping circles in the site's colours, as a PNG."""
    rng = random.Random(seed)
    image = Image.new("RGB", (width, height), (232, 238, 247))
    draw = ImageDraw.Draw(image, "RGBA")
    colours = [(27, 58, 107, 110), (245, 183, 0, 130), (96, 134, 70, 110), (15, 37, 71, 90)]
    for _ in range(60):
        r = rng.uniform(40, 180)
        x, y = rng.uniform(0, width), rng.uniform(0, height)
        draw.ellipse([x - r, y - r, x + r, y + r], fill=rng.choice(colours))
    return _png(image)


def _png(image):
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
