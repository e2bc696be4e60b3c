"""Images to send and receive: the smallest PNG, and pictures made to a size."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

PNG_1x1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def picture(width: int, height: int, kind: str = "PNG") -> bytes:
    """A plain picture of ``width`` x ``height`` in ``kind`` (PNG, JPEG, WEBP)."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), "#6a8caf").save(out, kind)
    return out.getvalue()


def street_light_photo() -> bytes:
    """A JPEG a citizen could send: a street light that is off, by a road, under the sky."""
    image = Image.new("RGB", (960, 720), "#9cc3e6")
    draw = ImageDraw.Draw(image)
    for y in range(0, 430):  # the sky lightens towards the horizon
        shade = 160 + y * 80 // 430
        draw.line([(0, y), (960, y)], fill=(shade - 60, shade - 20, min(shade + 20, 255)))
    draw.rectangle([0, 430, 960, 720], fill="#6e6e6e")  # the road
    draw.rectangle([0, 420, 960, 440], fill="#b5b5b5")  # the pavement's edge
    for x in range(40, 960, 160):
        draw.rectangle([x, 560, x + 80, 575], fill="#f0f0f0")  # the lane markings
    draw.rectangle([455, 140, 475, 430], fill="#3b3f44")  # the pole
    draw.rectangle([465, 140, 600, 152], fill="#3b3f44")  # its arm
    draw.polygon([(570, 150), (640, 150), (625, 175), (585, 175)], fill="#2b2d30")  # the lamp
    draw.ellipse([590, 168, 620, 182], fill="#55585c")  # unlit
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()
